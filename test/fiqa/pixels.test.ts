// The WebAssembly pixel kernels (agent/face/wasm) against plain reference implementations:
// pyramid halving exactly, bilinear crop sampling within float32 rounding, on random images of
// awkward sizes, rotated crops, crops partly or wholly outside the image, and accumulation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileKernels, kernelModuleText, KERNEL_MODULE } from '../../build/wasm';
import { Pyramid, sampleCrop, sampleCropSmooth, type Crop } from '../../agent/face/image';

type Img = { rgb: Uint8Array; width: number; height: number };

function randomImage(width: number, height: number, seed: number): Img {
  const rgb = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < rgb.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    rgb[i] = s >>> 24;
  }
  return { rgb, width, height };
}

function halveRef(src: Img) {
  const w = Math.max(1, src.width >> 1);
  const h = Math.max(1, src.height >> 1);
  const out = new Uint8Array(w * h * 3);
  const at = (x: number, y: number, c: number) => src.rgb[(Math.min(y, src.height - 1) * src.width + Math.min(x, src.width - 1)) * 3 + c]!;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = (at(2 * x, 2 * y, c) + at(2 * x + 1, 2 * y, c) + at(2 * x, 2 * y + 1, c) + at(2 * x + 1, 2 * y + 1, c) + 2) >> 2;
    }
  }
  return { rgb: out, width: w, height: h };
}

/**
 * Bilinear sample of an n×n rotated crop in float64, outside pixels 0 (the engine's
 * definition), from the pyramid level that matches the scale (level k: 2^k source pixels per
 * level pixel, chosen as floor(log2(crop pixels per output pixel))).
 */
function sampleRef(src: Img, crop: Crop, n: number, mul: number, add: number) {
  const out = new Float32Array(n * n * 3);
  const step = crop.size / n;
  const k = Math.max(0, Math.min(8, Math.floor(Math.log2(Math.max(1, step)))));
  let img = src;
  for (let i = 0; i < k; i++) img = halveRef(img);
  const f = 1 / 2 ** k;
  const c = Math.cos(crop.angle);
  const s = Math.sin(crop.angle);
  const px = (x: number, y: number, ch: number) => (x < 0 || y < 0 || x >= img.width || y >= img.height ? 0 : img.rgb[(y * img.width + x) * 3 + ch]!);
  for (let v = 0; v < n; v++) {
    for (let u = 0; u < n; u++) {
      const dx = (u + 0.5 - n / 2) * step;
      const dy = (v + 0.5 - n / 2) * step;
      const x = (crop.cx + c * dx - s * dy) * f - 0.5;
      const y = (crop.cy + s * dx + c * dy) * f - 0.5;
      const xi = Math.floor(x);
      const yi = Math.floor(y);
      const fx = x - xi;
      const fy = y - yi;
      for (let ch = 0; ch < 3; ch++) {
        const val = (1 - fx) * (1 - fy) * px(xi, yi, ch) + fx * (1 - fy) * px(xi + 1, yi, ch) + (1 - fx) * fy * px(xi, yi + 1, ch) + fx * fy * px(xi + 1, yi + 1, ch);
        out[(v * n + u) * 3 + ch] = val * mul + add;
      }
    }
  }
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): { diff: number; at: number } {
  assert.equal(a.length, b.length);
  let diff = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > diff) [diff, at] = [d, i];
  }
  return { diff, at };
}

test('the embedded kernels are what build/wasm.ts compiles from pixels.as.ts today', { timeout: 60_000 }, async () => {
  const fresh = kernelModuleText(await compileKernels());
  assert.equal(readFileSync(KERNEL_MODULE, 'utf8'), fresh, 'run npm run build:wasm');
});

