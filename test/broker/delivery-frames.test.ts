// Delivery frames built in one buffer (electron/broker/delivery.ts) and the store's vectored
// record writes (store/message-store.ts writePending), issue 13's CPU cuts:
// - deliveryFrames is byte-identical to amqplib's basic.deliver + the content header + the body
//   frames, for names with multi-byte characters, 255-byte names, empty bodies, bodies split
//   into several frames, delivery tags beyond 2^32;
// - through a real broker: hundreds of messages of different sizes and contents, written by a
//   raw client in ONE socket write (bodies split into several body frames), arrive at a consumer
//   with a small frame_max byte for byte, in order, and again byte for byte when redelivered;
// - persistent messages of different sizes (many records per vectored write), confirmed, then
//   the broker killed with SIGKILL: after the restart every body comes back byte for byte.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { decodeMethod, decodeProperties, defs, encodePropertiesRaw, encodeMethod, headerFrame, M, pushBodyFrames } from '../../electron/broker/codec';
import { ChunkReader } from '../../electron/broker/chunk-reader';
import { deliveryFrames, INLINE_BODY_MAX } from '../../electron/broker/delivery';
import { scanProperties } from '../../electron/broker/props-scan';
import { spawnBroker, tempDir, type ChildBroker } from './helpers';
import { handshakeBytes, raw } from './raw-client';

/** Message i's body: its own size (0 … ~9 KB) and bytes. */
function bodyOf(i: number): Buffer {
  const b = Buffer.allocUnsafe((i * 977) % 9001);
  for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 7 + (j >> 8)) & 255;
  return b;
}

function reference(ch: number, ctag: string, tag: number, redelivered: boolean, ex: string, rk: string, props: Buffer, body: Buffer, frameMax: number): Buffer {
  const out: Buffer[] = [encodeMethod(M.BasicDeliver, ch, { consumerTag: ctag, deliveryTag: tag, redelivered, exchange: ex, routingKey: rk }), headerFrame(ch, body.length, props)];
  pushBodyFrames(out, ch, body, frameMax);
  return Buffer.concat(out);
}

describe('deliveryFrames: the same bytes as amqplib encodes', () => {
  it('for every shape of name, tag, properties and body', () => {
    const props = defs.encodeProperties(60, 0, 0, { deliveryMode: 2, contentType: 'application/json', headers: { a: 'ü', n: 7 } }).subarray(19, -1);
    const names = ['', 'amq.gen-XYZ', 'ключ.box-7', 'x'.repeat(255), 'é'.repeat(127)];
    const bodies = [Buffer.alloc(0), Buffer.from('a'), bodyOf(5), Buffer.alloc(4088, 1), Buffer.alloc(4089, 2), bodyOf(1234), Buffer.alloc(INLINE_BODY_MAX, 3), Buffer.alloc(INLINE_BODY_MAX + 1, 4)];
    let cases = 0;
    for (const name of names)
      for (const body of bodies)
        for (const frameMax of [0, 4096, 131072])
          for (const [tag, redelivered] of [[1, false], [2 ** 32 + 5, true], [2 ** 40 - 1, false]] as const) {
            const p = cases % 2 ? props : Buffer.from([0, 0]);
            const got = Buffer.concat(deliveryFrames(3, name, tag, redelivered, name.slice(0, 40), name, p, body, frameMax));
            assert.deepEqual(got, reference(3, name, tag, redelivered, name.slice(0, 40), name, p, body, frameMax), `name ${name.length} chars, body ${body.length}, frameMax ${frameMax}, tag ${tag}`);
            cases++;
          }
    assert.equal(cases, names.length * bodies.length * 3 * 3);
  });

  it('copies a small body into the one buffer, and only references a large one', () => {
    const small = bodyOf(1234);
    assert.equal(deliveryFrames(1, 'c', 1, false, '', 'q', Buffer.from([0, 0]), small, 4096).length, 1);
    const big = Buffer.alloc(INLINE_BODY_MAX + 1, 7);
    const frames = deliveryFrames(1, 'c', 1, false, '', 'q', Buffer.from([0, 0]), big, 131072);
    assert.ok(frames.some((f) => f.buffer === big.buffer && f.length > 0), 'a large body is sent from its own memory, not copied');
  });

  it('a name longer than a short string is refused as amqplib refuses it', () => {
    assert.throws(() => deliveryFrames(1, 'x'.repeat(256), 1, false, '', 'q', Buffer.from([0, 0]), Buffer.from('b'), 4096));
  });
});

