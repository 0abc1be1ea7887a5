// Pixel kernels of the face engine, in AssemblyScript (compiled to WebAssembly with SIMD by
// build/wasm.ts; the result is embedded in ./pixels.wasm.ts). Two hot loops that ran at about
// 20 ns per pixel in JavaScript: 2x2 box halving of an RGB image (the pyramid) and bilinear
// sampling of rotated square crops (every model input and measurement crop).
//
// Pointers are byte offsets into the imported memory. Callers leave 16 bytes of slack after
// every buffer: the vector loads and stores may touch up to 16 bytes past the last pixel
// (never changing a byte that belongs to another buffer's pixels).

/** 2x2 box average of the RGB image at `src` (sw×sh) into `dst` (w×h, w = sw >> 1, h = sh >> 1). */
export function halve(src: usize, sw: i32, sh: i32, dst: usize, w: i32, h: i32): void {
  const row = <usize>sw * 3;
  const dx: usize = sw > 1 ? 3 : 0; // a 1-pixel-wide source repeats its edge
  const two = i16x8.splat(2);
  for (let y = 0; y < h; y++) {
    const a = src + <usize>(2 * y) * row;
    const b = src + <usize>min(2 * y + 1, sh - 1) * row;
    let o = dst + <usize>y * <usize>w * 3;
    let x = 0;
    if (dx == 3) {
      // two output pixels per step: 12 source bytes from each row (16 loaded, 4 ignored)
      for (; x + 2 <= w; x += 2, o += 6) {
        const p = <usize>x * 6;
        const va = v128.load(a + p);
        const vb = v128.load(b + p);
        // left pixel of each pair in lanes 0-5 (row a) and 8-13 (row b); right pixel likewise
        const l = i8x16.shuffle(va, vb, 0, 1, 2, 6, 7, 8, 0, 0, 16, 17, 18, 22, 23, 24, 16, 16);
        const r = i8x16.shuffle(va, vb, 3, 4, 5, 9, 10, 11, 0, 0, 19, 20, 21, 25, 26, 27, 16, 16);
        let s = i16x8.add(i16x8.extend_low_i8x16_u(l), i16x8.extend_high_i8x16_u(l));
        s = i16x8.add(s, i16x8.add(i16x8.extend_low_i8x16_u(r), i16x8.extend_high_i8x16_u(r)));
        s = i16x8.shr_u(i16x8.add(s, two), 2);
        v128.store64_lane(o, i8x16.narrow_i16x8_u(s, s), 0); // 6 bytes wanted, 8 written
      }
    }
    for (; x < w; x++, o += 3) {
      const p = <usize>x * 6;
      for (let c: usize = 0; c < 3; c++) {
        const v = <u32>load<u8>(a + p + c) + <u32>load<u8>(a + p + dx + c) + <u32>load<u8>(b + p + c) + <u32>load<u8>(b + p + dx + c);
        store<u8>(o + c, <u8>((v + 2) >> 2));
      }
    }
  }
}

/**
 * Bilinear samples of an nx×ny crop (nx columns, ny rows) of the RGB image at `src` (W×H) into
 * float32 RGB at `out`: output pixel (u, v) reads image point (x0 + c(u+½) − s(v+½), y0 + s(u+½) + c(v+½)) and
 * stores value·mul + add; with `accumulate`, adds that to what `out` holds. Neighbours outside
 * the image read as 0. Four output pixels per step share their coordinate and weight
 * arithmetic (float32, < 1e-3 px from exact); steps that touch the border go pixel by pixel.
 */
