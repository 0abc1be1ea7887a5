// npm run bench:fiqa [-- --photos N] [--rounds R]
// Photo-check throughput over the face fixtures repeated to N photos (default 500), with the
// face pool at --jobs 1 and 2, next to the bound measured in the same run: sharp decode +
// EXIF rotate + scaling to the engine's working size only (what any photo check must pay).
// Every configuration runs once per round, interleaved (bound, fiqa, bound, fiqa, ...), and the
// best round counts: this shared machine's speed drifts by ±20 % from minute to minute, and the
// best of a few rounds is the figure least bent by other work (each round is N photos).
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { decodeImage, DEFAULT_LIMITS } from '../../electron/fiqa/decode';
import { createFacePool } from '../../electron/fiqa/pool';
import { FACES_DIR } from '../fiqa/fixtures';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = Math.max(10, arg('--photos', 500));
const ROUNDS = Math.max(1, arg('--rounds', 3));
const files = readdirSync(FACES_DIR).filter((f) => f.endsWith('.jpg')).sort();
const buffers = files.map((f) => readFileSync(FACES_DIR + f));
const photos = Array.from({ length: N }, (_, i) => buffers[i % buffers.length]!);

/** Wall-clock photos/s, and CPU ms per photo (all threads of this process: workers, sharp). */
async function rate(concurrency: number, work: (b: Uint8Array) => Promise<unknown>): Promise<Rate> {
  let next = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency * 2 }, async () => {
      while (next < photos.length) await work(photos[next++]!);
    }),
  );
  const c = process.cpuUsage(c0);
  return { perSec: photos.length / ((performance.now() - t0) / 1000), cpuMs: (c.user + c.system) / 1000 / photos.length };
}

interface Rate {
  perSec: number;
  cpuMs: number;
}

/** One pool per configuration, kept across rounds (start-up and warm-up are not measured). */
async function openPool(jobs: number) {
  const pool = await createFacePool({ jobs });
  for (const attributes of [false, true]) await Promise.all(buffers.map((b) => pool.analyze(b, { attributes }).catch(() => undefined)));
  return pool;
}

const best = (a: Rate | undefined, b: Rate): Rate => (a && a.perSec >= b.perSec ? a : b);

console.log(`fiqa bench: ${N} photos (${files.length} fixtures repeated) x ${ROUNDS} rounds, ${availableParallelism()} cores, working size ≥ ${DEFAULT_LIMITS.workingSize}px, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const pools = { 1: await openPool(1), 2: await openPool(2) };
const bounds: Record<number, Rate | undefined> = {};
const fiqas: Record<string, Rate | undefined> = {};
await rate(2, (b) => decodeImage(b)); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const jobs of [1, 2] as const) {
    bounds[jobs] = best(bounds[jobs], await rate(jobs, (b) => decodeImage(b)));
    fiqas[jobs] = best(fiqas[jobs], await rate(jobs, (b) => pools[jobs].analyze(b, { level: 'high', attributes: false })));
  }
  fiqas.attr = best(fiqas.attr, await rate(2, (b) => pools[2].analyze(b, { level: 'high', attributes: true })));
  process.stderr.write(`round ${r + 1}/${ROUNDS}: fiqa --jobs 2 ${fiqas[2]!.perSec.toFixed(1)} photos/s best so far\n`);
}
await Promise.all([pools[1].close(), pools[2].close()]);
const rows: Array<[string, Rate, number | null]> = [];
for (const jobs of [1, 2] as const) {
  rows.push([`decode+scale only, ${jobs} thread${jobs > 1 ? 's' : ''} (bound)`, bounds[jobs]!, null]);
  rows.push([`fiqa --jobs ${jobs}`, fiqas[jobs]!, fiqas[jobs]!.perSec / bounds[jobs]!.perSec]);
}
rows.push([`fiqa --jobs 2 --attributes (embedding, age, sex)`, fiqas.attr!, fiqas.attr!.perSec / bounds[2]!.perSec]);
console.log('');
console.log('| run | photos/s | vs decode bound | CPU ms/photo | photos/s if 2 cores were free |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, r, ratio] of rows) {
  console.log(`| ${name} | ${r.perSec.toFixed(1)} | ${ratio === null ? '—' : `${(ratio * 100).toFixed(0)} %`} | ${r.cpuMs.toFixed(1)} | ${((2 * 1000) / r.cpuMs).toFixed(1)} |`);
}
const j2 = rows.find((r) => r[0] === 'fiqa --jobs 2')!;
console.log('');
console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine lowers the wall-clock rates; CPU ms/photo is less sensitive to it)`);
console.log(`targets: ≥ 40 photos/s on 2 cores: ${j2[1].perSec >= 40 ? 'met' : 'NOT met'} (${j2[1].perSec.toFixed(1)} wall-clock, ${((2 * 1000) / j2[1].cpuMs).toFixed(1)} from CPU time); ≥ 50 % of the decode bound: ${j2[2]! >= 0.5 ? 'met' : 'NOT met'} (${(j2[2]! * 100).toFixed(0)} %)`);
