// Fuzz test of malformed AMQP input (issue 10 item 3): more than 10,000 malformed inputs from a
// seeded generator — bad protocol headers, bad frame types, sizes and ends, truncated frames,
// bad method arguments, frames on the wrong channel, broken handshakes, random bytes after a
// good handshake, and channel-level misuse — against one broker. Every answer must be well
// formed (a protocol header, or frames ending in a connection.close with a proper AMQP reply
// code, never 541 INTERNAL_ERROR), no connection may be left behind, and at the end the broker
// serves an amqplib client correctly with its stored messages intact.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startBroker, type Broker } from '../../electron/broker/index';
import { encodeMethod, M, PROTOCOL_HEADER, type Fields } from '../../electron/broker/codec';
import { connect, sleep, tempDir } from './helpers';
import { handshakeBytes, methodFrames, raw, until } from './raw-client';
import { mulberry32 } from '../helpers/random';

const SEED = Number(process.env.FUZZ_SEED ?? 0x5e3f1e1d);
const CONNECTION_CASES = 6400;
const CHANNEL_CONNECTIONS = 40;
const CHANNEL_CASES_PER_CONNECTION = 100;
const CONCURRENCY = 32;
/** Reply codes a connection.close may carry (AMQP 0-9-1 hard errors + 403 ACCESS_REFUSED). */
const CONNECTION_CODES = new Set([320, 402, 403, 501, 502, 503, 504, 505, 506, 530, 540]);

const rand = mulberry32(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

function frame(type: number, channel: number, payload: Buffer, end = 206, sizeDelta = 0): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = type;
  b.writeUInt16BE(channel, 1);
  b.writeUInt32BE(Math.max(0, payload.length + sizeDelta), 3);
  payload.copy(b, 7);
  b[7 + payload.length] = end;
  return b;
}

/** Valid fields for every client-sent method the broker handles. */
const TEMPLATES: Array<[number, Fields]> = [
  [M.QueueDeclare, { queue: 'fz.q', durable: false, autoDelete: true, arguments: {} }],
  [M.QueueDeclare, { queue: 'fz.q2', arguments: { 'x-max-length': 'ten', 'x-message-ttl': -5 } }],
  [M.ExchangeDeclare, { exchange: 'fz.x', type: 'direct', arguments: {} }],
  [M.ExchangeDeclare, { exchange: 'fz.bad', type: 'no-such-type', arguments: {} }],
  [M.ExchangeDelete, { exchange: 'fz.x' }],
  [M.ExchangeBind, { destination: 'fz.x', source: 'amq.direct', routingKey: 'k', arguments: {} }],
  [M.ExchangeUnbind, { destination: 'fz.x', source: 'nope', routingKey: 'k', arguments: {} }],
  [M.QueueBind, { queue: 'fz.q', exchange: 'amq.topic', routingKey: '#', arguments: {} }],
  [M.QueueBind, { queue: 'missing', exchange: 'missing', routingKey: '', arguments: {} }],
  [M.QueueUnbind, { queue: 'fz.q', exchange: 'amq.topic', routingKey: '#', arguments: {} }],
  [M.QueuePurge, { queue: 'fz.q' }],
  [M.QueueDelete, { queue: 'missing' }],
  [M.BasicQos, { prefetchCount: 10 }],
  [M.BasicQos, { prefetchSize: 5 }],
  [M.BasicConsume, { queue: 'fz.q', arguments: {} }],
  [M.BasicConsume, { queue: 'missing', arguments: {} }],
  [M.BasicCancel, { consumerTag: 'nope' }],
  [M.BasicPublish, { exchange: '', routingKey: 'fz.q' }],
  [M.BasicPublish, { exchange: 'missing', routingKey: 'x', mandatory: true }],
  [M.BasicGet, { queue: 'fz.q' }],
  [M.BasicAck, { deliveryTag: 999, multiple: false }],
  [M.BasicReject, { deliveryTag: 12345, requeue: true }],
  [M.BasicNack, { deliveryTag: 0, multiple: true }],
  [M.BasicRecover, { requeue: false }],
  [M.BasicRecoverAsync, { requeue: true }],
  [M.ConfirmSelect, {}],
  [M.TxSelect, {}],
  [M.ChannelFlow, { active: false }],
  [M.ChannelClose, { replyCode: 200, replyText: 'bye', classId: 0, methodId: 0 }],
  [M.ChannelOpen, {}],
];

/** A method frame's payload (class, method, args) from a template. */
function methodPayload([id, f]: [number, Fields]): Buffer {
  const fr = encodeMethod(id, 1, f);
  return Buffer.from(fr.subarray(7, fr.length - 1));
}

