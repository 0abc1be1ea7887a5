// A photo's tone curve and colour measures for the human-face check (./human.ts): the chroma a
// black-and-white or toned (sepia, brown, green) print's tone explains, and CIELAB.
import { sampleCrop, type Pyramid } from './image';

/** Luma bins of the tone curve (16 levels each). */
const TONE_BINS = 16;

/** A photo's tone curve: the mean chroma of its pixels per luma, and how far they stray from it. */
export interface Tone {
  /** HumanLook.photo_colour */
  spread: number;
  /** the mean chroma (Cb, Cr) of the photo's pixels in this luma's bin (8-bit); null: no pixel of that tone */
  at(y: number): [number, number] | null;
}

/** Luma and chroma (Cb, Cr) of an 8-bit RGB pixel. */
export function ycc(r: number, g: number, b: number): [number, number, number] {
  return [0.299 * r + 0.587 * g + 0.114 * b, -0.168736 * r - 0.331264 * g + 0.5 * b, 0.5 * r - 0.418688 * g - 0.081312 * b];
}

/**
 * The photo's tone curve over a 64 × 64 sample of the whole photo, and the chroma it leaves
 * unexplained (HumanLook.photo_colour): a toned print has one tint per luma (paper and toner),
 * so its chroma minus the curve's is only JPEG noise. The curve is the mean chroma per luma
 * bin (interpolating between the bins' mean lumas was tried: it brought one painting, SK-A-768,
 * level with the real prints).
 */
export function untonedColour(pyr: Pyramid, img: { width: number; height: number }): Tone {
  const M = 64;
  const size = Math.max(img.width, img.height);
  const px = sampleCrop(pyr, { cx: img.width / 2, cy: img.height / 2, size, angle: 0 }, M, 1, 0);
  const s = size / M;
  const n = new Float64Array(TONE_BINS);
  const sb = new Float64Array(TONE_BINS);
  const sr = new Float64Array(TONE_BINS);
  const pix: Array<[number, number, number]> = [];
  const bin = (y: number) => Math.max(0, Math.min(TONE_BINS - 1, Math.floor((y * TONE_BINS) / 256)));
  for (let v = 0; v < M; v++) {
    for (let u = 0; u < M; u++) {
      // only the photo itself (the square sample runs past the short side)
      const x = img.width / 2 + (u + 0.5 - M / 2) * s;
      const y = img.height / 2 + (v + 0.5 - M / 2) * s;
      if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
      const i = v * M + u;
      const c = ycc(px[3 * i]!, px[3 * i + 1]!, px[3 * i + 2]!);
      const k = bin(c[0]);
      n[k] = n[k]! + 1;
      sb[k] = sb[k]! + c[1];
      sr[k] = sr[k]! + c[2];
      pix.push(c);
    }
  }
  const at = (y: number): [number, number] | null => {
    const k = bin(y);
    return n[k]! > 0 ? [sb[k]! / n[k]!, sr[k]! / n[k]!] : null;
  };
  let sum = 0;
  for (const [y, pb, pr] of pix) {
    const [mb, mr] = at(y)!;
    sum += (pb - mb) ** 2 + (pr - mr) ** 2;
  }
  return { spread: pix.length === 0 ? 0 : Math.sqrt(sum / pix.length), at };
}

/** CIELAB (D65) of an 8-bit sRGB colour. */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lin = (c: number) => {
    const v = Math.max(0, Math.min(255, c)) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const R = lin(r);
  const G = lin(g);
  const B = lin(b);
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const fx = f((0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047);
  const fy = f(0.2126 * R + 0.7152 * G + 0.0722 * B);
  const fz = f((0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}