describe('scanProperties: what routing needs, as amqplib decodes it', () => {
  it('reads delivery mode, expiration and user id of well-formed properties; defers the unusual and the malformed to amqplib', () => {
    const all = { contentType: 'text/plain', contentEncoding: 'gzip', deliveryMode: 2, priority: 5, correlationId: 'c-1', replyTo: 'amq.rabbitmq.reply-to', expiration: '60000', messageId: 'm-ü', timestamp: 1_700_000_000, type: 't', userId: 'test', appId: 'se3', clusterId: '', headers: {} };
    const keys = Object.keys(all) as Array<keyof typeof all>;
    let fast = 0;
    let checked = 0;
    for (let mask = 0; mask < 1 << keys.length; mask += 7) {
      const fields = Object.fromEntries(keys.filter((_, k) => mask & (1 << k)).map((k) => [k, all[k]]));
      const rawProps = encodePropertiesRaw(fields);
      const s = scanProperties(rawProps);
      assert.ok(s, `well-formed properties ${JSON.stringify(fields)} took the slow path`);
      fast++;
      // every truncation and a few corruptions: where the scan answers, amqplib agrees
      const variants = [rawProps, ...Array.from({ length: rawProps.length }, (_, n) => rawProps.subarray(0, n))];
      for (let k = 2; k < rawProps.length; k += 3) {
        const b = Buffer.from(rawProps);
        b[k] = (b[k]! * 7 + 13) & 255;
        variants.push(b);
      }
      for (const v of variants) {
        const got = scanProperties(v);
        if (!got) continue;
        const ref = decodeProperties(v);
        assert.deepEqual(got, { deliveryMode: ref.deliveryMode, expiration: ref.expiration, userId: ref.userId }, `bytes ${v.toString('hex')}`);
        checked++;
      }
    }
    assert.ok(fast > 1000 && checked > fast, `${fast} fast, ${checked} checked`);
    // an empty headers table (amqplib sends one with every publish) is stepped over; a non-empty
    // one is decoded (and checked) by amqplib, as are flag bits that name no property
    assert.deepEqual(scanProperties(encodePropertiesRaw({ headers: {}, deliveryMode: 2, expiration: '5' })), { deliveryMode: 2, expiration: '5', userId: undefined });
    assert.equal(scanProperties(encodePropertiesRaw({ headers: { a: 1 }, deliveryMode: 2 })), null);
    assert.equal(scanProperties(Buffer.from([0x10, 0x01, 2])), null);
    assert.equal(scanProperties(Buffer.from([0x10])), null);
  });
});

describe('decodeMethod: basic.ack read in place', () => {
  it('gives the delivery tag and multiple bit exactly as amqplib, beyond 2^32 and 2^53; other lengths go to amqplib', () => {
    const tags = [0, 1, 255, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64 - 2 ** 11];
    for (const tag of tags)
      for (const multiple of [false, true]) {
        const args = encodeMethod(M.BasicAck, 1, { deliveryTag: tag, multiple }).subarray(11, -1);
        assert.equal(args.length, 9);
        assert.deepEqual(decodeMethod(M.BasicAck, args), defs.decode(M.BasicAck, args), `tag ${tag}`);
      }
    // raw tags whose low bits round (not representable as doubles)
    for (const hex of ['00200000000000010f', 'ffffffffffffffff01', '7fffffffffffffff00', '0000000100000001fe']) {
      const args = Buffer.from(hex, 'hex');
      assert.deepEqual(decodeMethod(M.BasicAck, args), defs.decode(M.BasicAck, args), hex);
    }
    assert.throws(() => decodeMethod(M.BasicAck, Buffer.alloc(7)), 'a short ack is refused by amqplib as before');
  });
});

