// npm run bench:discovery [-- --count 50] [--rounds 3]
// N edge agents, each in its own network namespace on a private test bridge, advertising over
// mDNS. Measures, from this host: seconds until all N are listed by mDNS, and by the probe
// sweep of the whole /24 (254 addresses), each against the slowest single-host answer
// measured in the same run. Target: all 50 within 3 s.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { Discovery } from '../../electron/services/discovery';
import { probeHost } from '../../electron/services/discovery/probe';
import { missing } from '../helpers/components';
import { createTestNet, type TestNet } from '../helpers/netns';

const { values } = parseArgs({ options: { count: { type: 'string', default: '50' }, rounds: { type: 'string', default: '3' } } });
const N = Number(values.count);
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(N) || N < 1 || N > 200) throw new Error('--count must be 1-200');
const why = missing({ bin: 'ip', root: true });
if (why) {
  console.error(`bench:discovery needs network namespaces: ${why}`);
  process.exit(1);
}

const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'se3-bench-discovery-'));
let net: TestNet | null = null;
const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function startAgents(n: TestNet, bundle: string): Promise<void> {
  // Small footprint per agent; a few at a time so 2 cores are not swamped while they start.
  const start = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const h = n.hosts[i]!;
      const child: ChildProcess = n.spawnIn(h.ns, process.execPath, ['--max-old-space-size=64', bundle, '--data', join(work, `agent-${i}`), '--host', h.ip, '--port', '5555', '--name', `bench-box-${i + 1}`]);
      let out = '';
      const timer = setTimeout(() => reject(new Error(`agent ${i} did not start: ${out}`)), 60_000);
      child.stderr!.on('data', (d) => (out += d));
      child.stdout!.on('data', (d) => {
        out += d;
        if (/^listening /m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`agent ${i} exited: ${out}`)));
    });
  let next = 0;
  await Promise.all(Array.from({ length: 6 }, async () => {
    while (next < N) await start(next++);
  }));
}

/** ms until `want` rows satisfying `pred` are listed, and until the scan is over. */
async function timeScan(options: Parameters<Discovery['scan']>[0], want: number, pred: (sources: string[]) => boolean): Promise<{ all: number; done: number; found: number }> {
  spawnSync('ip', ['neigh', 'flush', 'dev', net!.bridge]); // no warm ARP cache from the previous run
  const d = new Discovery();
  const ids = new Set<string>();
  let all = NaN;
  const t0 = performance.now();
  d.on('row', (r) => {
    if (pred(r.sources)) ids.add(r.id);
    if (ids.size === want && Number.isNaN(all)) all = performance.now() - t0;
  });
  await d.scan(options).done;
  const done = performance.now() - t0;
  await d.close();
  return { all, done, found: ids.size };
}

try {
  const bundle = join(work, 'se3-agent.mjs');
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'agent', 'standalone.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  net = await createTestNet({ hosts: N });
  const tStart = performance.now();
  await startAgents(net, bundle);
  console.log(`started ${N} agents (one per namespace) in ${fmt(performance.now() - tStart)} on ${cpus().length} cores; letting their start-up announcements pass`);
  await new Promise((r) => setTimeout(r, 4000));

  const mdnsRuns: number[] = [];
  const probeRuns: number[] = [];
  const sweepRuns: number[] = [];
  const bothRuns: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // mDNS only: the sweep covers nothing but this host's own address.
    const m = await timeScan({ cidrs: [`${net.hostIp}/32`], mdns: true }, N, (s) => s.includes('mdns'));
    const p = await timeScan({ cidrs: [net.cidr], mdns: false }, N, (s) => s.includes('probe'));
    const b = await timeScan({ cidrs: [net.cidr], mdns: true }, N, (s) => s.includes('mdns') && s.includes('probe'));
    if (m.found < N || p.found < N || b.found < N) throw new Error(`round ${round + 1}: found mDNS ${m.found}, probe ${p.found}, both ${b.found} of ${N}`);
    mdnsRuns.push(m.all);
    probeRuns.push(p.all);
    sweepRuns.push(p.done);
    bothRuns.push(b.all);
  }

  // Baseline: one box asked directly (GET DevSno + GET /health), every box in turn, cold ARP.
  spawnSync('ip', ['neigh', 'flush', 'dev', net.bridge]);
  let slowest = 0;
  for (const h of net.hosts) {
    const t0 = performance.now();
    const hit = await probeHost(h.ip, 5555, { connectTimeoutMs: 3000, answerTimeoutMs: 3000 });
    const ms = performance.now() - t0;
    if (!hit) throw new Error(`${h.ip} did not answer`);
    slowest = Math.max(slowest, ms);
  }

  const line = (label: string, ms: number) => `${label.padEnd(44)} ${fmt(ms).padStart(9)}  (${(ms / slowest).toFixed(1)}× the slowest single-host answer)`;
  console.log(`\ndiscovery benchmark: ${N} agents on ${net.cidr}, ${ROUNDS} rounds, medians`);
  console.log(`slowest single-host answer (DevSno + /health) ${fmt(slowest).padStart(9)}`);
  console.log(line(`all ${N} listed by mDNS`, median(mdnsRuns)));
  console.log(line(`all ${N} listed by the probe sweep`, median(probeRuns)));
  console.log(line(`probe sweep of 254 addresses complete`, median(sweepRuns)));
  console.log(line(`all ${N} listed by both (default scan)`, median(bothRuns)));
  const worst = Math.max(...mdnsRuns, ...probeRuns);
  console.log(`per round: mDNS ${mdnsRuns.map(fmt).join(', ')}; probe ${probeRuns.map(fmt).join(', ')}`);
  console.log(`target: all ${N} within 3 s by each source — ${worst <= 3000 ? 'met' : 'NOT met'} (worst round ${fmt(worst)})`);
} finally {
  await net?.close();
  rmSync(work, { recursive: true, force: true });
}
