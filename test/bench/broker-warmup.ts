// npx tsx test/bench/broker-warmup.ts [--runs N] [--count N] [--data-parent DIR]
// Is the pipelined persistent p99 of `npm run bench:broker` the broker's own warm-up? One
// embedded broker process (its data under --data-parent, e.g. /dev/shm to take the disk out),
// then --runs fresh client processes in a row, each the benchmark's throughput client (confirms,
// ≤ 1,000 in flight, prefetch 100, an ack per message, 1 KiB persistent messages): 5,000
// untimed messages, then --count timed; prints each run's publish→deliver p50/p99 and those of
// its first 1,000 messages (the opening window) and of the rest. Embedded broker only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import { spawnBroker } from '../broker/helpers';

const argOf = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const WINDOW = 1000;

async function client(port: number, count: number): Promise<string> {
  const url = `amqp://test:test@127.0.0.1:${port}`;
  const pc = await amqp.connect(url, { noDelay: true });
  const cc = await amqp.connect(url, { noDelay: true });
  try {
    const pub = await pc.createConfirmChannel();
    const con = await cc.createChannel();
    await pub.assertQueue('warmup', { durable: true });
    await pub.purgeQueue('warmup');
    await con.prefetch(100);
    const lat = new Float64Array(count);
    const seq = new Float64Array(count);
    let received = 0;
    const done = new Promise<void>((resolve) => {
      void con.consume('warmup', (m) => {
        if (!m) return;
        lat[received] = performance.now() - m.content.readDoubleLE(0);
        seq[received++] = m.content.readDoubleLE(8);
        con.ack(m);
        if (received === count) resolve();
      });
    });
    let sent = 0;
    let outstanding = 0;
    await new Promise<void>((resolve, reject) => {
      const pump = () => {
        while (sent < count && outstanding < WINDOW) {
          const body = Buffer.alloc(1024, 0x61);
          body.writeDoubleLE(performance.now(), 0);
          body.writeDoubleLE(sent, 8);
          sent++;
          outstanding++;
          pub.publish('', 'warmup', body, { persistent: true }, (err) => {
            if (err) return reject(new Error('publish nacked'));
            outstanding--;
            if (sent === count && outstanding === 0) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    await done;
    const pct = (a: number[], p: number) => (a.length === 0 ? NaN : a.sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))]!);
    const all = Array.from(lat);
    const first = all.filter((_, i) => seq[i]! < WINDOW);
    const rest = all.filter((_, i) => seq[i]! >= WINDOW);
    return `p50 ${pct(all, 0.5).toFixed(1)} ms  p99 ${pct(all, 0.99).toFixed(1)} ms  (first ${WINDOW}: p50 ${pct(first, 0.5).toFixed(1)}; the rest: p50 ${pct(rest, 0.5).toFixed(1)}, p99 ${pct(rest, 0.99).toFixed(1)})`;
  } finally {
    await pc.close().catch(() => {});
    await cc.close().catch(() => {});
  }
}

if (process.argv[2] === '--client') {
  // one fresh client process: untimed warm-up, then the timed run
  const [port, count] = [Number(process.argv[3]), Number(process.argv[4])];
  await client(port, 5000);
  console.log(await client(port, count));
} else {
  const RUNS = Number(argOf('--runs', '4'));
  const COUNT = Number(argOf('--count', '100000'));
  if (!Number.isInteger(RUNS) || RUNS <= 0 || !Number.isInteger(COUNT) || COUNT <= WINDOW) {
    console.error('usage: broker-warmup.ts [--runs N] [--count N > 1000] [--data-parent DIR]');
    process.exit(2);
  }
  const dir = mkdtempSync(join(argOf('--data-parent', tmpdir()), 'se3kit-broker-warmup-'));
  const broker = await spawnBroker(join(dir, 'data'), 0);
  try {
    console.log(`one embedded broker (data in ${dir}), ${RUNS} fresh clients in a row, ${COUNT} timed messages each; load ${loadavg()[0]!.toFixed(1)}`);
    for (let i = 1; i <= RUNS; i++) {
      const line = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--client', String(broker.port), String(COUNT)], { encoding: 'utf8' }).trim();
      console.log(`  run ${i}: ${line}`);
    }
  } finally {
    await broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
