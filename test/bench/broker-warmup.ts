// npx tsx test/bench/broker-warmup.ts [--runs N] [--count N] [--warm-up on|off|both] [--pairs N] [--warm-up-size MESSAGES:BUDGET_MS]
//                                     [--trace-opt] [--trace-dump DIR] [--data-parent DIR] [--node-flags "FLAGS"] [--state]
// Is the pipelined persistent p99 of `npm run bench:broker` the broker's own warm-up? A freshly
// started embedded broker process (its data under --data-parent, e.g. /dev/shm to take the disk
// out; --node-flags: node/V8 options for it, e.g. "--interrupt-budget=16384"), then --runs fresh
// client processes in a row, each the benchmark's throughput client (broker-client.ts;
// persistent messages): 5,000 untimed messages, then --count timed; prints each run's
// publish→deliver p50/p99, those of its first 1,000 messages (the opening window) and of the
// rest, and the CPU time the broker process (all its threads: JIT compilers and GC helpers
// too) used per 1,000 messages of that client (warm-up and timed), and its user / system split.
// --warm-up: the broker's start-up warm-up (electron/broker/warm-up.ts) on, off, or both (the
// default: --pairs pairs of brokers, off then on, alternating, so both see the same load); each
// broker's start (spawn → listening) and its warm-up's report are printed; --warm-up-size
// MESSAGES:BUDGET_MS runs it with other settings than the default (to choose them).
// --trace-opt: the broker runs with V8's --trace-opt --trace-deopt, and each run prints the
// Turbofan compilations and deoptimisations during its untimed and its timed part (and the start
// line those of the start, warm-up included); --trace-dump DIR (implies --trace-opt) also writes
// each part's trace to DIR (with|without-start.log, -runN-untimed.log, -runN-timed.log).
// --state: after each client, the broker's heap (after a full GC if --node-flags has
// --expose-gc), the files of its data directory, store segments, queues, connections, handles.
// Embedded broker only.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBroker, type ChildBroker } from '../broker/helpers';
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