test('pyramid levels are exact 2x2 averages, for even, odd and 1-pixel sizes', () => {
  for (const [w, h] of [[64, 48], [37, 21], [1, 9], [9, 1], [3, 3], [2, 2], [250, 3]] as const) {
    const img = randomImage(w, h, w * 31 + h);
    const pyr = new Pyramid(img);
    let ref = img;
    for (let k = 1; k <= 3; k++) {
      const lv = pyr.level(k);
      ref = halveRef(ref);
      if (lv.width === pyr.level(k - 1).width && lv.height === pyr.level(k - 1).height) break; // 1x1 reached
      assert.deepEqual([lv.width, lv.height], [ref.width, ref.height], `${w}x${h} level ${k} size`);
      assert.deepEqual(pyr.mem.bytes(lv.ptr, ref.rgb.length), ref.rgb, `${w}x${h} level ${k} pixels`);
    }
    assert.deepEqual(pyr.mem.bytes(pyr.levels[0]!.ptr, img.rgb.length), img.rgb, `${w}x${h}: the image itself is untouched`);
    pyr.release();
  }
});

test('crops match a float64 bilinear reference: rotated, on the border, outside, any n', () => {
  const img = randomImage(203, 131, 7);
  const pyr = new Pyramid(img);
  const crops: Array<[Crop, number, number, number]> = [
    [{ cx: 100, cy: 60, size: 80, angle: 0 }, 64, 1, 0], // inside, upsampled
    [{ cx: 90, cy: 70, size: 120, angle: 0.1 }, 40, 1, 0], // downsampled: from level 1
    [{ cx: 100, cy: 60, size: 90, angle: 0.37 }, 61, 1 / 255, 0], // rotated, n not a multiple of 4
    [{ cx: 10, cy: 120, size: 70, angle: -1.2 }, 48, 1 / 127.5, -1], // over two borders
    [{ cx: 101.5, cy: 65.5, size: 203, angle: 0 }, 33, 1, 0], // the whole image from level 2
    [{ cx: -500, cy: -500, size: 50, angle: 0.5 }, 16, 1, -1], // wholly outside: black → add
    [{ cx: 150, cy: 40, size: 30, angle: Math.PI }, 7, 1, 0], // upside down, tiny n
  ];
  for (const [crop, n, mul, add] of crops) {
    const got = sampleCrop(pyr, crop, n, mul, add);
    const { diff, at } = maxDiff(got, sampleRef(img, crop, n, mul, add));
    assert.ok(diff <= 0.01 * Math.abs(mul) + 1e-6, `crop ${JSON.stringify(crop)} n=${n}: max diff ${diff} at ${at}`);
  }
  pyr.release();
});

test('the smooth sampler is the mean of four shifted bilinear crops', () => {
  const img = randomImage(160, 120, 3);
  const pyr = new Pyramid(img);
  const crop: Crop = { cx: 70, cy: 55, size: 100, angle: 0.2 };
  const n = 50;
  const got = sampleCropSmooth(pyr, crop, n);
  const step = crop.size / n;
  const [c, s] = [Math.cos(crop.angle), Math.sin(crop.angle)];
  const want = new Float32Array(n * n * 3);
  for (const [du, dv] of [[-0.25, -0.25], [0.25, -0.25], [-0.25, 0.25], [0.25, 0.25]] as const) {
    const shifted = sampleRef(img, { ...crop, cx: crop.cx + (c * du - s * dv) * step, cy: crop.cy + (s * du + c * dv) * step }, n, 0.25, 0);
    for (let i = 0; i < want.length; i++) want[i] = want[i]! + shifted[i]!;
  }
  const { diff, at } = maxDiff(got, want);
  assert.ok(diff <= 0.01, `max diff ${diff} at ${at}`);
  pyr.release();
});

test('two photos in progress at once keep separate pixel memories', () => {
  const a = new Pyramid(randomImage(40, 30, 1));
  const b = new Pyramid(randomImage(40, 30, 2));
  assert.notEqual(a.mem, b.mem);
  const crop: Crop = { cx: 20, cy: 15, size: 30, angle: 0 };
  const fromA = sampleCrop(a, crop, 16, 1, 0);
  sampleCrop(b, crop, 16, 1, 0);
  assert.deepEqual(sampleCrop(a, crop, 16, 1, 0), fromA);
  a.release();
  const c = new Pyramid(randomImage(40, 30, 3));
  assert.equal(c.mem, a.mem, 'a released memory is reused');
  b.release();
  c.release();
});
