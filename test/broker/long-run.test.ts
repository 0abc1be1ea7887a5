// A long-running broker gives back what its clients used (issue 13: "the broker gets slower per
// message the longer it runs"). One broker serves cycle after cycle of the benchmark's pattern —
// fresh connections, a durable queue, persistent messages with confirms, consumed and acked (or
// left in the queue), the queue deleted, the connections closed — with small segments so that
// every cycle rolls and retires several. After each cycle the broker's state is back where the
// first cycle left it: one segment file, no live or per-queue entries in the store, no queue,
// connection or held message, the tail file no larger than a segment. Spent segment files are
// deleted on the libuv pool (message-store.ts): a clean stop still leaves none behind.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBroker, type Broker } from '../../electron/broker/index';
import { walkRecords } from '../../electron/broker/store/records';
import { connect, settle, tempDir } from './helpers';

const SEGMENT = 128 * 1024;
const PER_CYCLE = 400;

/** The internals this test looks at (private fields, read at run time only). */
interface Internals {
  stores: { durable: StoreInternals; scratch: StoreInternals };
  vhosts: Map<string, { queues: Map<string, unknown>; queueDirs: Map<unknown, string> }>;
  connections: Set<unknown>;
  memory: { bytes: number };
}
interface StoreInternals {
  segs: Array<{ live: Map<unknown, string>; liveBytes: number; pooled: number }>;
  byN: Map<number, unknown>;
  acks: Map<string, number[]>;
  keyBytes: Map<string, number>;
  liveTotal: number;
  pending: Buffer[];
  waiters: unknown[];
  unlinks: { length: number };
  roller: { preparedFile(): string | null };
}