/** Arguments mangled: truncated, bytes flipped, lengths blown up, or random. */
function mangle(payload: Buffer): Buffer {
  const p = Buffer.from(payload);
  switch (int(5)) {
    case 0:
      return p.subarray(0, 4 + int(Math.max(1, p.length - 4)));
    case 1:
      for (let i = 0; i < 1 + int(4); i++) if (p.length > 4) p[4 + int(p.length - 4)] = int(256);
      return p;
    case 2:
      if (p.length > 7) p.writeUInt8(255, 4 + 2 + int(Math.max(1, p.length - 7))); // a length byte → 255
      return Buffer.concat([p, bytes(int(8))]);
    case 3:
      return Buffer.concat([p.subarray(0, 4), bytes(int(64))]);
    default: {
      const big = Buffer.alloc(4);
      big.writeUInt32BE(0x7ffffff0 + int(15));
      return Buffer.concat([p.subarray(0, Math.min(p.length, 6 + int(4))), big, bytes(int(16))]);
    }
  }
}

const open1 = encodeMethod(M.ChannelOpen, 1, {});
const goodHeader = (ch: number, size: number) => {
  const p = Buffer.alloc(14);
  p.writeUInt16BE(60, 0);
  p.writeBigUInt64BE(BigInt(size), 4);
  p.writeUInt16BE(0, 12);
  return frame(2, ch, p);
};

type Case = { kind: string; bytes: Buffer; handshook: boolean };

/** One connection-level malformed input. */
function connectionCase(): Case {
  const hs = handshakeBytes();
  const after = (kind: string, b: Buffer): Case => ({ kind, bytes: Buffer.concat([hs, b]), handshook: true });
  switch (int(12)) {
    case 0: {
      const h = Buffer.from(PROTOCOL_HEADER);
      const variants = [bytes(8), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), PROTOCOL_HEADER.subarray(0, int(8)), Buffer.concat([h.subarray(0, 4), bytes(4)])];
      return { kind: 'bad protocol header', bytes: pick(variants), handshook: false };
    }
    case 1:
      return after('bad frame type', frame(pick([0, 4, 5, 7, 9, 65, 206, 255]), int(3), bytes(int(32))));
    case 2:
      return after('bad frame size', frame(1, 0, bytes(8 + int(32)), 206, pick([-3, -1, 1, 5, 200, 1 << 20, 0x7fffffff])));
    case 3:
      return after('bad frame end', frame(pick([1, 2, 3, 8]), int(2), methodPayload(pick(TEMPLATES)), pick([0, 205, 207, 255, 0xce ^ 1])));
    case 4: {
      const f = Buffer.concat([open1, frame(1, 1, methodPayload(pick(TEMPLATES)))]);
      return after('truncated frame', f.subarray(0, open1.length + 1 + int(f.length - open1.length - 1)));
    }
    case 5:
      return after('bad method args', Buffer.concat([open1, frame(1, 1, mangle(methodPayload(pick(TEMPLATES))))]));
    case 6: {
      const wrong = [
        frame(1, 0, methodPayload(pick(TEMPLATES))), // channel method on channel 0
        frame(1, 5, methodPayload([M.ConnectionTuneOk, { channelMax: 0, frameMax: 131072, heartbeat: 0 }])), // connection method on a channel
        goodHeader(7, 3), // content on an unopened channel
        frame(3, 9, bytes(5)),
        frame(8, 1 + int(100), Buffer.alloc(0)), // heartbeat on a channel
        Buffer.concat([open1, frame(1, 2, methodPayload(pick(TEMPLATES)))]), // method on unopened channel 2
        Buffer.concat([open1, frame(1, 3000, methodPayload([M.ChannelOpen, {}]))]), // beyond channel_max
        Buffer.concat([open1, open1]), // second channel.open
      ];
      return after('frame on the wrong channel', pick(wrong));
    }
    case 7:
      return after('random bytes after the handshake', bytes(1 + int(200)));
    case 8: {
      // broken handshakes
      const startOk = (fields: Fields) => encodeMethod(M.ConnectionStartOk, 0, { clientProperties: {}, locale: 'en_US', ...fields });
      const variants = [
        startOk({ mechanism: 'PLAIN', response: bytes(int(40)) }),
        startOk({ mechanism: pick(['EXTERNAL', 'CRAM-MD5', '', 'plain']), response: Buffer.from('\0test\0test') }),
        startOk({ mechanism: 'AMQPLAIN', response: bytes(1 + int(40)) }),
        frame(1, 0, mangle(methodPayload([M.ConnectionStartOk, { clientProperties: { product: 'x', capabilities: {} }, mechanism: 'PLAIN', response: Buffer.from('\0test\0test'), locale: 'en_US' }]))),
        encodeMethod(M.ConnectionOpen, 0, { virtualHost: '/' }), // open before start-ok
        Buffer.concat([startOk({ mechanism: 'PLAIN', response: Buffer.from('\0test\0test') }), encodeMethod(M.ConnectionTuneOk, 0, { channelMax: 0, frameMax: pick([1, 4095, 1 << 30]), heartbeat: 0 })]),
        Buffer.concat([startOk({ mechanism: 'PLAIN', response: Buffer.from('\0test\0test') }), encodeMethod(M.ConnectionTuneOk, 0, {}), encodeMethod(M.ConnectionOpen, 0, { virtualHost: bytes(10).toString('latin1') })]),
        frame(1, 0, bytes(2 + int(3))), // method frame too short
      ];
      return { kind: 'broken handshake', bytes: Buffer.concat([PROTOCOL_HEADER, pick(variants)]), handshook: false };
    }
    case 9: {
      // content misuse that breaks the connection: header for another class, body past its size, header with no publish
      const pub = frame(1, 1, methodPayload([M.BasicPublish, { exchange: '', routingKey: 'fz.q' }]));
      const badClass = goodHeader(1, 3);
      badClass.writeUInt16BE(pick([0, 10, 50, 61, 999]), 7);
      const variants = [
        Buffer.concat([open1, pub, badClass]),
        Buffer.concat([open1, pub, goodHeader(1, 2), frame(3, 1, bytes(3 + int(10)))]),
        Buffer.concat([open1, goodHeader(1, 3)]),
        Buffer.concat([open1, frame(3, 1, bytes(4))]),
        Buffer.concat([open1, pub, frame(1, 1, methodPayload(pick(TEMPLATES)))]), // method where content was due
        Buffer.concat([open1, pub, frame(2, 1, bytes(int(14)))]), // header too short
      ];
      return after('content frame misuse', pick(variants));
    }
    case 10:
      return after('method frame on channel 0 with random id', frame(1, 0, Buffer.concat([bytes(4), bytes(int(20))])));
    default:
      return after('random frames after the handshake', Buffer.concat(Array.from({ length: 1 + int(4) }, () => frame(pick([1, 2, 3, 8]), int(4), bytes(int(40)), pick([206, 206, 206, 0])))));
  }
}

