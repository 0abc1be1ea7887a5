// The shared message log (electron/broker/store/message-store.ts): every durable queue's
// persistent messages in one log, one group commit for many queues.
// - kill -9 after confirms (amqplib, pipelined, several queues; Python pika, one at a time):
//   after a restart every confirmed message of every queue is there, intact, once; a deleted
//   queue does not come back, a purged one stays empty;
// - one fdatasync covers publishes to many queues;
// - acks, purge and queue deletion give the space back (compaction of the head segment), also
//   with another queue's messages left unconsumed in it; what is left survives a restart;
// - per-queue logs of the earlier layout are moved into the shared log at start.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { after, describe, it } from 'node:test';
import type { Channel, GetMessage } from 'amqplib';
import { startBroker, type Broker } from '../../electron/broker/index';
import type { MessageStore } from '../../electron/broker/store/message-store';
import { requireComponent } from '../helpers/components';
import { connect, settle, spawnBroker, tempDir, type ChildBroker } from './helpers';

const PYTHON = '/usr/bin/python3';
const dirs: string[] = [];
const dir = (tag: string) => {
  const d = tempDir(tag);
  dirs.push(d);
  return d;
};

function body(q: string, i: number, pad = 0): Buffer {
  const payload = `${q}|${i}|${'y'.repeat((i * 37) % 900)}${'z'.repeat(pad)}`;
  return Buffer.from(`${createHash('sha256').update(payload).digest('hex').slice(0, 16)}|${payload}`);
}
function intact(buf: Buffer): { q: string; i: number } | null {
  const s = buf.toString();
  const bar = s.indexOf('|');
  const payload = s.slice(bar + 1);
  if (createHash('sha256').update(payload).digest('hex').slice(0, 16) !== s.slice(0, bar)) return null;
  const [q, i] = payload.split('|');
  return { q: q!, i: Number(i) };
}

/** Every message of `queue` (noAck), checked intact and not duplicated. */
async function drain(ch: Channel, queue: string): Promise<Set<number>> {
  const seen = new Set<number>();
  for (;;) {
    const m = await ch.get(queue, { noAck: true });
    if (!m) return seen;
    const r = intact(m.content);
    assert.ok(r && r.q === queue, `message in ${queue} is intact and its own`);
    assert.ok(!seen.has(r.i), `${queue} message ${r.i} once`);
    seen.add(r.i);
  }
}

async function take(ch: Channel, queue: string): Promise<GetMessage> {
  const m = await ch.get(queue);
  assert.ok(m, `a message in ${queue}`);
  return m;
}

function storeBytes(dataDir: string): number {
  const d = join(dataDir, 'store');
  return readdirSync(d).reduce((a, f) => a + statSync(join(d, f)).size, 0);
}

const storeOf = (b: Broker) => (b as unknown as { stores: { durable: MessageStore } }).stores.durable;

