// Pixel sampling for model inputs and measurements: an image pyramid (2x2 box averaging, built
// lazily) and rotated square crops sampled bilinearly from the pyramid level that matches the
// output scale, so large downscales do not alias. Pixels outside the image read as black. The
// pixel loops run in WebAssembly (./wasm/pixels.as.ts); the pyramid lives in its memory.
import type { DecodedImage } from './decode';
import { PixelMemory } from './wasm/pixels';

/** One pyramid level: RGB bytes at `ptr` in the pyramid's pixel memory. */
export interface Level {
  ptr: number;
  width: number;
  height: number;
}

export class Pyramid {
  readonly levels: Level[];
  readonly mem: PixelMemory;
  private scratch = { ptr: 0, floats: 0 };

  constructor(img: { rgb: Uint8Array; width: number; height: number }) {
    const bytes = img.width * img.height * 3;
    // the image, about a third more for the levels, and a 256x256 RGB float crop
    this.mem = PixelMemory.take(Math.ceil(bytes * 1.34) + 256 * 256 * 12 + 4096);
    const ptr = this.mem.alloc(bytes);
    this.mem.bytes(ptr, bytes).set(img.rgb);
    this.levels = [{ ptr, width: img.width, height: img.height }];
  }

  level(k: number): Level {
    while (this.levels.length <= k) {
      const src = this.levels[this.levels.length - 1]!;
      const w = Math.max(1, src.width >> 1);
      const h = Math.max(1, src.height >> 1);
      if (w === src.width && h === src.height) return src;
      const ptr = this.mem.alloc(w * h * 3);
      this.mem.kernels.halve(src.ptr, src.width, src.height, ptr, w, h);
      this.levels.push({ ptr, width: w, height: h });
    }
    return this.levels[k]!;
  }

  /** Done with this photo: its pixel memory goes back for the next one. */
  release(): void {
    this.mem.release();
  }

  /** A float buffer for sampled crops, reused call after call. */
  crop(floats: number): number {
    if (floats > this.scratch.floats) this.scratch = { ptr: this.mem.alloc(floats * 4), floats };
    return this.scratch.ptr;
  }
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
  return sampleGrid(pyr, crop, n, n, n, mul, add, out);
}

/** The pyramid level for `step` working pixels per output pixel, and its scale (1/2^k). */
function levelFor(pyr: Pyramid, step: number): [Level, number] {
  const k = Math.max(0, Math.min(8, Math.floor(Math.log2(Math.max(1, step)))));
  return [pyr.level(k), 1 / 2 ** k];
}

/** The top-left nx×ny pixels of the crop's n×n sampling grid (see sampleCrop) into `out`. */
function sampleGrid(pyr: Pyramid, crop: Crop, n: number, nx: number, ny: number, mul: number, add: number, out: Float32Array): Float32Array {
  const [lv, f] = levelFor(pyr, crop.size / n);
  const ptr = pyr.crop(nx * ny * 3);
  sampleAt(pyr, lv, f, crop, n, nx, ny, mul, add, ptr, false);
  out.set(pyr.mem.floats(ptr, nx * ny * 3));
  return out;
}

/**
 * Like sampleCrop, but each output pixel averages 2x2 bilinear taps spread over its footprint,
 * so scale steps between pyramid levels do not alias (used for measurements, where aliasing
 * would pass for detail).
 */
export function sampleCropSmooth(pyr: Pyramid, crop: Crop, n: number): Float32Array {
  const acc = pyr.crop(n * n * 3);
  pyr.mem.floats(acc, n * n * 3).fill(0);
  const step = crop.size / n;
  const c = Math.cos(crop.angle);
  const s = Math.sin(crop.angle);
  const [lv, f] = levelFor(pyr, step);
  for (const [du, dv] of [[-0.25, -0.25], [0.25, -0.25], [-0.25, 0.25], [0.25, 0.25]] as const) {
    const dx = (c * du - s * dv) * step;
    const dy = (s * du + c * dv) * step;
    // each tap pass is added into acc as it is sampled (as float32, like a sampled crop)
    sampleAt(pyr, lv, f, { ...crop, cx: crop.cx + dx, cy: crop.cy + dy }, n, n, n, 0.25, 0, acc, true);
  }
  return pyr.mem.floats(acc, n * n * 3).slice();
}

/**
 * Samples the top-left nx×ny pixels of the crop's n×n grid into the float buffer at `out`;
 * with `accumulate`, adds each (float32) sample to what it holds.
 */
function sampleAt(pyr: Pyramid, lv: Level, f: number, crop: Crop, n: number, nx: number, ny: number, mul: number, add: number, out: number, accumulate: boolean): void {
  const step = crop.size / n;
  const c = Math.cos(crop.angle) * step * f;
  const s = Math.sin(crop.angle) * step * f;
  // image point for output pixel centre (u+0.5, v+0.5), in level coordinates, minus 0.5 for pixel centres
  const x0 = crop.cx * f - 0.5 - (c * n) / 2 + (s * n) / 2;
  const y0 = crop.cy * f - 0.5 - (s * n) / 2 - (c * n) / 2;
  pyr.mem.kernels.sample(lv.ptr, lv.width, lv.height, x0, y0, c, s, nx, ny, mul, add, out, accumulate ? 1 : 0);
}

/** Luma (BT.601) of an RGB float crop made with mul=1, add=0. */
export function lumaOf(rgb: Float32Array): Float32Array {
  const n = rgb.length / 3;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!;
  return y;
}

/**
 * The detector input: the whole image scaled so its longer side fills n pixels, at the top
 * left of a width×height rectangle (each a multiple of `multiple`, the longer one n) that
 * leaves as little padding as it can; the padding is black. `side` is the working-image
 * length of n detector pixels.
 */
export function letterbox(img: DecodedImage, pyr: Pyramid, n: number, multiple: number, out?: Float32Array): { input: Float32Array; width: number; height: number; side: number } {
  const side = Math.max(img.width, img.height);
  const fit = (len: number) => Math.min(n, Math.max(multiple, Math.ceil(((len / side) * n) / multiple) * multiple));
  const width = fit(img.width);
  const height = fit(img.height);
  const floats = width * height * 3;
  const buf = out && out.length >= floats ? out.subarray(0, floats) : new Float32Array(floats);
  // outside pixels read as 0 → -1 after normalising, as Human pads the image (0, then /127.5 - 1)
  const input = sampleGrid(pyr, { cx: side / 2, cy: side / 2, size: side, angle: 0 }, n, width, height, 1 / 127.5, -1, buf);
  return { input, width, height, side };
}
