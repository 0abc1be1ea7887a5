// npx tsx test/bench/fiqa-colour-cues.ts [--small] [--json out.json]
// The comparison behind the human-face check's colour decision (agent/face/human.ts, README
// "Photo checks" and docs/fiqa.md): the evaluation set's portraits (FIQA_EVAL_DIR, and FACES_ID_DIR's
// gpo-2024.jpg portraits) each lit the ten ways of test/fiqa/degrade.ts, the bearded and Flickr
// portraits the same, and the painted portraits, measured at level `no` (nothing refused).
// --small adds each portrait shrunk to a 45 and a 60 px face (the 60 px one also under four
// lights) and saved at JPEG quality 30 (also under strong green light). Prints:
// 1. every light estimate tried for `skin_red` (scene-light.ts), alone and in pairs (the larger
//    of the two), with its limit set by the paintings (their maximum over the paintings above
//    60°, + 0.8): how many untinted portraits read under it;
// 2. `skin_axis` of the real faces the hue and `skin_red` cues alone refuse (hue > 70°,
//    skin_red < 8), for the calibration half (every second portrait), the held-out half and
//    the Flickr portraits, and of the paintings those cues refuse;
// 3. how many copies the decision in use (human.ts `paintColour`) refuses, per light.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createFaceEngine } from '../../agent/face';
import { COLOUR_FACE_MIN, paintColour } from '../../agent/face/human';
import { sampleCrop, type Pyramid } from '../../agent/face/image';
import { centroid, IDX, meshCrop, type Mesh } from '../../agent/face/landmarks';
import { polygonMask, toCrop } from '../../agent/face/regions';
import { srgbToLinear } from '../../agent/face/scene-light';
import type { FiqaMeasures } from '../../agent/face/types';
import { LIGHTS, underLight, type Light } from '../fiqa/degrade';
import { FACES_ID_DIR } from './verification';

const argOf = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const EVAL = process.env.FIQA_EVAL_DIR ?? fileURLToPath(new URL('../fixtures/fiqa-eval/', import.meta.url));
const SMALL = process.argv.includes('--small');
if (!existsSync(join(EVAL, 'manifest.json'))) {
  console.error(`no evaluation set at ${EVAL} (see test/fixtures/fiqa-eval/README.md)`);
  process.exit(2);
}
const photos = (JSON.parse(readFileSync(join(EVAL, 'manifest.json'), 'utf8')).photos as Array<{ file: string; category: string }>).filter((p) =>
  ['portrait', 'portrait-flickr', 'beard', 'artwork'].includes(p.category),
);
if (existsSync(FACES_ID_DIR)) {
  for (const person of readdirSync(FACES_ID_DIR).sort()) {
    const f = join(FACES_ID_DIR, person, 'gpo-2024.jpg');
    if (existsSync(f)) photos.push({ file: f, category: 'portrait-gpo' });
  }
}

type Rgb = [number, number, number];
const lum = (p: number[]) => 0.2126 * p[0]! + 0.7152 * p[1]! + 0.0722 * p[2]!;
const mean = (ps: number[][]): Rgb => [0, 1, 2].map((k) => ps.reduce((s, p) => s + p[k]!, 0) / ps.length) as Rgb;

