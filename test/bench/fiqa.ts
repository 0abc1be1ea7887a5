// npm run bench:fiqa [-- --photos N]
// Photo-check throughput over the face fixtures repeated to N photos (default 500), with the
// face pool at --jobs 1 and 2, next to the bound measured in the same run: sharp decode +
// EXIF rotate + resize to the engine's working size only (what any photo check must pay).
import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { decodeImage, DEFAULT_LIMITS } from '../../electron/fiqa/decode';
import { createFacePool } from '../../electron/fiqa/pool';
import { FACES_DIR } from '../fiqa/fixtures';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = Math.max(10, arg('--photos', 500));
const files = readdirSync(FACES_DIR).filter((f) => f.endsWith('.jpg')).sort();
const buffers = files.map((f) => readFileSync(FACES_DIR + f));
const photos = Array.from({ length: N }, (_, i) => buffers[i % buffers.length]!);

async function rate(concurrency: number, work: (b: Uint8Array) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency * 2 }, async () => {
      while (next < photos.length) await work(photos[next++]!);
    }),
  );
  return photos.length / ((performance.now() - t0) / 1000);
}

async function poolRate(jobs: number, attributes: boolean): Promise<number> {
  const pool = await createFacePool({ jobs });
  try {
    await Promise.all(buffers.map((b) => pool.analyze(b, { attributes }).catch(() => undefined))); // warm-up
    return await rate(jobs, (b) => pool.analyze(b, { level: 'high', attributes }));
  } finally {
    await pool.close();
  }
}

const rows: Array<[string, number, number | null]> = [];
console.log(`fiqa bench: ${N} photos (${files.length} fixtures repeated), ${availableParallelism()} cores, working size ${DEFAULT_LIMITS.workingSize}px`);
for (const jobs of [1, 2]) {
  await rate(jobs, (b) => decodeImage(b)); // warm-up
  const bound = await rate(jobs, (b) => decodeImage(b));
  const fiqa = await poolRate(jobs, false);
  rows.push([`decode+resize only, ${jobs} thread${jobs > 1 ? 's' : ''} (bound)`, bound, null]);
  rows.push([`fiqa --jobs ${jobs}`, fiqa, fiqa / bound]);
  if (jobs === 2) {
    const full = await poolRate(jobs, true);
    rows.push([`fiqa --jobs ${jobs} --attributes (embedding, age, sex)`, full, full / bound]);
  }
}
console.log('');
console.log('| run | photos/s | vs decode bound |');
console.log('|---|---:|---:|');
for (const [name, r, ratio] of rows) console.log(`| ${name} | ${r.toFixed(1)} | ${ratio === null ? '—' : `${(ratio * 100).toFixed(0)} %`} |`);
const j2 = rows.find((r) => r[0] === 'fiqa --jobs 2')!;
console.log('');
console.log(`targets: ≥ 40 photos/s on 2 cores: ${j2[1] >= 40 ? 'met' : 'NOT met'} (${j2[1].toFixed(1)}); ≥ 50 % of the decode bound: ${j2[2]! >= 0.5 ? 'met' : 'NOT met'} (${(j2[2]! * 100).toFixed(0)} %)`);
