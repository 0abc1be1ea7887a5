// npx tsx test/bench/fiqa-line-measures.ts [--line-screen] FILE...
// Candidate measures for "is this toned print's face drawn in lines (an engraving, a pen
// drawing) rather than photographed?" (issue 15), one line per photo, on the main face at the
// photo's own resolution (the held-out prints are 175 px wide, their faces 43–150 px):
// - paper: share of the central face at the photo's paper white (≥ p99 of the whole photo
//   minus 10 % of its p1–p99 range): a drawing's highlights are bare paper;
// - fine: median |pixel − its 3×3 mean| over the central face, over the face's p10–p90 range:
//   hatching and dots are fine structure, a photographed cheek a smooth gradient;
// - coherence: median orientation coherence of the gradient structure tensor (5×5 window):
//   parallel hatching reads 1, isotropic texture 0;
// - aniso: the strongest of 12 orientation sectors of each cheek patch's power spectrum
//   (0.15–0.5 cycles/px) over their mean, the two cheeks averaged.
// With --line-screen, each file is instead turned into line-screen prints (its luma against
// parallel lines, sepia, the face 60/75/100/140 px wide, line period 1, 1.3, 2 px): a
// reproduction of a photograph, which the halftone rule says must pass, read like an engraving
// by these measures. docs/fiqa.md (linked from README "Photo checks (FIQA)") has the figures; none separated.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import sharp from 'sharp';
import { createFaceEngine } from '../../agent/face';

const SCREEN = process.argv.includes('--line-screen');
const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('usage: npx tsx test/bench/fiqa-line-measures.ts [--line-screen] FILE...');
  process.exit(2);
}
const engine = await createFaceEngine();

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** A line-screen print of a photo: luma against parallel lines at `angle`, made 3× and shrunk. */
async function lineScreen(buf: Buffer, faceNow: number, face: number, period: number, angle = 0.5): Promise<Buffer> {
  const src = sharp(buf).rotate();
  const { width = 0 } = await src.metadata();
  const { data, info } = await src.resize({ width: Math.round((width * 3 * face) / faceNow) }).greyscale().raw().toBuffer({ resolveWithObject: true });
  const tone = [1.0, 0.95, 0.84];
  const out = Buffer.alloc(info.width * info.height * 3);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const t = ((x * c + y * s) * 2 * Math.PI) / (3 * period);
      const ink = data[y * info.width + x]! / 255 < 0.5 + 0.5 * Math.cos(t) ? 0.12 : 0.94;
      for (let k = 0; k < 3; k++) out[(y * info.width + x) * 3 + k] = Math.round(255 * ink * tone[k]!);
    }
  }
  return sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } }).blur(0.6).resize({ width: Math.round(info.width / 3) }).jpeg({ quality: 80 }).toBuffer();
}

/** Orientation anisotropy of an n×n patch's power spectrum and its share in the fine band. */
function spectrum(g: Float64Array, n: number): number {
  let m = 0;
  for (const v of g) m += v;
  m /= g.length;
  const bins = new Float64Array(12);
  let band = 0;
  for (let fy = -n / 2; fy < n / 2; fy++) {
    for (let fx = 0; fx < n / 2; fx++) {
      const r = Math.hypot(fx, fy) / n;
      if (r < 0.15 || r > 0.5) continue;
      let re = 0;
      let im = 0;
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const a = (-2 * Math.PI * (fx * x + fy * y)) / n;
          re += (g[y * n + x]! - m) * Math.cos(a);
          im += (g[y * n + x]! - m) * Math.sin(a);
        }
      }
      const p = re * re + im * im;
      band += p;
      let th = Math.atan2(fy, fx);
      if (th < 0) th += Math.PI;
      const k = Math.min(11, Math.floor((th / Math.PI) * 12));
      bins[k] = bins[k]! + p;
    }
  }
  return band > 0 ? Math.max(...bins) / (band / 12) : 0;
}

