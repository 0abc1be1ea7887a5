// Scenarios of `npm run bench:broker` beyond the pipelined throughput run:
// - one-at-a-time confirms: publish one persistent message, wait for its confirm, publish the next;
// - a site's worth of boxes: N connections, each its own user and queue, heartbeat 60 s,
//   prefetch 10, consuming with acks, while a platform connection publishes one persistent
//   command to every box per second. Reports the broker process's RSS (peak) and CPU, the
//   connection set-up rate, publish→deliver p50/p99 and any connection lost (missed heartbeat).
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { hashPassword } from '../../electron/broker/auth';
import { toRabbitDefinitions } from '../../electron/broker/definitions';

export const boxName = (i: number) => `box-${String(i).padStart(4, '0')}`;
export const BOX_PASSWORD = 'box-bench-password';

/** Definitions (RabbitMQ format) with one user per box, full access to its own queue only. */
export function scaleDefinitions(n: number): unknown {
  const users = [{ name: 'test', passwordHash: hashPassword('test'), tags: ['administrator'] }];
  const permissions = [{ user: 'test', vhost: '/', configure: '.*', write: '.*', read: '.*' }];
  for (let i = 0; i < n; i++) {
    const u = boxName(i);
    users.push({ name: u, passwordHash: hashPassword(BOX_PASSWORD), tags: [] });
    permissions.push({ user: u, vhost: '/', configure: `^${u}\\.cmd$`, write: `^${u}\\.cmd$`, read: `^${u}\\.cmd$` });
  }
  return toRabbitDefinitions({ version: 1, users, permissions, vhosts: [{ name: '/', exchanges: [], queues: [], bindings: [] }] });
}

/** Per-message latency summary (ms). */
export interface SingleResult {
  msPerMsg: number; // mean
  p50: number;
  p99: number;
}

export function summarise(lat: number[]): SingleResult {
  const v = [...lat].sort((a, b) => a - b);
  return { msPerMsg: v.reduce((a, b) => a + b, 0) / v.length, p50: v[Math.floor(v.length / 2)]!, p99: v[Math.min(v.length - 1, Math.floor(v.length * 0.99))]! };
}

/** One-at-a-time confirmed publishing of `count` 1 KiB messages (persistent, or transient) to each of `urls`
 *  (amqplib), interleaved in blocks of `block` so every broker sees the same machine load;
 *  each message's publish → confirm time (ms), per url. */
export async function oneAtATime(urls: string[], count: number, block = 100, warmup = 100, persistent = true): Promise<number[][]> {
  const q = 'bench-one-at-a-time';
  const body = Buffer.alloc(1024, 0x62);
  const conns = await Promise.all(urls.map((u) => amqp.connect(u, { noDelay: true })));
  try {
    const chans: ConfirmChannel[] = [];
    for (const c of conns) {
      const ch = await c.createConfirmChannel();
      await ch.assertQueue(q, { durable: true });
      await ch.purgeQueue(q);
      chans.push(ch);
    }
    const one = (ch: ConfirmChannel) =>
      new Promise<void>((res, rej) => ch.sendToQueue(q, body, { persistent }, (err) => (err ? rej(new Error('nacked')) : res())));
    for (const ch of chans) for (let i = 0; i < warmup; i++) await one(ch);
    const lat: number[][] = urls.map(() => []);
    for (let done = 0; done < count; done += block) {
      for (let k = 0; k < chans.length; k++) {
        for (let i = 0; i < Math.min(block, count - done); i++) {
          const t = performance.now();
          await one(chans[k]!);
          lat[k]!.push(performance.now() - t);
        }
      }
    }
    for (const ch of chans) await ch.deleteQueue(q);
    return lat;
  } finally {
    for (const c of conns) await c.close().catch(() => {});
  }
}

/** CPU seconds (user+system) and RSS (bytes) of a set of processes, from /proc. */
export function procUsage(pids: number[]): { cpuSec: number; rss: number } {
  let ticks = 0;
  let rss = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) rss += Number(m[1]) * 1024;
    } catch {
      /* gone */
    }
  }
  return { cpuSec: ticks / 100, rss };
}