describe('ChunkReader: frames cut out of chunks split anywhere', () => {
  it('gives every frame its type, channel, payload and end byte, whatever the chunk boundaries', () => {
    const frames = Array.from({ length: 60 }, (_, i) => deliveryFrames(1 + (i % 3), `c${i}`, i + 1, i % 2 === 0, 'ex', `rk${i}`, Buffer.from([0, 0]), bodyOf(i), 4096)).flat();
    const stream = Buffer.concat(frames);
    // the expected frames: walk the stream
    const want: Array<{ type: number; channel: number; payload: Buffer }> = [];
    for (let o = 0; o < stream.length; ) {
      const size = stream.readUInt32BE(o + 3);
      want.push({ type: stream[o]!, channel: stream.readUInt16BE(o + 1), payload: stream.subarray(o + 7, o + 7 + size) });
      o += size + 8;
    }
    for (const cut of [1, 2, 7, 8, 13, 500, 4099, stream.length]) {
      const r = new ChunkReader();
      const got: typeof want = [];
      for (let o = 0; o < stream.length; o += cut) {
        r.push(Buffer.from(stream.subarray(o, o + cut)));
        while (r.length >= 7) {
          const size = r.u32At(3);
          if (r.length < size + 8) break;
          const payload = Buffer.from(r.takeFrame(size));
          assert.equal(r.frameEnd, 206, `cut ${cut}: frame ${got.length} end byte`);
          got.push({ type: r.frameType, channel: r.frameChannel, payload });
        }
      }
      assert.equal(r.length, 0);
      assert.equal(got.length, want.length, `cut ${cut}`);
      for (let i = 0; i < want.length; i++) assert.deepEqual(got[i], want[i], `cut ${cut}: frame ${i}`);
    }
  });
});

