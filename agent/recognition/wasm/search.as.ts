// 1:N search kernels of the recognition gallery, in AssemblyScript (compiled to WebAssembly with
// SIMD by build/wasm.ts; the result is embedded in ./search.wasm.ts). The gallery (../gallery.ts)
// lays its rows out in the imported memory; pointers are byte offsets into it, all 16-aligned,
// `dims` a multiple of 16.
//
// Per row r: the unit vector in float32 (rows + r*dims*4), the same vector quantised to int8
// (q8 + r*dims; x ≈ q8 * inv[r]), the norm of that quantisation's residual (resid[r]) and the
// row's permission class (cls[r]; allowed[class] != 0 when the query may see it, or all != 0).
//
// searchI8 is exact for the decision: a first pass of integer dot products (int8 rows × int16
// query) bounds every row's true score within ±(resid[r]·|b| + eq) (see ../gallery.ts for the
// bound), keeps the rows whose upper bound reaches the best lower bound seen, and re-ranks
// those in float64 from the float32 rows. scanF32 is the plain float32x4 scan of every row.

/** The best allowed row by float32x4 dot products, its score (float32 sum) stored at `out`; -1 when none. */
export function scanF32(rows: usize, dims: i32, n: i32, cls: usize, allowed: usize, all: i32, q: usize, out: usize): i32 {
  let best: f32 = -Infinity;
  let bestRow = -1;
  const rowBytes = <usize>dims << 2;
  let p = rows;
  for (let r = 0; r < n; r++, p += rowBytes) {
    if (all == 0 && load<u8>(allowed + <usize>load<i32>(cls + (<usize>r << 2))) == 0) continue;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let i: usize = 0; i < rowBytes; i += 64) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load(p + i), v128.load(q + i)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(p + i + 16), v128.load(q + i + 16)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(p + i + 32), v128.load(q + i + 32)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(p + i + 48), v128.load(q + i + 48)));
    }
    const a = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    const s = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
    if (s > best) {
      best = s;
      bestRow = r;
    }
  }
  store<f32>(out, best);
  return bestRow;
}

/** float64 dot product of the float32 row at `p` with the float64 query at `q64`. */
function dot64(p: usize, q64: usize, dims: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  const end = p + (<usize>dims << 2);
  let q = q64;
  for (; p < end; p += 16, q += 32) {
    const v = v128.load(p);
    a0 = f64x2.add(a0, f64x2.mul(f64x2.promote_low_f32x4(v), v128.load(q)));
    a1 = f64x2.add(a1, f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), v128.load(q + 16)));
  }
  const a = f64x2.add(a0, a1);
  return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
}

/**
 * The best allowed row, exactly: int8 × int16 first pass with error bounds, float64 re-rank of
 * the rows that may be best. `qq`: the query quantised to int16 (b = qq * qinv), `nb` = |b|,
 * `eq` = |query − b| plus rounding slack; `q64`: the unit query in float64; `cand`: room for n
 * (row, upper bound) pairs. The score (float64) is stored at `out`; -1 when no row is allowed.
 */
export function searchI8(
  q8: usize,
  rows: usize,
  dims: i32,
  n: i32,
  inv: usize,
  resid: usize,
  cls: usize,
  allowed: usize,
  all: i32,
  qq: usize,
  qinv: f32,
  nb: f32,
  eq: f32,
  q64: usize,
  cand: usize,
  out: usize,
): i32 {
  let floor: f32 = -Infinity; // the best lower bound so far: no row below it can win
  let c: usize = 0;
  let p = q8;
  const step = <usize>dims;
  const qEnd = qq + (<usize>dims << 1);
  for (let r = 0; r < n; r++, p += step) {
    const r4 = <usize>r << 2;
    if (all == 0 && load<u8>(allowed + <usize>load<i32>(cls + r4)) == 0) continue;
    let a0 = i32x4.splat(0);
    let a1 = i32x4.splat(0);
    let x = p;
    for (let q = qq; q < qEnd; q += 32, x += 16) {
      a0 = i32x4.add(a0, i32x4.dot_i16x8_s(v128.load8x8_s(x), v128.load(q)));
      a1 = i32x4.add(a1, i32x4.dot_i16x8_s(v128.load8x8_s(x + 8), v128.load(q + 16)));
    }
    const a = i32x4.add(a0, a1);
    const dot = i32x4.extract_lane(a, 0) + i32x4.extract_lane(a, 1) + i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3);
    const approx = <f32>dot * load<f32>(inv + r4) * qinv;
    const e = load<f32>(resid + r4) * nb + eq;
    const up = approx + e;
    if (up >= floor) {
      store<i32>(cand + (c << 3), r);
      store<f32>(cand + (c << 3) + 4, up);
      c++;
      const lo = approx - e;
      if (lo > floor) floor = lo;
    }
  }
  let best: f64 = -Infinity;
  let bestRow = -1;
  const rowBytes = <usize>dims << 2;
  for (let k: usize = 0; k < c; k++) {
    if (load<f32>(cand + (k << 3) + 4) < floor) continue;
    const r = load<i32>(cand + (k << 3));
    const s = dot64(rows + <usize>r * rowBytes, q64, dims);
    if (s > best) {
      best = s;
      bestRow = r;
    }
  }
  store<f64>(out, best);
  return bestRow;
}
