// Hostile clients: garbage, wrong protocol header, bad frame end, oversized frame, slowloris,
// a client that never reads. Each must lose only its own connection (with the right code)
// while a healthy client keeps working and stored messages stay intact.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { connect as tcp, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startBroker, type Broker } from '../../electron/broker/index';
import { encodeMethod, M, PROTOCOL_HEADER } from '../../electron/broker/codec';
import { connect, sleep, tempDir } from './helpers';

interface Raw {
  sock: Socket;
  data: () => Buffer;
  closed: Promise<void>;
}

function raw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const sock = tcp(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {});
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.once('connect', () => resolve({ sock, data: () => Buffer.concat(chunks), closed }));
    sock.once('error', reject);
  });
}

/** Completes a PLAIN handshake by hand; returns once connection.open-ok arrived. */
async function handshake(r: Raw, heartbeat = 0): Promise<void> {
  r.sock.write(PROTOCOL_HEADER);
  await until(() => r.data().length > 0);
  r.sock.write(
    encodeMethod(M.ConnectionStartOk, 0, { clientProperties: {}, mechanism: 'PLAIN', response: Buffer.from('\0test\0test'), locale: 'en_US' }),
  );
  await sleep(50);
  r.sock.write(encodeMethod(M.ConnectionTuneOk, 0, { channelMax: 0, frameMax: 131072, heartbeat }));
  r.sock.write(encodeMethod(M.ConnectionOpen, 0, { virtualHost: '/', capabilities: '', insist: false }));
  await until(() => findMethod(r.data(), M.ConnectionOpenOk) !== null);
}