/** Well-encoded methods that each cost only their channel (404, 405, 406 with channel.close). */
const CHANNEL_ERRORS: Array<[number, Fields]> = [
  [M.QueueDeclare, { queue: 'fz.q2', arguments: { 'x-max-length': 'ten' } }],
  [M.QueueDeclare, { queue: 'fz.q3', arguments: { 'x-message-ttl': -5 } }],
  [M.QueueDeclare, { queue: 'missing', passive: true, arguments: {} }],
  [M.ExchangeDeclare, { exchange: 'missing', type: 'direct', passive: true, arguments: {} }],
  [M.QueueBind, { queue: 'missing', exchange: 'amq.direct', routingKey: '', arguments: {} }],
  [M.QueueBind, { queue: 'keep', exchange: 'missing', routingKey: '', arguments: {} }],
  [M.ExchangeBind, { destination: 'amq.direct', source: 'missing', routingKey: 'k', arguments: {} }],
  [M.QueuePurge, { queue: 'missing' }],
  [M.BasicConsume, { queue: 'missing', arguments: {} }],
  [M.BasicGet, { queue: 'missing' }],
  [M.BasicAck, { deliveryTag: 999, multiple: false }],
  [M.BasicReject, { deliveryTag: 12345, requeue: true }],
  [M.BasicNack, { deliveryTag: 77, multiple: false, requeue: false }],
  [M.ExchangeDeclare, { exchange: 'amq.reserved-name', type: 'direct', arguments: {} }],
];

/** One channel-level malformed input on channel n: the connection survives it. */
function channelCase(n: number): Buffer {
  return Buffer.concat([encodeMethod(M.ChannelOpen, n, {}), frame(1, n, methodPayload(pick(CHANNEL_ERRORS)))]);
}

