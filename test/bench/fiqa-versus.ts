// npm run bench:fiqa -- … measures throughput against the decode bound; this one compares two
// face engines in one process, on one core each in turn, so a change's cost is measured against
// the engine it changes at the same machine speed:
//   npx tsx test/bench/fiqa-versus.ts --against /path/to/other/checkout/agent/face [--photos N] [--rounds R]
// Slices of N photos (default 60) alternate between the two engines (this checkout's first,
// then the other, swapped every round) for R rounds (default 8); the ratio is the median of the
// ratios of adjacent slices, the rates are all photos over all time.
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFaceEngine, type FaceEngine } from '../../agent/face/engine';
import { FACES_DIR } from '../fiqa/fixtures';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const against = arg('--against');
if (!against) {
  console.error('usage: tsx test/bench/fiqa-versus.ts --against <other checkout>/agent/face [--photos N] [--rounds R]');
  process.exit(2);
}
const N = Math.max(10, Number(arg('--photos') ?? 60));
const ROUNDS = Math.max(1, Number(arg('--rounds') ?? 8));
const files = readdirSync(FACES_DIR).filter((f) => f.endsWith('.jpg')).sort();
const buffers = files.map((f) => readFileSync(FACES_DIR + f));
const photos = Array.from({ length: N }, (_, i) => buffers[i % buffers.length]!);
const modelsDir = resolve(import.meta.dirname, '../../resources/models');

const other = (await import(pathToFileURL(join(resolve(against), 'engine.ts')).href)) as { createFaceEngine: typeof createFaceEngine };
const engines: Record<'this' | 'other', FaceEngine> = {
  this: await createFaceEngine({ modelsDir }),
  other: await other.createFaceEngine({ modelsDir }),
};

/** One slice: N photos through one engine, two in flight (its decode overlaps the models). */
async function slice(e: FaceEngine): Promise<{ ms: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < photos.length) await e.analyze(photos[next++]!, { attributes: true }).catch(() => undefined);
    }),
  );
  const c = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

for (const e of Object.values(engines)) for (const b of buffers) await e.analyze(b).catch(() => undefined); // warm-up
console.log(`fiqa versus: ${ROUNDS} rounds x ${N} photos per engine (${files.length} fixtures), this checkout vs ${against}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const ms = { this: 0, other: 0 };
const cpu = { this: 0, other: 0 };
const ratios: number[] = [];
const cpuRatios: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const order: Array<'this' | 'other'> = r % 2 ? ['other', 'this'] : ['this', 'other'];
  const t: Record<string, { ms: number; cpu: number }> = {};
  for (const k of order) {
    t[k] = await slice(engines[k]);
    ms[k] += t[k]!.ms;
    cpu[k] += t[k]!.cpu;
  }
  ratios.push(t.other!.ms / t.this!.ms);
  cpuRatios.push(t.other!.cpu / t.this!.cpu);
  const f = (k: string) => `${((N * 1000) / t[k]!.ms).toFixed(1)} photos/s, ${(t[k]!.cpu / N).toFixed(0)} ms CPU/photo`;
  console.log(`  round ${r + 1}: this ${f('this')}; other ${f('other')}`);
}
const med = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return { median: s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2, lo: s[0]!, hi: s[s.length - 1]! };
};
const pc = (x: { median: number; lo: number; hi: number }) => `${(x.median * 100).toFixed(1)} % (range ${(x.lo * 100).toFixed(0)}–${(x.hi * 100).toFixed(0)} %)`;
const rate = (k: 'this' | 'other') => `${((ROUNDS * N * 1000) / ms[k]).toFixed(1)} photos/s, ${(cpu[k] / ROUNDS / N).toFixed(0)} ms CPU/photo`;
console.log(`this checkout: ${rate('this')}; other: ${rate('other')}`);
console.log(`this one's speed relative to the other, median of adjacent slices: wall clock ${pc(med(ratios))}, CPU time ${pc(med(cpuRatios))}`);
await engines.this.close();
await engines.other.close();