export function sample(src: usize, W: i32, H: i32, x0: f64, y0: f64, c: f64, s: f64, nx: i32, ny: i32, mul: f32, add: f32, out: usize, accumulate: bool): void {
  const row = <usize>W * 3;
  const vW = i32x4.splat(W);
  const maxX = f32x4.splat(<f32>(W - 1));
  const maxY = f32x4.splat(<f32>(H - 1));
  const zero = f32x4.splat(0);
  const minusOne = f32x4.splat(-1);
  const width = f32x4.splat(<f32>W);
  const height = f32x4.splat(<f32>H);
  const one = f32x4.splat(1);
  const three = i32x4.splat(3);
  const base = i32x4.splat(<i32>src);
  const c4 = f32x4.splat(<f32>c);
  const s4 = f32x4.splat(<f32>s);
  const iota = f32x4(0, 1, 2, 3);
  const vmul = f32x4.splat(mul);
  const vadd = f32x4.splat(add);
  let o = out;
  for (let v = 0; v < ny; v++) {
    const xr = x0 + c * 0.5 - s * (<f64>v + 0.5);
    const yr = y0 + s * 0.5 + c * (<f64>v + 0.5);
    const xr4 = f32x4.splat(<f32>xr);
    const yr4 = f32x4.splat(<f32>yr);
    let u = 0;
    for (; u + 4 <= nx; u += 4, o += 48) {
      const uf = f32x4.add(f32x4.splat(<f32>u), iota);
      const x = f32x4.add(xr4, f32x4.mul(c4, uf));
      const y = f32x4.add(yr4, f32x4.mul(s4, uf));
      const inside = v128.and(v128.and(f32x4.ge(x, zero), f32x4.ge(y, zero)), v128.and(f32x4.lt(x, maxX), f32x4.lt(y, maxY)));
      if (!i32x4.all_true(inside)) {
        const away = v128.or(v128.or(f32x4.lt(x, minusOne), f32x4.lt(y, minusOne)), v128.or(f32x4.ge(x, width), f32x4.ge(y, height)));
        if (i32x4.all_true(away)) {
          // all four pixels wholly outside the image (the letterbox's padding): black
          for (let j: usize = 0; j < 48; j += 12) put(o + j, vadd, accumulate);
          continue;
        }
        for (let j = 0; j < 4; j++) pixel(src, W, H, xr + c * <f64>(u + j), yr + s * <f64>(u + j), vmul, vadd, accumulate, o + <usize>j * 12);
        continue;
      }
      // all four pixels have their four neighbours inside: floor = truncation
      const xi = i32x4.trunc_sat_f32x4_s(x);
      const yi = i32x4.trunc_sat_f32x4_s(y);
      const fx = f32x4.sub(x, f32x4.convert_i32x4_s(xi));
      const fy = f32x4.sub(y, f32x4.convert_i32x4_s(yi));
      const w11 = f32x4.mul(fx, fy);
      const w01 = f32x4.sub(fx, w11);
      const w10 = f32x4.sub(fy, w11);
      const w00 = f32x4.sub(f32x4.sub(one, fx), w10);
      const at = i32x4.add(base, i32x4.mul(i32x4.add(i32x4.mul(yi, vW), xi), three));
      bilinear(<usize>i32x4.extract_lane(at, 0), row, i32x4.shuffle(w00, w00, 0, 0, 0, 0), i32x4.shuffle(w01, w01, 0, 0, 0, 0), i32x4.shuffle(w10, w10, 0, 0, 0, 0), i32x4.shuffle(w11, w11, 0, 0, 0, 0), vmul, vadd, accumulate, o);
      bilinear(<usize>i32x4.extract_lane(at, 1), row, i32x4.shuffle(w00, w00, 1, 1, 1, 1), i32x4.shuffle(w01, w01, 1, 1, 1, 1), i32x4.shuffle(w10, w10, 1, 1, 1, 1), i32x4.shuffle(w11, w11, 1, 1, 1, 1), vmul, vadd, accumulate, o + 12);
      bilinear(<usize>i32x4.extract_lane(at, 2), row, i32x4.shuffle(w00, w00, 2, 2, 2, 2), i32x4.shuffle(w01, w01, 2, 2, 2, 2), i32x4.shuffle(w10, w10, 2, 2, 2, 2), i32x4.shuffle(w11, w11, 2, 2, 2, 2), vmul, vadd, accumulate, o + 24);
      bilinear(<usize>i32x4.extract_lane(at, 3), row, i32x4.shuffle(w00, w00, 3, 3, 3, 3), i32x4.shuffle(w01, w01, 3, 3, 3, 3), i32x4.shuffle(w10, w10, 3, 3, 3, 3), i32x4.shuffle(w11, w11, 3, 3, 3, 3), vmul, vadd, accumulate, o + 36);
    }
    for (; u < nx; u++, o += 12) pixel(src, W, H, xr + c * <f64>u, yr + s * <f64>u, vmul, vadd, accumulate, o);
  }
}

/** Writes (or adds) pixel value r (RGB in lanes 0-2) at o; lane 3 spills onto the next pixel's R. */
// @ts-ignore: decorator
@inline function put(o: usize, r: v128, accumulate: bool): void {
  if (accumulate) v128.store(o, f32x4.add(v128.load(o), f32x4.replace_lane(r, 3, 0)));
  else v128.store(o, r);
}

/** Bilinear blend of the 2x2 pixels at p (row stride `row`), scaled: the value for output o. */
// @ts-ignore: decorator
@inline function bilinear(p: usize, row: usize, w00: v128, w01: v128, w10: v128, w11: v128, mul: v128, add: v128, accumulate: bool, o: usize): void {
  let r = f32x4.mul(rgbf(p), w00);
  r = f32x4.add(r, f32x4.mul(rgbf(p + 3), w01));
  r = f32x4.add(r, f32x4.mul(rgbf(p + row), w10));
  r = f32x4.add(r, f32x4.mul(rgbf(p + row + 3), w11));
  put(o, f32x4.add(f32x4.mul(r, mul), add), accumulate);
}

/** One output pixel at image point (x, y), any position: neighbours outside the image read as 0. */
function pixel(src: usize, W: i32, H: i32, x: f64, y: f64, mul: v128, add: v128, accumulate: bool, o: usize): void {
  const fxi = Math.floor(x);
  const fyi = Math.floor(y);
  if (fxi < -1 || fyi < -1 || fxi >= <f64>W || fyi >= <f64>H) {
    put(o, add, accumulate); // all four neighbours outside: black
    return;
  }
  const xi = <i32>fxi;
  const yi = <i32>fyi;
  const fx = x - fxi;
  const fy = y - fyi;
  let r = f32x4.splat(0);
  for (let j = 0; j < 2; j++) {
    const yy = yi + j;
    if (yy < 0 || yy >= H) continue;
    const wy = j ? fy : 1 - fy;
    for (let i = 0; i < 2; i++) {
      const xx = xi + i;
      if (xx < 0 || xx >= W) continue;
      const w = <f32>(wy * (i ? fx : 1 - fx));
      r = f32x4.add(r, f32x4.mul(rgbf(src + (<usize>yy * <usize>W + <usize>xx) * 3), f32x4.splat(w)));
    }
  }
  put(o, f32x4.add(f32x4.mul(r, mul), add), accumulate);
}

/** The pixel at p as float32 lanes (R, G, B, next pixel's R). */
// @ts-ignore: decorator
@inline function rgbf(p: usize): v128 {
  return f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p))));
}