/** Pids whose process group is pgid (RabbitMQ: its start script, beam.smp, helpers). */
export function groupPids(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export interface ScaleResult {
  connections: number;
  setupPerSec: number;
  lost: number;
  delivered: number;
  expected: number;
  p50: number;
  p99: number;
  peakRss: number;
  cpuPercent: number;
}

/** The scale scenario against `port` (users from scaleDefinitions); `pids()` = the broker's processes. */
export async function scale(port: number, n: number, seconds: number, pids: () => number[]): Promise<ScaleResult> {
  const boxes: ChannelModel[] = [];
  let lost = 0;
  const lat: number[] = [];
  let delivered = 0;
  const t0 = performance.now();
  // Boxes connect 50 at a time (a site's boxes coming up), each declares and consumes its queue.
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async (_, k) => {
        const u = boxName(i + k);
        const c = await amqp.connect(`amqp://${u}:${BOX_PASSWORD}@127.0.0.1:${port}?heartbeat=60`, { noDelay: true, clientProperties: { connection_name: u } });
        c.on('error', () => undefined);
        c.on('close', () => lost++);
        const ch = await c.createChannel();
        await ch.prefetch(10);
        await ch.assertQueue(`${u}.cmd`, { durable: true });
        await ch.consume(`${u}.cmd`, (m) => {
          if (!m) return;
          lat.push(Date.now() - (JSON.parse(m.content.toString()) as { t: number }).t);
          delivered++;
          ch.ack(m);
        });
        boxes.push(c);
      }),
    );
  }
  const setupPerSec = n / ((performance.now() - t0) / 1000);
  const platform = await amqp.connect(`amqp://test:test@127.0.0.1:${port}`, { noDelay: true });
  const pub = await platform.createConfirmChannel();
  const before = procUsage(pids());
  let peakRss = before.rss;
  const tStart = performance.now();
  for (let s = 0; s < seconds; s++) {
    const tick = tStart + s * 1000;
    for (let i = 0; i < n; i++) pub.sendToQueue(`${boxName(i)}.cmd`, Buffer.from(JSON.stringify({ cmd: 'ping', seq: s, t: Date.now() })), { persistent: true });
    await pub.waitForConfirms();
    peakRss = Math.max(peakRss, procUsage(pids()).rss);
    const wait = tick + 1000 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const expected = n * seconds;
  const deadline = performance.now() + 30_000;
  while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const after = procUsage(pids());
  const wall = (performance.now() - tStart) / 1000;
  await platform.close().catch(() => {});
  const lostDuringRun = lost;
  await Promise.all(boxes.map((c) => c.close().catch(() => {})));
  lat.sort((a, b) => a - b);
  return {
    connections: n,
    setupPerSec,
    lost: lostDuringRun,
    delivered,
    expected,
    p50: lat[Math.floor(lat.length * 0.5)] ?? NaN,
    p99: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))] ?? NaN,
    peakRss: Math.max(peakRss, after.rss),
    cpuPercent: ((after.cpuSec - before.cpuSec) / wall) * 100,
  };
}

const PIKA_ONE_AT_A_TIME = `
import pika, sys, time
port, count, mode = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', port, '/', pika.PlainCredentials('test', 'test')))
ch = conn.channel()
ch.confirm_delivery()
ch.queue_declare('bench-pika', durable=True)
ch.queue_purge('bench-pika')
body = b'p' * 1024
props = pika.BasicProperties(delivery_mode=mode)
for i in range(50):
    ch.basic_publish('', 'bench-pika', body, props)
out = []
for i in range(count):
    a = time.perf_counter()
    ch.basic_publish('', 'bench-pika', body, props)
    out.append((time.perf_counter() - a) * 1000)
ch.queue_delete('bench-pika')
conn.close()
print(' '.join('%.4f' % x for x in out))
`;

/** pika's confirm_delivery + basic_publish one at a time (how the issue measured): each
 *  message's publish → confirm time (ms), or null without pika. */
export async function pikaOneAtATime(port: number, count: number, persistent = true): Promise<number[] | null> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const p = spawn('/usr/bin/python3', ['-c', PIKA_ONE_AT_A_TIME, String(port), String(count), persistent ? '2' : '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.once('error', () => resolve(null));
    p.once('exit', (code) => resolve(code === 0 ? out.trim().split(/\s+/).map(Number) : null));
  });
}