describe('bodies through a real broker, byte for byte', () => {
  let broker: ChildBroker;
  const dir = tempDir('delivery-frames');
  const conns: ChannelModel[] = [];
  const open = async (port: number) => {
    const c = await amqp.connect(`amqp://test:test@127.0.0.1:${port}?frameMax=4096`);
    c.on('error', () => {});
    conns.push(c);
    return c;
  };
  before(async () => {
    broker = await spawnBroker(dir, 0, undefined, [], { warmUp: false });
  });
  after(async () => {
    for (const c of conns) await c.close().catch(() => {});
    await broker.kill();
  });

  it('hundreds of publishes in one socket write arrive intact, in order, and again on redelivery', async () => {
    const N = 400;
    const c = await open(broker.port);
    const ch = await c.createChannel();
    await ch.assertQueue('df-one-write', { durable: true });
    // the publisher: handshake, channel.open and N publishes (body in 1–3 frames) in one write
    const frames: Buffer[] = [handshakeBytes(), encodeMethod(M.ChannelOpen, 1, { outOfBand: '' })];
    for (let i = 0; i < N; i++) {
      const body = bodyOf(i);
      frames.push(encodeMethod(M.BasicPublish, 1, { ticket: 0, exchange: '', routingKey: 'df-one-write', mandatory: false, immediate: false }));
      frames.push(defs.encodeProperties(60, 1, body.length, { deliveryMode: i % 2 ? 2 : 1, headers: { i } }));
      const pieces = body.length === 0 ? [] : [body.subarray(0, body.length >> 2), body.subarray(body.length >> 2, body.length >> 1), body.subarray(body.length >> 1)].filter((p) => p.length > 0);
      for (const p of pieces) {
        const h = Buffer.allocUnsafe(7);
        h[0] = 3;
        h.writeUInt16BE(1, 1);
        h.writeUInt32BE(p.length, 3);
        frames.push(h, p, Buffer.from([206]));
      }
    }
    const r = await raw(broker.port);
    r.sock.write(Buffer.concat(frames));

    const seen: number[] = [];
    const again: number[] = [];
    let done!: () => void;
    let failed!: (e: unknown) => void;
    const finished = new Promise<void>((res, rej) => ((done = res), (failed = rej)));
    await ch.prefetch(50);
    await ch.consume('df-one-write', (m: ConsumeMessage | null) => {
      try {
        assert.ok(m);
        const i = Number(m.properties.headers!.i);
        assert.ok(m.content.equals(bodyOf(i)), `message ${i}: ${m.content.length} bytes, expected ${bodyOf(i).length}, content differs`);
        assert.equal(m.fields.routingKey, 'df-one-write');
        if (m.fields.redelivered) {
          again.push(i);
          ch.ack(m);
        } else {
          seen.push(i);
          // every tenth goes back once: its redelivery must carry the same bytes
          if (i % 10 === 0) ch.nack(m, false, true);
          else ch.ack(m);
        }
        if (seen.length === N && again.length === N / 10) done();
      } catch (e) {
        failed(e);
      }
    });
    await Promise.race([finished, new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out: ${seen.length} delivered, ${again.length} redelivered`)), 30_000))]);
    assert.deepEqual(seen, Array.from({ length: N }, (_, i) => i));
    assert.deepEqual(again.slice().sort((a, b) => a - b), Array.from({ length: N / 10 }, (_, k) => k * 10));
    r.sock.destroy();
  });

  it('each message keeps its own properties when a channel repeats, changes and drops them (the channel reuses repeated ones)', async () => {
    const c = await open(broker.port);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue('df-props', { durable: true });
    const a = { persistent: true, messageId: 'a', expiration: '60000' };
    const b = { persistent: false, messageId: 'b', headers: { k: 'v' } };
    const plan = [a, a, b, b, a, {}, {}, a, { persistent: true, messageId: 'a', expiration: '60001' }, a];
    for (const [i, o] of plan.entries()) ch.sendToQueue('df-props', Buffer.from(String(i)), o);
    await ch.waitForConfirms();
    for (const [i, o] of plan.entries()) {
      const m = await ch.get('df-props', { noAck: true });
      assert.ok(m, `message ${i}`);
      assert.equal(m.content.toString(), String(i));
      const p = m.properties;
      assert.equal(p.deliveryMode, 'persistent' in o ? (o.persistent ? 2 : 1) : undefined, `message ${i} delivery mode`);
      assert.equal(p.messageId, 'messageId' in o ? o.messageId : undefined, `message ${i} message id`);
      assert.equal(p.expiration, 'expiration' in o ? o.expiration : undefined, `message ${i} expiration`);
      assert.deepEqual(p.headers, 'headers' in o ? o.headers : {}, `message ${i} headers`);
    }
  });

  it('confirmed persistent bodies of every size survive SIGKILL byte for byte', async () => {
    const N = 300;
    let c = await open(broker.port);
    const ch = await c.createConfirmChannel();
    await ch.assertQueue('df-crash', { durable: true });
    for (let i = 0; i < N; i++) ch.sendToQueue('df-crash', bodyOf(i + 7), { persistent: true, headers: { i } });
    await ch.waitForConfirms();
    await broker.kill('SIGKILL');
    broker = await spawnBroker(dir, 0, undefined, [], { warmUp: false });
    c = await open(broker.port);
    const ch2 = await c.createChannel();
    const got: number[] = [];
    for (;;) {
      const m = await ch2.get('df-crash', { noAck: true });
      if (!m) break;
      const i = Number(m.properties.headers!.i);
      assert.ok(m.content.equals(bodyOf(i + 7)), `message ${i} after the restart: content differs`);
      got.push(i);
    }
    assert.deepEqual(got, Array.from({ length: N }, (_, i) => i));
  });
});