/** The light estimates around the head (the same pixels as scene-light.ts) and the inner face's linear mean colour. */
function estimates(pyr: Pyramid, mesh: Mesh): { face: Rgb; light: Record<string, Rgb> } | null {
  const W = pyr.levels[0]!.width;
  const H = pyr.levels[0]!.height;
  const N = 64;
  const c = meshCrop(mesh, 1.0);
  const rgb = sampleCrop(pyr, c, N, 1, 0);
  const fc = centroid(mesh.points, IDX.silhouette);
  const shrink = (k: number, crop: typeof c, n: number) => IDX.silhouette.map((i) => toCrop(crop, n, [fc[0] + k * (mesh.points[i]![0] - fc[0]), fc[1] + k * (mesh.points[i]![1] - fc[1]), 0]));
  const inner = polygonMask(shrink(0.8, c, N), N);
  const fp: number[][] = [];
  for (let i = 0; i < N * N; i++) if (inner[i]) fp.push([srgbToLinear(rgb[3 * i]!), srgbToLinear(rgb[3 * i + 1]!), srgbToLinear(rgb[3 * i + 2]!)]);
  const G = 64;
  const size = Math.max(W, H);
  const whole = { cx: W / 2, cy: H / 2, size, angle: 0 };
  const wr = sampleCrop(pyr, whole, G, 1, 0);
  const head = polygonMask(shrink(1.3, whole, G), G);
  const px: number[][] = [];
  for (let v = 0; v < G; v++) {
    const y = H / 2 + (v + 0.5 - G / 2) * (size / G);
    if (y < 0 || y >= H) continue;
    for (let u = 0; u < G; u++) {
      const x = W / 2 + (u + 0.5 - G / 2) * (size / G);
      const i = v * G + u;
      if (x >= 0 && x < W && !head[i]) px.push([srgbToLinear(wr[3 * i]!), srgbToLinear(wr[3 * i + 1]!), srgbToLinear(wr[3 * i + 2]!)]);
    }
  }
  if (px.length < 200 || fp.length < 50) return null;
  const n = px.length;
  const ys = px.map(lum);
  const sorted = Float64Array.from(ys).sort();
  const light: Record<string, Rgb> = { 'grey world': mean(px) };
  for (const q of [0.01, 0.02, 0.05, 0.1, 0.2, 0.5]) {
    const cut = sorted[Math.floor((1 - q) * (n - 1))]!;
    light[`white patch ${q * 100} %`] = mean(px.filter((_, i) => ys[i]! >= cut));
  }
  for (const p of [2, 4, 8]) light[`shades of grey p=${p}`] = [0, 1, 2].map((k) => (px.reduce((s, q) => s + q[k]! ** p, 0) / n) ** (1 / p)) as Rgb;
  const channel = (k: number) => Float64Array.from(px.map((p) => p[k]!)).sort();
  light['median'] = [0, 1, 2].map((k) => channel(k)[Math.floor(n / 2)]!) as Rgb;
  light['99th percentile'] = [0, 1, 2].map((k) => channel(k)[Math.floor(0.99 * (n - 1))]!) as Rgb;
  const lit = px.filter((p) => lum(p) > 0.01);
  light['geometric mean'] = lit.length ? ([0, 1, 2].map((k) => Math.exp(lit.reduce((s, p) => s + Math.log(p[k]! + 1e-4), 0) / lit.length)) as Rgb) : light['grey world']!;
  return { face: mean(fp), light };
}

/** CIELAB a* of the face under a von Kries correction by `light` (as scene-light.ts). */
function redUnder(face: Rgb, light: Rgb): number | null {
  const y = lum(light);
  if (!(y > 1e-4) || light.some((c) => c < 1e-5)) return null;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const [r, g, b] = face.map((c, j) => (c * y) / light[j]!) as Rgb;
  return 500 * (f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047) - f(0.2126 * r + 0.7152 * g + 0.0722 * b));
}