describe('shared message log', { timeout: 300_000 }, () => {
  const children: ChildBroker[] = [];
  const brokers: Broker[] = [];
  after(async () => {
    for (const c of children) await c.kill();
    for (const b of brokers) await b.close().catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('kill -9 mid-stream (amqplib, 6 queues): every confirmed message is back; deleted and purged queues stay so', async () => {
    const data = dir('shared-kill');
    let child = await spawnBroker(data, 0, undefined, [], { warmUp: false });
    children.push(child);
    const c = await connect(child.port);
    const ch = await c.createConfirmChannel();
    ch.on('error', () => {});
    const queues = Array.from({ length: 6 }, (_, k) => `sq${k}`);
    for (const q of [...queues, 'gone', 'purged']) await ch.assertQueue(q, { durable: true });
    for (let i = 0; i < 50; i++) {
      ch.sendToQueue('gone', body('gone', i), { persistent: true });
      ch.sendToQueue('purged', body('purged', i), { persistent: true });
    }
    await ch.waitForConfirms();
    await ch.deleteQueue('gone');
    assert.equal((await ch.purgeQueue('purged')).messageCount, 50);
    const confirmed = new Map<string, Set<number>>(queues.map((q) => [q, new Set()]));
    const TOTAL = 6000;
    const killAt = 1500 + Math.floor(Math.random() * 3000);
    let n = 0;
    await new Promise<void>((resolve) => {
      let i = 0;
      let outstanding = 0;
      let killed = false;
      const pump = () => {
        while (i < TOTAL && !killed && outstanding < 500) {
          const q = queues[i % queues.length]!;
          const k = Math.floor(i / queues.length);
          i++;
          outstanding++;
          ch.sendToQueue(q, body(q, k), { persistent: true }, (err) => {
            outstanding--;
            if (!err) {
              confirmed.get(q)!.add(k);
              n++;
            }
            if (!killed && n >= killAt) {
              killed = true;
              void child.kill('SIGKILL').then(() => resolve());
            } else if (!killed) pump();
          });
        }
      };
      pump();
    });
    child = await spawnBroker(data, 0, undefined, [], { warmUp: false });
    children.push(child);
    const c2 = await connect(child.port);
    const ch2 = await c2.createChannel();
    for (const q of queues) {
      const seen = await drain(ch2, q);
      const lost = [...confirmed.get(q)!].filter((k) => !seen.has(k));
      assert.deepEqual(lost.slice(0, 5), [], `${q}: ${lost.length} of ${confirmed.get(q)!.size} confirmed messages lost`);
    }
    assert.equal((await ch2.checkQueue('purged')).messageCount, 0, 'a purge is kept');
    ch2.on('error', () => {});
    await assert.rejects(ch2.checkQueue('gone'), /404/, 'a deleted queue stays deleted');
    await c2.close().catch(() => {});
  });

  it('kill -9 after one-at-a-time confirms (Python pika, 3 queues): every confirmed message is back', async (t) => {
    if (!requireComponent(t, 'python3-pika', { file: '/usr/lib/python3/dist-packages/pika/__init__.py' })) return;
    const data = dir('shared-pika');
    let child = await spawnBroker(data, 0, undefined, [], { warmUp: false });
    children.push(child);
    const script = `
import pika, sys, hashlib
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', int(sys.argv[1]), '/', pika.PlainCredentials('test', 'test')))
ch = conn.channel()
ch.confirm_delivery()
for q in ('pq0', 'pq1', 'pq2'):
    ch.queue_declare(q, durable=True)
i = 0
while True:
    q = 'pq%d' % (i % 3)
    k = i // 3
    payload = '%s|%d|%s' % (q, k, 'y' * ((k * 37) % 900))
    body = (hashlib.sha256(payload.encode()).hexdigest()[:16] + '|' + payload).encode()
    ch.basic_publish('', q, body, pika.BasicProperties(delivery_mode=2))
    print('OK %s %d' % (q, k), flush=True)
    i += 1
`;
    const confirmed = new Map<string, Set<number>>(['pq0', 'pq1', 'pq2'].map((q) => [q, new Set()]));
    const p = spawn(PYTHON, ['-c', script, String(child.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let count = 0;
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('pika did not get 600 confirms in 120 s')), 120_000);
      p.stdout.on('data', (d) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) {
          const m = /^OK (\S+) (\d+)$/.exec(l);
          if (!m) continue;
          confirmed.get(m[1]!)!.add(Number(m[2]));
          if (++count === 600) {
            clearTimeout(timer);
            void child.kill('SIGKILL').then(() => resolve());
          }
        }
      });
      p.once('exit', (code) => code !== null && count < 600 && reject(new Error(`pika exited with ${code} after ${count} confirms`)));
    });
    p.kill('SIGKILL');
    child = await spawnBroker(data, 0, undefined, [], { warmUp: false });
    children.push(child);
    const c2 = await connect(child.port);
    const ch2 = await c2.createChannel();
    for (const [q, set] of confirmed) {
      const seen = await drain(ch2, q);
      const lost = [...set].filter((k) => !seen.has(k));
      assert.deepEqual(lost, [], `${q}: confirmed messages lost`);
    }
    await c2.close().catch(() => {});
  });

  it('one group commit covers publishes to many queues', async () => {
    const b = await startBroker({ port: 0, warmUp: false, dataDir: dir('shared-group'), users: [{ name: 'test', password: 'test' }] });
    brokers.push(b);
    const c = await connect(b.port);
    const ch = await c.createConfirmChannel();
    const N = 300;
    for (let i = 0; i < N; i++) await ch.assertQueue(`g${i}`, { durable: true });
    const before = storeOf(b).syncs;
    for (let i = 0; i < N; i++) ch.sendToQueue(`g${i}`, body(`g${i}`, 0), { persistent: true });
    await ch.waitForConfirms();
    const syncs = storeOf(b).syncs - before;
    assert.ok(syncs >= 1 && syncs <= 30, `${syncs} fdatasyncs for ${N} queues`);
    for (let i = 0; i < N; i += 37) assert.equal((await ch.checkQueue(`g${i}`)).messageCount, 1);
    await c.close();
  });

  it('acks, purge and queue deletion give the space back, also past another queue\'s unconsumed messages; the rest survives a restart', async () => {
    const data = dir('shared-space');
    const opts = { port: 0, warmUp: false, dataDir: data, users: [{ name: 'test', password: 'test' }], segmentBytes: 64 * 1024 };
    let b = await startBroker(opts);
    brokers.push(b);
    const c = await connect(b.port);
    const ch = await c.createConfirmChannel();
    const qs = ['acked', 'purged', 'deleted', 'pinned', 'offline'];
    for (const q of qs) await ch.assertQueue(q, { durable: true });
    // ~700 KB per queue, interleaved so every segment holds every queue's messages
    for (let i = 0; i < 200; i++) for (const q of qs) ch.sendToQueue(q, body(q, i, 3000), { persistent: true });
    await ch.waitForConfirms();
    const full = storeBytes(data);
    assert.ok(full > 3_000_000, `log holds ${full} bytes after 3.5 MB published`);
    // 'offline' keeps 3 ready messages, 'pinned' 2 unacked ones, for the whole test
    for (let i = 0; i < 197; i++) ch.ack(await take(ch, 'offline'));
    const held = [await ch.get('pinned'), await ch.get('pinned')];
    for (let i = 0; i < 198; i++) ch.ack(await take(ch, 'pinned'));
    for (let i = 0; i < 200; i++) ch.ack(await take(ch, 'acked'));
    await ch.purgeQueue('purged');
    await ch.deleteQueue('deleted');
    // more traffic through one queue: the log moves on and its head is compacted
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 100; i++) ch.sendToQueue('acked', Buffer.alloc(4096, round), { persistent: true });
      await ch.waitForConfirms();
      for (let i = 0; i < 100; i++) ch.ack(await take(ch, 'acked'));
    }
    // the last acks, the compaction and the pooled sync that frees the relocated head go in the broker's
    // own time. Closing before the broker has the last ack would lose it: amqplib's channel mux can write
    // connection.close ahead of an ack sent in the same tick.
    const acked = () => b.stats().queues.find((q) => q.name === 'acked')!;
    await settle(() => acked().unacked === 0 && storeBytes(data) < 400 * 1024);
    assert.deepEqual([acked().messages, acked().unacked], [0, 0], 'every ack arrived');
    const left = storeBytes(data);
    assert.ok(left < 400 * 1024, `log holds ${left} bytes with 5 messages (~20 KB) live, after ${full} and 2 MB more`);
    assert.equal(b.stats().queues.find((q) => q.name === 'offline')!.diskBytes > 0, true);
    assert.ok(held.every(Boolean));
    await c.close().catch(() => {});
    await b.close();
    b = await startBroker(opts);
    brokers.push(b);
    const c2 = await connect(b.port);
    const ch2 = await c2.createChannel();
    ch2.on('error', () => {});
    assert.deepEqual([...(await drain(ch2, 'offline'))].sort((x, y) => x - y), [197, 198, 199]);
    assert.deepEqual([...(await drain(ch2, 'pinned'))].sort((x, y) => x - y), [0, 1]);
    assert.equal((await drain(ch2, 'acked')).size, 0);
    assert.equal((await drain(ch2, 'purged')).size, 0);
    await assert.rejects(ch2.checkQueue('deleted'), /404/);
    await c2.close().catch(() => {});
  });

  it('publishing while acking across many segment rotations: every message intact, spent segments gone', async () => {
    // Acks batched for the next write while a segment fills up: the rotation writes them first.
    const data = dir('shared-rotate');
    const b = await startBroker({ port: 0, warmUp: false, dataDir: data, users: [{ name: 'test', password: 'test' }], segmentBytes: 32 * 1024 });
    brokers.push(b);
    const c = await connect(b.port);
    const pub = await c.createConfirmChannel();
    const con = await c.createChannel();
    await pub.assertQueue('rot', { durable: true });
    await con.prefetch(50);
    const N = 4000;
    let next = 0;
    const done = new Promise<void>((resolve, reject) => {
      void con.consume('rot', (m) => {
        if (!m) return;
        const r = intact(m.content);
        if (!r || r.i !== next) reject(new Error(`message ${next}: got ${r ? r.i : 'a corrupt body'}`));
        next++;
        con.ack(m);
        if (next === N) resolve();
      });
    });
    for (let i = 0; i < N; i++) {
      pub.sendToQueue('rot', body('rot', i), { persistent: true });
      if (i % 200 === 199) await pub.waitForConfirms();
    }
    await pub.waitForConfirms();
    await done;
    // the last acks (sent without waiting) and the sync before a spent segment is deleted settle in the broker's time
    await settle(() => readdirSync(join(data, 'store')).length <= 2);
    const files = readdirSync(join(data, 'store'));
    assert.ok(files.length <= 2, `segments left: ${files.join(' ')}`);
    await c.close();
  });

  it('per-queue logs of the earlier layout are moved into the shared log at start', async () => {
    const data = dir('shared-legacy');
    const opts = { port: 0, warmUp: false, dataDir: data, users: [{ name: 'test', password: 'test' }] };
    let b = await startBroker(opts);
    const c = await connect(b.port);
    const ch = await c.createChannel();
    await ch.assertQueue('old', { durable: true });
    await c.close();
    await b.close();
    const defs = JSON.parse(readFileSync(join(data, 'definitions.json'), 'utf8'));
    const key: string = defs.vhosts[0].queues.find((q: { name: string }) => q.name === 'old').dir;
    rmSync(join(data, 'store'), { recursive: true, force: true });
    // The old record layout: PUB u8 1 | u8 flags | f64 id | f64 expiresAt | shortstr ex | shortstr rk | u32+props | u32+body; ACKS u8 2 | u32 n | f64 ids
    const rec = (payload: Buffer) => {
      const h = Buffer.alloc(8);
      h.writeUInt32BE(payload.length, 0);
      h.writeUInt32BE(crc32(payload) >>> 0, 4);
      return Buffer.concat([h, payload]);
    };
    const pub = (id: number, text: string) => {
      const b8 = Buffer.alloc(18);
      b8[0] = 1;
      b8[1] = 1;
      b8.writeDoubleBE(id, 2);
      b8.writeDoubleBE(0, 10);
      const rk = Buffer.from('old');
      const props = Buffer.from([0x10, 0x00, 0x02]); // delivery-mode 2
      const n = (v: number) => {
        const x = Buffer.alloc(4);
        x.writeUInt32BE(v);
        return x;
      };
      return rec(Buffer.concat([b8, Buffer.from([0]), Buffer.from([rk.length]), rk, n(props.length), props, n(text.length), Buffer.from(text)]));
    };
    const acks = Buffer.alloc(13);
    acks[0] = 2;
    acks.writeUInt32BE(1, 1);
    acks.writeDoubleBE(1, 5);
    const ldir = join(data, 'queues', '%2F', key);
    mkdirSync(ldir, { recursive: true });
    writeFileSync(join(ldir, '00000001.log'), Buffer.concat([pub(1, 'first, acked'), pub(2, 'second'), rec(acks), pub(3, 'third')]));
    b = await startBroker(opts);
    brokers.push(b);
    assert.ok(!existsSync(join(data, 'queues')), 'the old logs are gone');
    const c2 = await connect(b.port);
    const ch2 = await c2.createChannel();
    const got: string[] = [];
    for (let m = await ch2.get('old', { noAck: true }); m; m = await ch2.get('old', { noAck: true })) got.push(m.content.toString());
    assert.deepEqual(got, ['second', 'third']);
    await c2.close();
  });
});
