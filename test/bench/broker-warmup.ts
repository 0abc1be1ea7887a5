// npx tsx test/bench/broker-warmup.ts [--runs N] [--count N] [--data-parent DIR] [--node-flags "FLAGS"]
// Is the pipelined persistent p99 of `npm run bench:broker` the broker's own warm-up? One
// embedded broker process (its data under --data-parent, e.g. /dev/shm to take the disk out;
// --node-flags: node/V8 options for it, e.g. "--interrupt-budget=16384"), then --runs fresh
// client processes in a row, each the benchmark's throughput client (broker-client.ts;
// persistent messages): 5,000 untimed messages, then --count timed; prints each run's
// publish→deliver p50/p99, those of its first 1,000 messages (the opening window) and of the
// rest, and the CPU time the broker process (all its threads: JIT compilers and GC helpers
// too) used per 1,000 messages of that client (warm-up and timed). Embedded broker only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBroker } from '../broker/helpers';
import { quantile, throughputRun, WINDOW } from './broker-client';

const argOf = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
/** One run of the benchmark's throughput client: p50/p99 of all, of the opening window and of the rest. */
async function client(port: number, count: number): Promise<string> {
  const r = await throughputRun(`amqp://test:test@127.0.0.1:${port}`, true, count, 'warmup');
  const all = Array.from(r.lat);
  const first = all.filter((_, i) => r.seq[i]! < WINDOW);
  const rest = all.filter((_, i) => r.seq[i]! >= WINDOW);
  const f = (a: number[], p: number) => quantile(a, p).toFixed(1);
  return `p50 ${f(all.slice(), 0.5)} ms  p99 ${f(all, 0.99)} ms  (first ${WINDOW}: p50 ${f(first, 0.5)}; the rest: p50 ${f(rest.slice(), 0.5)}, p99 ${f(rest, 0.99)})`;
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
  const nodeFlags = argOf('--node-flags', '').split(' ').filter(Boolean);
  const broker = await spawnBroker(join(dir, 'data'), 0, undefined, nodeFlags);
  // utime + stime of every thread of the broker process, in clock ticks (1/100 s on Linux)
  const cpuTicks = () => {
    const f = readFileSync(`/proc/${broker.proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  try {
    console.log(`one embedded broker (data in ${dir}${nodeFlags.length ? `, node ${nodeFlags.join(' ')}` : ''}), ${RUNS} fresh clients in a row, ${COUNT} timed messages each; load ${loadavg()[0]!.toFixed(1)}`);
    for (let i = 1; i <= RUNS; i++) {
      const before = cpuTicks();
      const line = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--client', String(broker.port), String(COUNT)], { encoding: 'utf8' }).trim();
      const cpuMs = (cpuTicks() - before) * 10;
      console.log(`  run ${i}: ${line}  broker CPU ${((1000 * cpuMs) / (COUNT + 5000)).toFixed(1)} ms per 1,000 messages`);
    }
  } finally {
    await broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
