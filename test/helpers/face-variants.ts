// Many distinct enrolment photos made in code from the face fixtures (never committed): photo
// number i is a crop, an optional mirror, a light change and a size change of one of the good
// portraits, so every person of a large test or benchmark has a photo of their own (the
// platform stores photos content-addressed; equal bytes would be one photo).
import { readFileSync } from 'node:fs';
import sharp from 'sharp';

const FACES = '/work/shared/fixtures/faces/';
const GOOD = ['obama.jpg', 'obama2.jpg', 'biden.jpg', 'biden2.jpg'];
const sources = new Map<string, { bytes: Buffer; w: number; h: number }>();

async function source(name: string) {
  let s = sources.get(name);
  if (!s) {
    const bytes = readFileSync(FACES + name);
    const m = await sharp(bytes).metadata();
    s = { bytes, w: m.width!, h: m.height! };
    sources.set(name, s);
  }
  return s;
}

/** Photo number i (any i ≥ 0): a JPEG of a good portrait that passes FIQA `high`. */
export async function variantPhoto(i: number): Promise<Buffer> {
  const s = await source(GOOD[i % GOOD.length]!);
  const k = Math.floor(i / GOOD.length);
  const shrink = 0.03 * (k % 3); // a few percent off the sides keeps the face whole
  const top = 0.015 * (Math.floor(k / 3) % 3);
  const w = Math.round(s.w * (1 - 2 * shrink));
  const h = Math.round(s.h * (1 - shrink - top));
  let img = sharp(s.bytes).extract({ left: Math.round(s.w * shrink), top: Math.round(s.h * top), width: w, height: h });
  if (Math.floor(k / 9) % 2 === 1) img = img.flop();
  img = img.modulate({ brightness: 0.9 + 0.04 * (Math.floor(k / 18) % 5) });
  // the size step makes every i distinct: 18 × 5 variants above, then one size per 90
  const scale = 0.8 + 0.2 * ((Math.floor(k / 90) * 7) % 100) / 100;
  img = img.resize({ width: Math.max(200, Math.round(w * scale)) });
  return img.jpeg({ quality: 90 }).toBuffer();
}