async function runCase(port: number, c: Case): Promise<void> {
  const r = await raw(port);
  r.sock.end(c.bytes);
  const closed = await Promise.race([r.closed.then(() => true), sleep(6000).then(() => false)]);
  if (!closed) r.sock.destroy();
  assert.ok(closed, `${c.kind}: the server neither answered nor closed within 6 s`);
  const got = r.data();
  if (got.length === 0) return; // closed before answering (e.g. a header cut short by the client's FIN)
  if (got.equals(PROTOCOL_HEADER)) return; // the broker's answer to a bad protocol header
  const frames = methodFrames(got);
  assert.equal(frames[0]?.id, M.ConnectionStart, `${c.kind}: the first answer is connection.start`);
  if (c.handshook) assert.ok(frames.some((f) => f.id === M.ConnectionOpenOk), `${c.kind}: the good handshake before it was answered`);
  const close = frames.find((f) => f.channel === 0 && f.id === M.ConnectionClose);
  if (close) {
    const code = close.args.readUInt16BE(0);
    assert.ok(CONNECTION_CODES.has(code), `${c.kind}: connection.close with reply code ${code} (${close.args.subarray(3, 3 + close.args[2]!).toString()})`);
  }
}

describe('fuzz: malformed AMQP input', { timeout: 180_000 }, () => {
  const dir = tempDir('fuzz');
  let b: Broker;

  before(async () => {
    b = await startBroker({ port: 0, dataDir: dir, users: [{ name: 'test', password: 'test' }], handshakeTimeoutMs: 5000 });
    const c = await connect(b.port);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue('keep', { durable: true });
    for (let i = 0; i < 50; i++) ch.sendToQueue('keep', Buffer.from(`k${i}`), { persistent: true });
    await ch.waitForConfirms();
    await c.close();
  });

  after(async () => {
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`survives ${CONNECTION_CASES + CHANNEL_CONNECTIONS * CHANNEL_CASES_PER_CONNECTION} malformed inputs (seed ${SEED}) and then serves amqplib correctly`, async () => {
    const rss0 = process.memoryUsage().rss;
    const kinds = new Map<string, number>();
    const problems = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < CONNECTION_CASES) {
        next++;
        const c = connectionCase();
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
        try {
          await runCase(b.port, c);
        } catch (err) {
          const m = (err as Error).message.split('\n')[0]!;
          problems.set(m, (problems.get(m) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual(Object.fromEntries(problems), {}, 'malformed inputs answered wrongly');
    assert.equal(kinds.size, 12, `every kind of malformed input was sent: ${[...kinds.keys()].join(', ')}`);

    // Channel-level misuse: 100 cases per connection, each on a channel of its own.
    let channelErrors = 0;
    for (let k = 0; k < CHANNEL_CONNECTIONS; k += CONCURRENCY) {
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, CHANNEL_CONNECTIONS - k) }, async () => {
          const r = await raw(b.port);
          const parts = [handshakeBytes()];
          for (let n = 1; n <= CHANNEL_CASES_PER_CONNECTION; n++) parts.push(channelCase(n));
          r.sock.end(Buffer.concat(parts));
          await Promise.race([r.closed, sleep(6000)]);
          assert.ok(r.sock.destroyed || r.sock.readyState === 'closed', 'closed after its input ended');
          const frames = methodFrames(r.data());
          channelErrors += frames.filter((f) => f.id === M.ChannelClose).length;
          const close = frames.find((f) => f.channel === 0 && f.id === M.ConnectionClose);
          if (close) assert.ok(CONNECTION_CODES.has(close.args.readUInt16BE(0)), `channel misuse: connection.close ${close.args.readUInt16BE(0)}`);
          for (const f of frames.filter((x) => x.id === M.ChannelClose)) assert.notEqual(f.args.readUInt16BE(0), 541, 'channel.close 541 INTERNAL_ERROR');
        }),
      );
    }
    assert.equal(channelErrors, CHANNEL_CONNECTIONS * CHANNEL_CASES_PER_CONNECTION, 'every channel-level error answered with channel.close');

    // Nothing left behind; memory did not run away; a real client is served correctly.
    await until(() => b.stats().connections.length === 0, 5000);
    assert.ok(process.memoryUsage().rss - rss0 < 150 * 1024 * 1024, `RSS grew by ${((process.memoryUsage().rss - rss0) / 1048576).toFixed(0)} MiB`);
    const c = await connect(b.port);
    const ch = await c.createConfirmChannel();
    assert.equal((await ch.checkQueue('keep')).messageCount, 50, 'stored messages intact');
    const q = await ch.assertQueue('', { exclusive: true });
    for (let i = 0; i < 20; i++) ch.sendToQueue(q.queue, Buffer.from(`after-${i}`), { persistent: true });
    await ch.waitForConfirms();
    const got: string[] = [];
    await new Promise<void>((res) => {
      void ch.consume(q.queue, (m) => {
        got.push(m!.content.toString());
        ch.ack(m!);
        if (got.length === 20) res();
      });
    });
    assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => `after-${i}`));
    await c.close();
  });
});