/** Turbofan compilations and deoptimisations in a piece of --trace-opt --trace-deopt output. */
const traceCounts = (text: string) => ({
  opt: (text.match(/^\[completed compiling /gm) ?? []).length,
  deopt: (text.match(/^\[bailout \(kind: /gm) ?? []).length,
});

if (process.argv[2] === '--client') {
  // one fresh client process: untimed warm-up, then the timed run ("TIMED" marks its start)
  const [port, count] = [Number(process.argv[3]), Number(process.argv[4])];
  await client(port, 5000);
  process.stdout.write('TIMED\n');
  console.log(`RESULT ${await client(port, count)}`);
} else {
  const RUNS = Number(argOf('--runs', '4'));
  const COUNT = Number(argOf('--count', '100000'));
  const PAIRS = Number(argOf('--pairs', '1'));
  const mode = argOf('--warm-up', 'both');
  const sizeArg = argOf('--warm-up-size', '');
  const size = sizeArg ? { messages: Number(sizeArg.split(':')[0]), budgetMs: Number(sizeArg.split(':')[1]) } : null;
  const state = process.argv.includes('--state');
  const traceDump = process.argv.includes('--trace-dump') ? argOf('--trace-dump', '') : null;
  const traceOpt = process.argv.includes('--trace-opt') || traceDump !== null;
  if (!Number.isInteger(RUNS) || RUNS <= 0 || !Number.isInteger(COUNT) || COUNT <= WINDOW || !Number.isInteger(PAIRS) || PAIRS <= 0 || !['on', 'off', 'both'].includes(mode)) {
    console.error('usage: broker-warmup.ts [--runs N] [--count N > 1000] [--warm-up on|off|both] [--pairs N] [--trace-opt] [--trace-dump DIR] [--data-parent DIR] [--node-flags "FLAGS"]');
    process.exit(2);
  }
  const nodeFlags = [...argOf('--node-flags', '').split(' ').filter(Boolean), ...(traceOpt ? ['--trace-opt', '--trace-deopt'] : [])];
  const modes = mode === 'both' ? Array.from({ length: PAIRS }, () => [false, true]).flat() : Array.from({ length: PAIRS }, () => mode === 'on');
  for (const warmUp of modes) await measure(warmUp);

  async function measure(warmUp: boolean): Promise<void> {
    const dir = mkdtempSync(join(argOf('--data-parent', tmpdir()), 'se3kit-broker-warmup-'));
    let broker: ChildBroker | null = null;
    try {
      const load = loadavg()[0]!.toFixed(1);
      broker = await spawnBroker(join(dir, 'data'), 0, undefined, nodeFlags, { warmUp: warmUp && size ? size : warmUp });
      const b = broker;
      let trace = '';
      b.proc.stdout!.on('data', (d) => (trace += d));
      const w = b.warmUp;
      const startTrace = traceOpt ? traceCounts(b.startLog) : null;
      console.log(
        `broker ${warmUp ? 'WITH' : 'WITHOUT'} start-up warm-up (data in ${dir}${nodeFlags.length ? `, node ${nodeFlags.join(' ')}` : ''}): ` +
          `listening ${b.startMs} ms after spawn${w ? `; warm-up ${w.messages} messages, ${w.ms} ms, ${w.cpuMs} ms CPU${w.error ? `, stopped: ${w.error}` : ''}` : ''}` +
          `${startTrace ? `; start: ${startTrace.opt} compilations, ${startTrace.deopt} deopts` : ''}; load ${load}; ${RUNS} fresh clients in a row, ${COUNT} timed messages each`,
      );
      // utime + stime of every thread of the broker process, in clock ticks (1/100 s on Linux)
      const cpuTicks = () => {
        const f = readFileSync(`/proc/${b.proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return { user: Number(f[11]), sys: Number(f[12]) };
      };
      /** The broker child's STATS line (SIGUSR2; test/broker/fixtures/broker-child.ts). */
      const brokerState = async (): Promise<string> => {
        const from = trace.length;
        b.proc.kill('SIGUSR2');
        for (let waited = 0; waited < 5000; waited += 20) {
          const m = /STATS (.*)/.exec(trace.slice(from));
          if (m) return m[1]!;
          await new Promise((r) => setTimeout(r, 20));
        }
        return '(no answer)';
      };
      if (state) console.log(`    state at start: ${await brokerState()}`);
      for (let i = 1; i <= RUNS; i++) {
        const before = cpuTicks();
        const mark0 = trace.length;
        let mark1 = 0;
        // asynchronous: the broker's trace on its stdout must keep being read meanwhile
        const line = await new Promise<string>((resolve, reject) => {
          const c = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--client', String(b.port), String(COUNT)], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          c.stdout.on('data', (d) => {
            out += d;
            if (!mark1 && out.includes('TIMED')) mark1 = trace.length;
          });
          c.once('exit', (code) => (code === 0 ? resolve(/RESULT (.*)/.exec(out)?.[1] ?? out) : reject(new Error(`client exited with ${code}`))));
        });
        const after = cpuTicks();
        const per1k = (ticks: number) => ((1000 * ticks * 10) / (COUNT + 5000)).toFixed(1);
        if (traceDump) {
          writeFileSync(join(traceDump, `${warmUp ? 'with' : 'without'}-start.log`), b.startLog);
          writeFileSync(join(traceDump, `${warmUp ? 'with' : 'without'}-run${i}-untimed.log`), trace.slice(mark0, mark1));
          writeFileSync(join(traceDump, `${warmUp ? 'with' : 'without'}-run${i}-timed.log`), trace.slice(mark1));
        }
        const t = traceOpt ? ` (compilations / deopts: untimed ${fmtTrace(traceCounts(trace.slice(mark0, mark1)))}, timed ${fmtTrace(traceCounts(trace.slice(mark1)))})` : '';
        console.log(`  run ${i}: ${line}  broker CPU ${per1k(after.user + after.sys - before.user - before.sys)} ms per 1,000 messages (user ${per1k(after.user - before.user)}, system ${per1k(after.sys - before.sys)})${t}`);
        if (state) console.log(`    state after run ${i}: ${await brokerState()}`);
      }
    } finally {
      await broker?.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

function fmtTrace(c: { opt: number; deopt: number }): string {
  return `${c.opt} / ${c.deopt}`;
}