async function measure(name: string, buf: Buffer): Promise<string> {
  const r = await engine.analyze(buf, { level: 'no', attributes: false });
  const d = r.data[0]!;
  const [x0, y0, x1, y1] = d.bbox;
  const w = x1 - x0;
  const h = y1 - y0;
  const { data, info } = await sharp(buf).rotate().flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  const ch = info.channels;
  const sx = info.width / r.image.width;
  const I = (x: number, y: number) => data[(Math.max(0, Math.min(info.height - 1, y)) * info.width + Math.max(0, Math.min(info.width - 1, x))) * ch]!;
  const all: number[] = [];
  for (let i = 0; i < info.width * info.height; i++) all.push(data[i * ch]!);
  all.sort((a, b) => a - b);
  const white = pct(all, 0.99);
  const dark = pct(all, 0.01);
  // the central face: the box without its outer fifth, from below the brows
  const X0 = Math.round((x0 + 0.22 * w) * sx);
  const X1 = Math.round((x1 - 0.22 * w) * sx);
  const Y0 = Math.round((y0 + 0.3 * h) * sx);
  const Y1 = Math.round((y1 - 0.2 * h) * sx);
  const face: number[] = [];
  for (let y = Y0; y < Y1; y++) for (let x = X0; x < X1; x++) face.push(I(x, y));
  face.sort((a, b) => a - b);
  let paper = 0;
  for (const v of face) if (v >= white - 0.1 * Math.max(1, white - dark)) paper++;
  const range = Math.max(1, pct(face, 0.9) - pct(face, 0.1));
  const fines: number[] = [];
  const cohs: number[] = [];
  for (let y = Y0; y < Y1; y++) {
    for (let x = X0; x < X1; x++) {
      let m = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) m += I(x + dx, y + dy);
      fines.push(Math.abs(I(x, y) - m / 9) / range);
      let a = 0;
      let b = 0;
      let c = 0;
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const gx = (I(x + dx + 1, y + dy) - I(x + dx - 1, y + dy)) / 2;
          const gy = (I(x + dx, y + dy + 1) - I(x + dx, y + dy - 1)) / 2;
          a += gx * gx;
          b += gx * gy;
          c += gy * gy;
        }
      }
      cohs.push(a + c > 1e-6 ? Math.sqrt((a - c) ** 2 + 4 * b * b) / (a + c) : 0);
    }
  }
  fines.sort((a, b) => a - b);
  cohs.sort((a, b) => a - b);
  // a cheek patch each side: between eye and mouth corner, a fifth of the face wide
  const L = d.landmarks;
  const n = Math.max(8, Math.round(0.22 * w * sx));
  let aniso = 0;
  for (const [e, mo] of [[L[0]!, L[3]!], [L[1]!, L[4]!]] as const) {
    const cx = ((e[0] + mo[0]) / 2) * sx;
    const cy = ((e[1] + mo[1]) / 2) * sx;
    const g = new Float64Array(n * n);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) g[y * n + x] = I(Math.round(cx - n / 2 + x), Math.round(cy - n / 2 + y));
    aniso += spectrum(g, n) / 2;
  }
  const m = d.measures;
  return [name, Math.round(w), m.landmark_confidence.toFixed(1), m.landmark_confidence_wide?.toFixed(1) ?? '-', m.skin_hue === null ? 'toned' : 'colour', (paper / face.length).toFixed(3), pct(fines, 0.5).toFixed(4), pct(cohs, 0.5).toFixed(3), aniso.toFixed(2)].join('\t');
}

console.log(['file', 'width', 'landmark', 'wide', 'colour', 'paper', 'fine', 'coherence', 'aniso'].join('\t'));
for (const f of files) {
  try {
    const buf = readFileSync(f);
    if (!SCREEN) {
      console.log(await measure(basename(f), buf));
      continue;
    }
    const r0 = await engine.analyze(buf, { level: 'no', attributes: false });
    for (const face of [60, 75, 100, 140]) {
      for (const period of [1, 1.3, 2]) console.log(await measure(`${basename(f)} line-screen ${face} px /${period}`, await lineScreen(buf, r0.data[0]!.info.face_size, face, period)));
    }
  } catch (err) {
    console.log(`${basename(f)}\t(${(err as Error).message.split('\n')[0]})`);
  }
}
await engine.close();