describe('a long-running broker returns to the same state after each client', { timeout: 120_000 }, () => {
  const dir = tempDir('longrun');
  const storeDir = join(dir, 'store');
  let b: Broker;
  const inner = () => b as unknown as Internals;
  before(async () => {
    b = await startBroker({ port: 0, dataDir: dir, users: [{ name: 'test', password: 'test' }], segmentBytes: SEGMENT, warmUp: false });
  });
  after(async () => {
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The store's segment files, without the next segment prepared ahead (an idle store whose tail
   *  is past half full keeps that one ready: store/segment-roll.ts). */
  const logFiles = () => {
    const prepared = inner().stores.durable.roller.preparedFile();
    return readdirSync(storeDir)
      .filter((f) => f.endsWith('.log') && f !== prepared)
      .sort();
  };
  /** What must be back to empty (or one tail segment) once a client has gone. */
  function state() {
    const s = inner().stores.durable;
    const logs = logFiles();
    return {
      logFiles: logs.length,
      segments: s.segs.length,
      segmentsByNumber: s.byN.size,
      liveMessages: s.segs.reduce((a, x) => a + x.live.size, 0),
      liveBytes: s.liveTotal,
      queueKeysWithBytes: s.keyBytes.size,
      pendingAcks: s.acks.size,
      pendingWrites: s.pending.length,
      durabilityWaiters: s.waiters.length,
      unlinksQueued: s.unlinks.length,
      scratchSegments: inner().stores.scratch.segs.length,
      queues: [...inner().vhosts.values()].reduce((a, v) => a + v.queues.size, 0),
      queueDirs: [...inner().vhosts.values()].reduce((a, v) => a + v.queueDirs.size, 0),
      connections: inner().connections.size,
      memoryBytes: inner().memory.bytes,
    };
  }
  const EMPTY = {
    logFiles: 1,
    segments: 1,
    segmentsByNumber: 1,
    liveMessages: 0,
    liveBytes: 0,
    queueKeysWithBytes: 0,
    pendingAcks: 0,
    pendingWrites: 0,
    durabilityWaiters: 0,
    unlinksQueued: 0,
    scratchSegments: 0,
    queues: 0,
    queueDirs: 0,
    connections: 0,
    memoryBytes: 0,
  };

  /** One client: publishes PER_CYCLE persistent 1 KiB messages with confirms, consumes `consume`
   *  of them with acks, deletes the queue (with the rest still in it) and closes. */
  async function cycle(i: number, consume: number): Promise<void> {
    const pc = await connect(b.port);
    const cc = await connect(b.port);
    const pub = await pc.createConfirmChannel();
    const con = await cc.createChannel();
    await pub.assertQueue('cycle', { durable: true });
    await con.prefetch(50);
    let got = 0;
    const consumed = new Promise<void>((resolve) => {
      void con.consume('cycle', (m) => {
        if (!m) return;
        if (got < consume) {
          con.ack(m);
          if (++got === consume) resolve();
        }
      });
    });
    for (let n = 0; n < PER_CYCLE; n++) pub.sendToQueue('cycle', Buffer.alloc(1024, 48 + (i % 10)), { persistent: true });
    await pub.waitForConfirms();
    await consumed;
    await pub.deleteQueue('cycle');
    await pc.close();
    await cc.close();
  }

  it('after 12 clients (some leaving messages in the deleted queue) the store, queues and connections are back to one empty tail segment', async () => {
    let rolled = 0;
    for (let i = 0; i < 12; i++) {
      const before = logFiles().at(-1);
      await cycle(i, i % 3 === 2 ? PER_CYCLE / 2 : PER_CYCLE);
      await settle(() => JSON.stringify(state()) === JSON.stringify(EMPTY));
      assert.deepEqual(state(), EMPTY, `after client ${i + 1}`);
      const tail = logFiles()[0]!;
      if (tail !== before) rolled++;
      // the tail file: its records and at most the zero-filled run-way, never more than a segment's worth
      assert.ok(statSync(join(storeDir, tail)).size <= SEGMENT + 2048, `tail ${tail} is ${statSync(join(storeDir, tail)).size} bytes`);
    }
    assert.ok(rolled >= 11, `every client's ~450 KiB rolls the 128 KiB segments (rolled in ${rolled} of 12)`);
  });

  it('acks that reach a queue after another connection deleted it do not give back its bodies\' memory twice', async () => {
    const pc = await connect(b.port);
    const cc = await connect(b.port);
    const pub = await pc.createConfirmChannel();
    const con = await cc.createChannel();
    await pub.assertQueue('late-acks', { durable: true });
    for (let n = 0; n < 100; n++) pub.sendToQueue('late-acks', Buffer.alloc(1024, 50), { persistent: n % 2 === 0 });
    await pub.waitForConfirms();
    await con.prefetch(40);
    const got: import('amqplib').ConsumeMessage[] = [];
    await new Promise<void>((resolve) => {
      void con.consume('late-acks', (m) => {
        if (m && got.push(m) === 40) resolve();
      });
    });
    assert.equal(inner().memory.bytes, 100 * 1024, 'every body of the queue is in memory');
    await pub.deleteQueue('late-acks');
    for (const m of got) con.ack(m); // after the deletion: the channel still holds them as unacked
    await (await cc.createChannel()).close(); // a round trip on the same connection: the acks were read before it
    assert.equal(inner().memory.bytes, 0, 'the deleted queue\'s bodies are no longer counted, and not below zero');
    await pc.close();
    await cc.close();
    await settle(() => JSON.stringify(state()) === JSON.stringify(EMPTY));
    assert.deepEqual(state(), EMPTY);
  });

  it('a clean stop right after segments were retired leaves only the tail, without zeros', async () => {
    // Publish enough to roll several segments, delete the queue and stop at once: the spent
    // segments' deletions queued on the libuv pool are finished by close().
    const pc = await connect(b.port);
    const pub = await pc.createConfirmChannel();
    await pub.assertQueue('stop', { durable: true });
    for (let n = 0; n < PER_CYCLE; n++) pub.sendToQueue('stop', Buffer.alloc(1024, 49), { persistent: true });
    await pub.waitForConfirms();
    await pub.deleteQueue('stop');
    await pc.close();
    await b.close();
    const logs = readdirSync(storeDir).filter((f) => f.endsWith('.log'));
    assert.equal(logs.length, 1, `store files after close: ${logs.join(', ')}`);
    const buf = readFileSync(join(storeDir, logs[0]!));
    assert.equal(walkRecords(buf, () => {}), buf.length, 'the file ends with its last record');
    b = await startBroker({ port: 0, dataDir: dir, users: [{ name: 'test', password: 'test' }], segmentBytes: SEGMENT, warmUp: false });
    assert.deepEqual(state(), EMPTY, 'after a restart');
  });
});
