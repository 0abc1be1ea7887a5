// npm run bench:broker [-- --count N] [--only throughput|single|scale]... [--boxes N] [--seconds S] [--single N]
// 1. throughput: amqplib publisher (publisher confirms, ≤1000 unconfirmed in flight) and consumer
//    (prefetch 100, one ack per message), 1 KiB messages to a durable queue: persistent, then
//    transient; msg/s, p50/p99 publish→deliver latency.
// 2. single: one-at-a-time confirmed publishing (publish, wait for the confirm, publish) of
//    persistent messages with amqplib and with Python pika; mean, p50 and p99 ms per message,
//    the two brokers interleaved in blocks. Then the floor under it: the same with transient
//    messages (client, loopback and broker work, no disk) and this disk's write + fdatasync.
// 3. scale: a site's worth of boxes (test/bench/broker-scale.ts): --boxes connections, each its own
//    user and queue, one persistent command per box per second for --seconds.
// Each measured for the embedded broker (own process) and a private RabbitMQ in the same run,
// after an identical untimed warm-up; prints the embedded/RabbitMQ ratios and the load average.
import { rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { groupPids, oneAtATime, pikaOneAtATime, scale, scaleDefinitions, summarise, type ScaleResult, type SingleResult } from './broker-scale';
import { quantile, SIZE, throughputRun, WINDOW } from './broker-client';
import { spawnBroker, tempDir } from '../broker/helpers';
import { diskSyncs } from './disk-syncs';
import { startRabbitMQ } from '../helpers/rabbitmq';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const COUNT = arg('--count', 100_000);
const BOXES = arg('--boxes', 1000);
const SECONDS = arg('--seconds', 60);
const SINGLE = arg('--single', 1000);
const only = argv.flatMap((a, i) => (a === '--only' ? [argv[i + 1]] : []));
const want = (part: string) => only.length === 0 || only.includes(part);
for (const n of [COUNT, BOXES, SECONDS, SINGLE]) {
  if (!Number.isInteger(n) || n <= 0) {
    console.error('usage: bench:broker [--count N] [--only throughput|single|scale]... [--boxes N] [--seconds S] [--single N]');
    process.exit(2);
  }
}
// Untimed run before each measurement, the same for both brokers (JIT, file creation).
const WARMUP = Math.max(1000, Math.min(5000, Math.floor(COUNT / 10)));

interface Result {
  msgPerSec: number;
  p50: number;
  p99: number;
}

async function run(url: string, persistent: boolean, COUNT: number): Promise<Result> {
  const r = await throughputRun(url, persistent, COUNT);
  return { msgPerSec: r.msgPerSec, p50: quantile(r.lat.slice(), 0.5), p99: quantile(r.lat, 0.99) };
}

const fmt = (r: Result) => `${Math.round(r.msgPerSec).toString().padStart(7)} msg/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms`;

const dir = tempDir('bench');
const defsFile = join(dir, 'definitions.json');
writeFileSync(defsFile, JSON.stringify(scaleDefinitions(BOXES)));
const embedded = await spawnBroker(join(dir, 'data'), 0, defsFile);
let rabbit: Awaited<ReturnType<typeof startRabbitMQ>> | null = null;
try {
  rabbit = await startRabbitMQ({ timeoutMs: 180_000 });
  if (want('scale')) await rabbit.ctl(['import_definitions', defsFile]);
} catch (err) {
  console.error(`RabbitMQ baseline unavailable: ${(err as Error).message.split('\n')[0]}`);
}
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');
console.log(`load average (1/5/15 min) at start: ${load()}`);
try {
  const eUrl = `amqp://test:test@127.0.0.1:${embedded.port}`;
  if (want('throughput')) {
    console.log(`throughput: ${COUNT} × ${SIZE} B messages, confirms + acks, prefetch 100, durable queue (after ${WARMUP} untimed warm-up messages per run)`);
    for (const persistent of [true, false]) {
      const mode = persistent ? 'persistent' : 'transient ';
      await run(eUrl, persistent, WARMUP);
      const e = await run(eUrl, persistent, COUNT);
      console.log(`  ${mode} embedded  ${fmt(e)}`);
      if (rabbit) {
        await run(rabbit.url, persistent, WARMUP);
        const r = await run(rabbit.url, persistent, COUNT);
        console.log(`  ${mode} RabbitMQ  ${fmt(r)}`);
        console.log(
          `  ${mode} ratio     throughput ×${(e.msgPerSec / r.msgPerSec).toFixed(2)}  p50 ×${(e.p50 / r.p50).toFixed(2)}  p99 ×${(e.p99 / r.p99).toFixed(2)}  (embedded / RabbitMQ; throughput >1 and latency <1 favour embedded)`,
        );
      }
    }
  }
  if (want('single')) {
    // Interleaved in blocks (100 messages with amqplib, a quarter of the count per pika run),
    // so both brokers are measured under the same machine load.
    console.log(`one at a time: ${SINGLE} persistent 1 KiB messages per broker and client, each published after the previous one's confirm (interleaved in blocks)`);
    const show = (name: string, r: SingleResult) => `${name} ${r.msPerMsg.toFixed(2)} ms per message (p50 ${r.p50.toFixed(2)}, p99 ${r.p99.toFixed(2)})`;
    const urls = rabbit ? [eUrl, rabbit.url] : [eUrl];
    // The same with Python pika (confirm_delivery, basic_publish waits for each confirm), if installed.
    const pikaBoth = async (persistent: boolean): Promise<number[][] | null> => {
      const lat: number[][] = [[], []];
      for (let round = 0; round < 4; round++) {
        const n = Math.ceil(SINGLE / 4);
        const e = await pikaOneAtATime(embedded.port, n, persistent);
        const r = rabbit ? await pikaOneAtATime(rabbit.port, n, persistent) : [];
        if (e === null || r === null) return null;
        lat[0]!.push(...e);
        lat[1]!.push(...r);
      }
      return rabbit ? lat : [lat[0]!];
    };
    const clients: Array<[string, (persistent: boolean) => Promise<number[][] | null>]> = [
      ['amqplib', (persistent) => oneAtATime(urls, SINGLE, 100, 100, persistent)],
      ['pika', (persistent) => pikaBoth(persistent)],
    ];
    const persistentMean: Record<string, [number, number | null]> = {};
    for (const [name, run] of clients) {
      const lat = await run(true);
      if (!lat) {
        console.log(`  ${name}: not installed (apt-get install python3-pika)`);
        continue;
      }
      const e = summarise(lat[0]!);
      const r = lat[1] ? summarise(lat[1]) : null;
      persistentMean[name] = [e.msPerMsg, r?.msPerMsg ?? null];
      console.log(`  ${name.padEnd(8)} ${show('embedded', e)}${r ? `; ${show('RabbitMQ', r)}; ratio ×${(e.msPerMsg / r.msPerMsg).toFixed(2)}` : ''}`);
    }
    console.log('  (ratio: embedded / RabbitMQ mean time per message; <1 favours embedded)');
    // The floor under the persistent case: the same round trips with transient messages (no
    // disk: the client, loopback and the broker's own work), and this disk's write + fdatasync.
    const disk = summarise(diskSyncs(dir, SINGLE));
    console.log(`  floor: this disk's 1 KiB write + fdatasync ${disk.msPerMsg.toFixed(3)} ms mean (p50 ${disk.p50.toFixed(3)}); transient round trips:`);
    for (const [name, run] of clients) {
      if (!persistentMean[name]) continue;
      const lat = (await run(false))!;
      const e = summarise(lat[0]!);
      const r = lat[1] ? summarise(lat[1]) : null;
      const [, rp] = persistentMean[name]!;
      const floor = e.msPerMsg + disk.msPerMsg;
      console.log(
        `  ${name.padEnd(8)} transient: ${show('embedded', e)}${r ? `; ${show('RabbitMQ', r)}` : ''}; embedded transient + disk sync ${floor.toFixed(3)} ms${rp ? ` against half of RabbitMQ's persistent ${(rp / 2).toFixed(3)} ms` : ''}`,
      );
    }
  }
  if (want('scale')) {
    console.log(`scale: ${BOXES} connections (own user and queue each, heartbeat 60 s, prefetch 10, acks), one persistent command per box per second for ${SECONDS} s`);
    const show = (name: string, x: ScaleResult) =>
      console.log(
        `  ${name}  set-up ${x.setupPerSec.toFixed(0)} conn/s  delivered ${x.delivered}/${x.expected}  lost ${x.lost}  p50 ${x.p50} ms  p99 ${x.p99} ms  peak RSS ${(x.peakRss / 1048576).toFixed(0)} MiB  CPU ${x.cpuPercent.toFixed(0)} %`,
      );
    const e = await scale(embedded.port, BOXES, SECONDS, () => [embedded.proc.pid!]);
    show('embedded', e);
    if (rabbit) {
      const pg = rabbit.pgid;
      const r = await scale(rabbit.port, BOXES, SECONDS, () => groupPids(pg));
      show('RabbitMQ', r);
      console.log(`  ratio     p99 ×${(e.p99 / r.p99).toFixed(2)}  RSS ×${(e.peakRss / r.peakRss).toFixed(2)}  CPU ×${(e.cpuPercent / r.cpuPercent).toFixed(2)}  set-up ×${(e.setupPerSec / r.setupPerSec).toFixed(2)}`);
    }
  }
  console.log(`load average (1/5/15 min) at the end: ${load()}`);
} finally {
  await embedded.kill('SIGTERM');
  await rabbit?.stop();
  rmSync(dir, { recursive: true, force: true });
}
