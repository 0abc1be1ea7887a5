// npx tsx test/bench/fiqa-render-measures.ts [--jpeg=Q] [--face=PX] FILE...
// Candidate measures for "is this face rendered (3-D render, cartoon) rather than
// photographed?" (issue 15), one line per photo, on the main face (level `no`):
// - fine: median |luma − its 3×3 mean| over the central face (the middle half of the face box
//   across, 30–80 % down), over that region's p10–p90 luma range, at the photo's resolution
//   (the lead from the line-art search: the Sintel stills read smoother than real faces);
// - fine100: the same with the photo first shrunk so the face is 100 px wide (level high's
//   face minimum), when it is larger: a scale tied to the face's size;
// - flat_noise: the 10th percentile, over 16×16 blocks of mid-tone luma (mean 25–230) of the
//   whole photo, of the spread of luma − its 3×3 mean: sensor noise is in every flat area of a
//   photo, a render's flat areas are clean;
// - skin_noise: the same over 8×8 blocks of the central face (its flattest skin patches).
// --jpeg=Q re-encodes each photo at JPEG quality Q first; --face=PX shrinks it so its face is PX
// wide (after a first detection) before measuring (both made in code, nothing written).
// docs/fiqa.md, "Photoreal renders and colour cartoons", has the figures.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import sharp from 'sharp';
import { createFaceEngine } from '../../agent/face';

const opt = (name: string) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : null;
};
const JPEG = opt('jpeg');
const FACE = opt('face');
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('usage: npx tsx test/bench/fiqa-render-measures.ts [--jpeg=Q] [--face=PX] FILE...');
  process.exit(2);
}
const engine = await createFaceEngine();

interface Grey {
  data: Buffer;
  width: number;
  height: number;
}
const grey = async (buf: Buffer, width?: number): Promise<Grey> => {
  let s = sharp(buf);
  if (width) s = s.resize(width);
  const { data, info } = await s.greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
};
/** |luma − its 3×3 mean| at (x, y) (1 ≤ x < width − 1, 1 ≤ y < height − 1) */
const residual = (g: Grey, x: number, y: number) => {
  let m = 0;
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) m += g.data[(y + dy) * g.width + x + dx]!;
  return g.data[y * g.width + x]! - m / 9;
};
type Box = [number, number, number, number];
const central = (b: Box, scale: number): Box => {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  return [(b[0] + 0.25 * w) * scale, (b[1] + 0.3 * h) * scale, (b[2] - 0.25 * w) * scale, (b[1] + 0.8 * h) * scale];
};
const clampBox = (g: Grey, r: Box): Box => [Math.max(1, Math.round(r[0])), Math.max(1, Math.round(r[1])), Math.min(g.width - 1, Math.round(r[2])), Math.min(g.height - 1, Math.round(r[3]))];
const pct = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN;
};
function fine(g: Grey, r: Box): number {
  const [x0, y0, x1, y1] = clampBox(g, r);
  const lum: number[] = [];
  const res: number[] = [];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      lum.push(g.data[y * g.width + x]!);
      res.push(Math.abs(residual(g, x, y)));
    }
  }
  const range = Math.max(1, pct(lum, 0.9) - pct(lum, 0.1));
  return pct(res, 0.5) / range;
}
/** 10th percentile of the residual's spread over B×B blocks of mid-tone luma inside r */
function blockNoise(g: Grey, r: Box, B: number): number {
  const [x0, y0, x1, y1] = clampBox(g, r);
  const sd: number[] = [];
  for (let by = y0; by + B <= y1; by += B) {
    for (let bx = x0; bx + B <= x1; bx += B) {
      let s = 0;
      let s2 = 0;
      let mean = 0;
      for (let y = by; y < by + B; y++) {
        for (let x = bx; x < bx + B; x++) {
          mean += g.data[y * g.width + x]!;
          const v = residual(g, x, y);
          s += v;
          s2 += v * v;
        }
      }
      const n = B * B;
      mean /= n;
      if (mean < 25 || mean > 230) continue;
      sd.push(Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2)));
    }
  }
  return pct(sd, 0.1);
}

const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '-');
console.log(['file', 'width', 'landmark', 'fine', 'fine100', 'flat_noise', 'skin_noise'].join('\t'));
for (const f of files) {
  try {
    let buf = readFileSync(f);
    buf = await sharp(buf).flatten({ background: '#ffffff' }).jpeg({ quality: JPEG ?? 95 }).toBuffer();
    let face = (await engine.analyze(buf, { level: 'no', attributes: false })).data[0]!;
    if (FACE) {
      const w = face.bbox[2] - face.bbox[0];
      const meta = await sharp(buf).metadata();
      buf = await sharp(buf).resize(Math.max(16, Math.round((meta.width! * FACE) / w))).jpeg({ quality: JPEG ?? 95 }).toBuffer();
      face = (await engine.analyze(buf, { level: 'no', attributes: false })).data[0]!;
    }
    const b = face.bbox as Box;
    const w = b[2] - b[0];
    const g = await grey(buf);
    const s100 = Math.min(1, 100 / w);
    const g100 = s100 < 1 ? await grey(buf, Math.round(g.width * s100)) : g;
    const whole: Box = [1, 1, g.width - 1, g.height - 1];
    console.log(
      [basename(f), Math.round(w), face.measures.landmark_confidence.toFixed(1), fmt(fine(g, central(b, 1)), 4), fmt(fine(g100, central(b, g100.width / g.width)), 4), fmt(blockNoise(g, whole, 16), 3), fmt(blockNoise(g, central(b, 1), 8), 3)].join('\t'),
    );
  } catch (err) {
    console.log(`${basename(f)}\t(${(err as Error).message})`);
  }
}