/** Finds a method frame on channel 0; returns its payload (after the method id). */
function findMethod(buf: Buffer, id: number): Buffer | null {
  let o = buf.subarray(0, 8).equals(PROTOCOL_HEADER) ? 8 : 0;
  while (o + 7 <= buf.length) {
    const size = buf.readUInt32BE(o + 3);
    if (o + 8 + size > buf.length) break;
    if (buf[o] === 1 && buf.readUInt32BE(o + 7) === id) return buf.subarray(o + 11, o + 7 + size);
    o += 8 + size;
  }
  return null;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

function closeCodeOf(r: Raw): number | null {
  const p = findMethod(r.data(), M.ConnectionClose);
  return p ? p.readUInt16BE(0) : null;
}

describe('hostile clients lose only their own connection', { timeout: 120_000 }, () => {
  const dir = tempDir('hostile');
  let b: Broker;
  let healthy: Awaited<ReturnType<typeof connect>>;

  before(async () => {
    b = await startBroker({ port: 0, dataDir: dir, users: [{ name: 'test', password: 'test' }], handshakeTimeoutMs: 1500, writeStallTimeoutMs: 2000 });
    healthy = await connect(b.port);
    const ch = await healthy.createConfirmChannel();
    await ch.assertQueue('keep', { durable: true });
    for (let i = 0; i < 100; i++) ch.sendToQueue('keep', Buffer.from(`k${i}`), { persistent: true });
    await ch.waitForConfirms();
  });

  after(async () => {
    await healthy?.close().catch(() => {});
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function stillHealthy(): Promise<void> {
    const ch = await healthy.createChannel();
    const q = await ch.checkQueue('keep');
    assert.equal(q.messageCount, 100, 'stored messages intact');
    const m = await ch.get('keep');
    assert.ok(m && m.content.toString() === 'k0');
    ch.nack(m, false, true);
    await ch.close();
  }

  it('garbage instead of the protocol header: server answers its header and closes', async () => {
    const r = await raw(b.port);
    r.sock.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await r.closed;
    assert.deepEqual(r.data(), PROTOCOL_HEADER);
    await stillHealthy();
  });

  it('wrong protocol version header: server answers AMQP 0-9-1 and closes', async () => {
    const r = await raw(b.port);
    r.sock.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 1, 1, 0, 10]));
    await r.closed;
    assert.deepEqual(r.data(), PROTOCOL_HEADER);
    await stillHealthy();
  });

  it('garbage frames after the handshake: 501 FRAME_ERROR', async () => {
    const r = await raw(b.port);
    await handshake(r);
    r.sock.write(Buffer.from([1, 0, 1, 0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef, 0x00])); // wrong frame-end
    await until(() => closeCodeOf(r) !== null);
    assert.equal(closeCodeOf(r), 501);
    r.sock.write(encodeMethod(M.ConnectionCloseOk, 0));
    await r.closed;
    await stillHealthy();
  });

  it('oversized frame: 501 FRAME_ERROR before the body is even read', async () => {
    const r = await raw(b.port);
    await handshake(r);
    const head = Buffer.alloc(7);
    head[0] = 3;
    head.writeUInt16BE(1, 1);
    head.writeUInt32BE(64 * 1024 * 1024, 3); // claims a 64 MiB frame (frame_max is 128 KiB)
    r.sock.write(head);
    await until(() => closeCodeOf(r) !== null);
    assert.equal(closeCodeOf(r), 501);
    r.sock.destroy();
    await stillHealthy();
  });

  it('unknown method id: connection exception, not a crash', async () => {
    const r = await raw(b.port);
    await handshake(r);
    const f = Buffer.from([1, 0, 0, 0, 0, 0, 4, 0x00, 0x63, 0x00, 0x63, 0xce]);
    r.sock.write(f);
    await until(() => closeCodeOf(r) !== null);
    assert.equal(closeCodeOf(r), 540);
    r.sock.destroy();
    await stillHealthy();
  });

  it('a client that negotiated heartbeats and then goes silent is dropped after two intervals', async () => {
    const r = await raw(b.port);
    await handshake(r, 1);
    const t0 = Date.now();
    await r.closed; // it never sends anything again
    const took = Date.now() - t0;
    assert.ok(took >= 1500 && took < 6000, `dropped after ${took} ms`);
    assert.ok(r.data().includes(Buffer.from([8, 0, 0, 0, 0, 0, 0, 206])), 'the server sent heartbeats meanwhile');
    await stillHealthy();
  });

  it('slowloris (header one byte at a time, never finishing): closed by the handshake timeout', async () => {
    const r = await raw(b.port);
    const t0 = Date.now();
    let i = 0;
    const drip = setInterval(() => {
      if (i < 7 && !r.sock.destroyed) r.sock.write(PROTOCOL_HEADER.subarray(i, ++i));
    }, 150);
    await r.closed;
    clearInterval(drip);
    const took = Date.now() - t0;
    assert.ok(took >= 1000 && took < 10000, `closed after ${took} ms`);
    await stillHealthy();
  });

  it('a consumer that never reads is cut off; its unacked messages go back to the queue', async () => {
    const pub = await healthy.createConfirmChannel();
    await pub.assertQueue('flood', { durable: false });
    const big = Buffer.alloc(64 * 1024, 7);
    // 32 MB: more than the kernel's socket buffers can absorb on loopback
    for (let i = 0; i < 500; i++) pub.sendToQueue('flood', big);
    await pub.waitForConfirms();
    const r = await raw(b.port);
    await handshake(r);
    r.sock.write(encodeMethod(M.ChannelOpen, 1, { outOfBand: '' }));
    r.sock.write(encodeMethod(M.BasicConsume, 1, { queue: 'flood', consumerTag: 'never-reads', noAck: false, arguments: {} }));
    r.sock.pause(); // from here on nothing is read
    const before = b.stats().connections.length;
    await until(() => b.stats().connections.length === before - 1, 20000); // the server drops it
    r.sock.destroy();
    await sleep(100);
    const q = b.stats().queues.find((x) => x.name === 'flood')!;
    assert.equal(q.messages, 500);
    assert.equal(q.unacked, 0);
    await pub.deleteQueue('flood');
    await pub.close();
    await stillHealthy();
  });
});
