// Pixel sampling for model inputs and measurements: an image pyramid (2x2 box averaging, built
// lazily) and rotated square crops sampled bilinearly from the pyramid level that matches the
// output scale, so large downscales do not alias. Pixels outside the image read as black.
import type { DecodedImage } from './decode';

export interface Level {
  rgb: Uint8Array;
  width: number;
  height: number;
}

export class Pyramid {
  readonly levels: Level[];

  constructor(img: { rgb: Uint8Array; width: number; height: number }) {
    this.levels = [{ rgb: img.rgb, width: img.width, height: img.height }];
  }

  level(k: number): Level {
    while (this.levels.length <= k) {
      const src = this.levels[this.levels.length - 1]!;
      const w = Math.max(1, src.width >> 1);
      const h = Math.max(1, src.height >> 1);
      if (w === src.width && h === src.height) return src;
      this.levels.push({ rgb: halve(src, w, h), width: w, height: h });
    }
    return this.levels[k]!;
  }
}

/** 2x2 box average of `src` into w×h (a 1-pixel-wide or -high source repeats its edge). */
function halve(src: Level, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const sw = src.width;
  const s = src.rgb;
  const rowStride = sw * 3;
  // 2x+1 < sw and 2y+1 < sh whenever the source is at least 2 wide / high (w = sw >> 1)
  const dx = sw > 1 ? 3 : 0;
  let o = 0;
  for (let y = 0; y < h; y++) {
    let p = 2 * y * rowStride;
    let q = Math.min(2 * y + 1, src.height - 1) * rowStride;
    for (let x = 0; x < w; x++, p += 6, q += 6) {
      out[o++] = (s[p]! + s[p + dx]! + s[q]! + s[q + dx]! + 2) >> 2;
      out[o++] = (s[p + 1]! + s[p + dx + 1]! + s[q + 1]! + s[q + dx + 1]! + 2) >> 2;
      out[o++] = (s[p + 2]! + s[p + dx + 2]! + s[q + 2]! + s[q + dx + 2]! + 2) >> 2;
    }
  }
  return out;
}

/** A square, rotated window on the working image. */
export interface Crop {
  cx: number;
  cy: number;
  /** side in working pixels */
  size: number;
  /** face roll in radians (the crop is rotated so the face comes out upright) */
  angle: number;
}

/** Maps crop pixel coordinates (0..n) to working-image coordinates. */
export function cropToImage(crop: Crop, n: number, u: number, v: number): [number, number] {
  const s = crop.size / n;
  const dx = (u - n / 2) * s;
  const dy = (v - n / 2) * s;
  const c = Math.cos(crop.angle);
  const si = Math.sin(crop.angle);
  return [crop.cx + c * dx - si * dy, crop.cy + si * dx + c * dy];
}

/**
 * Samples an n×n RGB crop as float32 NHWC, value = pixel * mul + add.
 * (tfjs models: blazeface -1..1 → mul 1/127.5, add -1; facemesh 0..1; faceres 0..255.)
 */
export function sampleCrop(pyr: Pyramid, crop: Crop, n: number, mul: number, add: number, out = new Float32Array(n * n * 3)): Float32Array {
  const step = crop.size / n; // working pixels per output pixel
  const k = Math.max(0, Math.min(8, Math.floor(Math.log2(Math.max(1, step)))));
  return sampleAt(pyr.level(k), 1 / 2 ** k, crop, n, mul, add, out);
}

/**
 * Like sampleCrop, but each output pixel averages 2x2 bilinear taps spread over its footprint,
 * so scale steps between pyramid levels do not alias (used for measurements, where aliasing
 * would pass for detail).
 */
export function sampleCropSmooth(pyr: Pyramid, crop: Crop, n: number): Float32Array {
  const acc = new Float32Array(n * n * 3);
  const step = crop.size / n;
  const c = Math.cos(crop.angle);
  const s = Math.sin(crop.angle);
  const k = Math.max(0, Math.min(8, Math.floor(Math.log2(Math.max(1, step)))));
  const lv = pyr.level(k);
  for (const [du, dv] of [[-0.25, -0.25], [0.25, -0.25], [-0.25, 0.25], [0.25, 0.25]] as const) {
    const dx = (c * du - s * dv) * step;
    const dy = (s * du + c * dv) * step;
    // each tap pass is added into acc as it is sampled (as float32, like a sampled crop)
    sampleAt(lv, 1 / 2 ** k, { ...crop, cx: crop.cx + dx, cy: crop.cy + dy }, n, 0.25, 0, acc, true);
  }
  return acc;
}