interface Row {
  file: string;
  category: string;
  copy: string;
  faceSize: number;
  m: FiqaMeasures;
  est: ReturnType<typeof estimates>;
}
let seen: ReturnType<typeof estimates> = null;
const engine = await createFaceEngine({
  async inspectFace({ pyramid, mesh, index }) {
    if (index === 0) seen = estimates(pyramid, mesh);
  },
});
const rows: Row[] = [];
const t0 = performance.now();
for (const [k, p] of photos.entries()) {
  const buf = readFileSync(resolve(EVAL, p.file));
  const copies: Array<[string, () => Promise<Buffer>]> = [['original', async () => buf]];
  if (p.category !== 'artwork') {
    for (const l of Object.keys(LIGHTS) as Light[]) copies.push([l, () => underLight(buf, l)]);
    if (SMALL) {
      const r0 = await engine.analyze(buf, { level: 'no', attributes: false }).catch(() => null);
      if (r0) {
        const shrunk = (px: number) => sharp(buf).rotate().resize(Math.max(16, Math.round((r0.image.width * px) / r0.data[0]!.info.face_size))).jpeg({ quality: 92 }).toBuffer();
        copies.push(['45 px', () => shrunk(45)], ['60 px', () => shrunk(60)]);
        for (const l of ['light-green', 'light-green-strong', 'light-yellow-strong', 'light-tungsten-strong'] as Light[]) copies.push([`60 px, ${l}`, async () => underLight(await shrunk(60), l)]);
        copies.push(['JPEG q30', () => sharp(buf).rotate().jpeg({ quality: 30 }).toBuffer()]);
        copies.push(['JPEG q30, light-green-strong', async () => sharp(await underLight(buf, 'light-green-strong')).jpeg({ quality: 30 }).toBuffer()]);
      }
    }
  }
  for (const [copy, make] of copies) {
    seen = null;
    try {
      const r = await engine.analyze(await make(), { level: 'no', attributes: false });
      rows.push({ file: p.file, category: p.category, copy, faceSize: r.data[0]!.info.face_size, m: r.data[0]!.measures, est: seen });
    } catch {
      // no face found, or a copy sharp cannot make (a one-band photo): nothing to measure
    }
  }
  if (k % 50 === 0) console.error(`${k}/${photos.length} photos, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
await engine.close();
const out = argOf('--json');
if (out) writeFileSync(out, JSON.stringify(rows));

const portraits = [...new Set(rows.filter((r) => r.category === 'portrait' || r.category === 'portrait-gpo').map((r) => r.file))].sort();
const half = new Map(portraits.map((f, i) => [f, i % 2 === 0 ? 'calibration half' : 'held-out half']));
const group = (r: Row) => half.get(r.file) ?? r.category;
const paintings = rows.filter((r) => r.category === 'artwork');
const real = rows.filter((r) => r.category !== 'artwork');

console.log(`\n1. light estimates (limit: max over the paintings above 60° + 0.8; count: untinted evaluation and identity portraits under it)`);
const names = Object.keys(paintings.find((r) => r.est)?.est?.light ?? {});
const sets = [...names.map((n) => [n]), ...names.flatMap((a, i) => names.slice(i + 1).map((b) => [a, b]))];
const results = sets.map((set) => {
  const red = (r: Row) => {
    const v = r.est ? set.map((n) => redUnder(r.est!.face, r.est!.light[n]!)).filter((x): x is number => x !== null) : [];
    return v.length ? Math.max(...v) : null;
  };
  const limit = Math.max(...paintings.filter((r) => (r.m.skin_hue ?? 0) > 60).map(red).filter((x): x is number => x !== null)) + 0.8;
  const under = real.filter((r) => r.copy === 'original' && half.has(r.file)).filter((r) => (red(r) ?? -Infinity) < limit).length;
  return { set: set.join(' + '), limit, under };
});
results.sort((a, b) => a.under - b.under);
for (const r of results) console.log(`  ${r.set}: limit ${r.limit.toFixed(2)}, ${r.under} of ${portraits.length} under it`);

console.log(`\n2. skin_axis of the faces ≥ 32 px that hue > 70° and skin_red < 8 alone refuse`);
const twoCues = (r: Row) => r.faceSize >= 32 && (r.m.skin_hue ?? 0) > 70 && (r.m.skin_red === null || r.m.skin_red < 8);
const range = (xs: Row[]) => {
  const v = xs.map((r) => r.m.skin_axis).filter((x): x is number => x !== null);
  return v.length ? `${v.length} copies, axis ${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}, ${v.filter((x) => x >= 1).length} at ≥ 1` : 'none';
};
for (const g of [...new Set(real.map(group))]) {
  const refused = real.filter((r) => group(r) === g && twoCues(r));
  console.log(`  ${g}: ${range(refused)}; at full size: ${range(refused.filter((r) => !/px|q30/.test(r.copy)))}`);
}
console.log(`  paintings: ${range(paintings.filter(twoCues))}`);

console.log(`\n3. refused on colour by the decision in use (paintColour, faces ≥ ${COLOUR_FACE_MIN} px)`);
const uses = (r: Row) =>
  r.faceSize >= COLOUR_FACE_MIN &&
  r.m.skin_hue !== null &&
  paintColour({ landmark_confidence: r.m.landmark_confidence, skin_texture: r.m.skin_texture, skin_hue: r.m.skin_hue, skin_red: r.m.skin_red, skin_axis: r.m.skin_axis, photo_colour: r.m.photo_colour, skin_tint: r.m.skin_tint, toned: false, landmark_confidence_wide: null });
const counts = new Map<string, [number, number, number]>();
for (const r of real) {
  const k = `${group(r)} / ${r.copy}`;
  const c = counts.get(k) ?? [0, 0, 0];
  c[0]++;
  if (uses(r)) c[1]++;
  if (twoCues(r)) c[2]++;
  counts.set(k, c);
}
for (const [k, [n, now, before]] of [...counts].sort()) if (now || before) console.log(`  ${k}: ${now} of ${n} (hue and skin_red alone: ${before})`);
console.log(`  paintings: ${paintings.filter(uses).length} of ${paintings.length} (hue and skin_red alone: ${paintings.filter(twoCues).length})`);