/** Samples into `out`; with `accumulate`, adds each (float32-rounded) sample to what `out` holds. */
function sampleAt(lv: Level, f: number, crop: Crop, n: number, mul: number, add: number, out: Float32Array, accumulate = false): Float32Array {
  const step = crop.size / n;
  const { rgb, width: W, height: H } = lv;
  const c = Math.cos(crop.angle) * step * f;
  const s = Math.sin(crop.angle) * step * f;
  // image point for output pixel centre (u+0.5, v+0.5), in level coordinates, minus 0.5 for pixel centres
  const x0 = crop.cx * f - 0.5 - (c * n) / 2 + (s * n) / 2;
  const y0 = crop.cy * f - 0.5 - (s * n) / 2 - (c * n) / 2;
  // per-column terms, computed once (x = x0 + c(u+½) − s(v+½), y = y0 + s(u+½) + c(v+½))
  const cu = new Float64Array(n);
  const su = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    cu[u] = c * (u + 0.5);
    su[u] = s * (u + 0.5);
  }
  const W1 = W - 1;
  const H1 = H - 1;
  const row = W * 3;
  let o = 0;
  for (let v = 0; v < n; v++) {
    const sv = s * (v + 0.5);
    const cv = c * (v + 0.5);
    for (let u = 0; u < n; u++) {
      const x = x0 + cu[u]! - sv;
      const y = y0 + su[u]! + cv;
      const xi = Math.floor(x);
      const yi = Math.floor(y);
      const fx = x - xi;
      const fy = y - yi;
      if (xi >= 0 && yi >= 0 && xi < W1 && yi < H1) {
        // fast path: all four neighbours inside the image
        const p = (yi * W + xi) * 3;
        const q = p + row;
        const w11 = fx * fy;
        const w10 = fy - w11;
        const w01 = fx - w11;
        const w00 = 1 - fx - fy + w11;
        const r = (w00 * rgb[p]! + w01 * rgb[p + 3]! + w10 * rgb[q]! + w11 * rgb[q + 3]!) * mul + add;
        const g = (w00 * rgb[p + 1]! + w01 * rgb[p + 4]! + w10 * rgb[q + 1]! + w11 * rgb[q + 4]!) * mul + add;
        const b = (w00 * rgb[p + 2]! + w01 * rgb[p + 5]! + w10 * rgb[q + 2]! + w11 * rgb[q + 5]!) * mul + add;
        if (accumulate) {
          out[o] = out[o]! + Math.fround(r);
          out[o + 1] = out[o + 1]! + Math.fround(g);
          out[o + 2] = out[o + 2]! + Math.fround(b);
        } else {
          out[o] = r;
          out[o + 1] = g;
          out[o + 2] = b;
        }
        o += 3;
        continue;
      }
      if (xi < -1 || yi < -1 || xi > W1 || yi > H1) {
        // all four neighbours outside: black
        if (accumulate) {
          out[o] = out[o]! + Math.fround(add);
          out[o + 1] = out[o + 1]! + Math.fround(add);
          out[o + 2] = out[o + 2]! + Math.fround(add);
        } else {
          out[o] = add;
          out[o + 1] = add;
          out[o + 2] = add;
        }
        o += 3;
        continue;
      }
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < 2; j++) {
        const yy = yi + j;
        if (yy < 0 || yy >= H) continue;
        const wy = j ? fy : 1 - fy;
        for (let i = 0; i < 2; i++) {
          const xx = xi + i;
          if (xx < 0 || xx >= W) continue;
          const w = wy * (i ? fx : 1 - fx);
          const p = (yy * W + xx) * 3;
          r += w * rgb[p]!;
          g += w * rgb[p + 1]!;
          b += w * rgb[p + 2]!;
        }
      }
      if (accumulate) {
        out[o] = out[o]! + Math.fround(r * mul + add);
        out[o + 1] = out[o + 1]! + Math.fround(g * mul + add);
        out[o + 2] = out[o + 2]! + Math.fround(b * mul + add);
      } else {
        out[o] = r * mul + add;
        out[o + 1] = g * mul + add;
        out[o + 2] = b * mul + add;
      }
      o += 3;
    }
  }
  return out;
}

/** Luma (BT.601) of an RGB float crop made with mul=1, add=0. */
export function lumaOf(rgb: Float32Array): Float32Array {
  const n = rgb.length / 3;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!;
  return y;
}

/** The detector input: the whole image letterboxed (top-left) into an n×n square. */
export function letterbox(img: DecodedImage, pyr: Pyramid, n: number, out = new Float32Array(n * n * 3)): { input: Float32Array; side: number } {
  const side = Math.max(img.width, img.height);
  const input = sampleCrop(pyr, { cx: side / 2, cy: side / 2, size: side, angle: 0 }, n, 1 / 127.5, -1, out);
  // sampleCrop reads outside pixels as 0 → -1 after normalising, matching zero padding of the
  // image before normalisation in Human (pad with 0, then /127.5 - 1).
  return { input, side };
}
