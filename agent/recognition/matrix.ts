// The gallery's rows laid out for the search kernels (./wasm/search.as.ts), in one WebAssembly
// memory (or a plain ArrayBuffer for the JavaScript scan), structure of arrays, `cap` rows:
//   rows   float32 unit vectors, dims per row        q8     the same quantised to int8
//   inv    float32 per row: q8 × inv ≈ the row        resid  float32 per row: |row − q8 × inv|
//   cls    int32 per row: its permission class       allowed one byte per class for this query
//   cand   (row, upper bound) pairs for the re-rank  then the query (float32, int16, float64)
// Rows 0..n-1 are in use; a delete moves the last row into the hole. Growing past `cap` makes a
// memory twice the size and copies the rows over (amortised; nothing is allocated per query).
//
// Kernels: 'i8' (default with WebAssembly SIMD) — exact: int8 rows × int16 query bound each
// row's score, the rows that may be best are re-ranked in float64; 'f32' — a float32x4 scan of
// every row; 'js' — the plain JavaScript scan (no SIMD here, and the benchmark's baseline).
// Every kernel returns the float64 dot product of the best row with the float64 query.
//
// The bound of 'i8': with x the row, a = q8·inv, ex = x − a (|ex| = resid), y the unit query,
// b = qq·qinv its int16 form, ey = y − b:  x·y − a·b = x·ey + ex·b, so
// |x·y − a·b| ≤ |ey| + resid·|b| (|x| = 1), plus slack for the float32 arithmetic of a·b.
import { searchKernels, searchModule, type SearchKernels } from './wasm/search';

export type Kernel = 'i8' | 'f32' | 'js';

const PAGE = 65536;
/** covers float32 rounding of the approximate score and of the bounds (errors of order 1e-7) */
const SLACK = 1e-5;
/** the int16 query's scale: |dot| ≤ dims × 127 × 16383 stays inside int32 for dims ≤ 1024 */
const Q16 = 16383;

/** The fastest exact kernel this process can run for `dims`. */
export function defaultKernel(dims: number): Kernel {
  return dims % 16 === 0 && dims <= 1024 && searchModule() ? 'i8' : 'js';
}

interface Layout {
  rows: number;
  q8: number;
  inv: number;
  resid: number;
  cls: number;
  allowed: number;
  cand: number;
  qf32: number;
  q16: number;
  q64: number;
  out: number;
  bytes: number;
}

function layout(cap: number, d: number): Layout {
  let top = 0;
  const take = (bytes: number) => {
    const at = top;
    top = (top + bytes + 15) & ~15;
    return at;
  };
  const l = {
    rows: take(cap * d * 4),
    q8: take(cap * d),
    inv: take(cap * 4),
    resid: take(cap * 4),
    cls: take(cap * 4),
    allowed: take(cap),
    cand: take(cap * 8),
    qf32: take(d * 4),
    q16: take(d * 2),
    q64: take(d * 8),
    out: take(16),
  };
  return { ...l, bytes: top };
}

export class RowMatrix {
  readonly kernel: Kernel;
  private cap = 0;
  private n = 0;
  private l!: Layout;
  private k: SearchKernels | null = null;
  private rows!: Float32Array;
  private q8!: Int8Array;
  private inv!: Float32Array;
  private resid!: Float32Array;
  private cls!: Int32Array;
  private allowed!: Uint8Array;
  private qf32!: Float32Array;
  private q16!: Int16Array;
  private q64!: Float64Array;
  private buf!: ArrayBuffer;

  constructor(
    readonly dims: number,
    capacity = 1024,
    kernel: Kernel = defaultKernel(dims),
  ) {
    if (kernel !== 'js' && (dims % 16 !== 0 || dims > 1024 || !searchModule())) throw new Error(`the ${kernel} search kernel needs WebAssembly SIMD and dims a multiple of 16 up to 1024 (dims ${dims})`);
    this.kernel = kernel;
    this.allocate(Math.max(16, capacity));
  }

  get size(): number {
    return this.n;
  }

  get capacity(): number {
    return this.cap;
  }

  private allocate(cap: number): void {
    const old = this.n > 0 ? { l: this.l, buf: this.buf } : null;
    const l = layout(cap, this.dims);
    if (this.kernel === 'js') {
      this.buf = new ArrayBuffer(l.bytes);
    } else {
      const memory = new WebAssembly.Memory({ initial: Math.ceil(l.bytes / PAGE) });
      this.k = searchKernels(memory);
      this.buf = memory.buffer;
    }
    const d = this.dims;
    const b = this.buf;
    this.rows = new Float32Array(b, l.rows, cap * d);
    this.q8 = new Int8Array(b, l.q8, cap * d);
    this.inv = new Float32Array(b, l.inv, cap);
    this.resid = new Float32Array(b, l.resid, cap);
    this.cls = new Int32Array(b, l.cls, cap);
    this.allowed = new Uint8Array(b, l.allowed, cap);
    this.qf32 = new Float32Array(b, l.qf32, d);
    this.q16 = new Int16Array(b, l.q16, d);
    this.q64 = new Float64Array(b, l.q64, d);
    if (old) {
      const n = this.n;
      this.rows.set(new Float32Array(old.buf, old.l.rows, n * d));
      this.q8.set(new Int8Array(old.buf, old.l.q8, n * d));
      this.inv.set(new Float32Array(old.buf, old.l.inv, n));
      this.resid.set(new Float32Array(old.buf, old.l.resid, n));
      this.cls.set(new Int32Array(old.buf, old.l.cls, n));
    }
    this.l = l;
    this.cap = cap;
  }

  classOf(r: number): number {
    return this.cls[r]!;
  }

  setClass(r: number, c: number): void {
    this.cls[r] = c;
  }

  /** Writes row `r` (r = size appends) from a unit vector, with its permission class. */
  put(r: number, unit: ArrayLike<number>, c: number): void {
    if (r > this.n) throw new Error(`row ${r} past the end (${this.n})`);
    if (r === this.n) {
      if (r === this.cap) this.allocate(this.cap * 2);
      this.n++;
    }
    const d = this.dims;
    const off = r * d;
    let max = 0;
    for (let i = 0; i < d; i++) {
      const x = (this.rows[off + i] = unit[i]!);
      if (Math.abs(x) > max) max = Math.abs(x);
    }
    this.cls[r] = c;
    if (this.kernel !== 'i8') return;
    const inv = Math.fround(max / 127);
    let e2 = 0;
    for (let i = 0; i < d; i++) {
      const x = this.rows[off + i]!;
      const q = inv === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(x / inv)));
      this.q8[off + i] = q;
      e2 += (x - q * inv) ** 2;
    }
    this.inv[r] = inv;
    this.resid[r] = Math.sqrt(e2) * (1 + 1e-6) + 1e-9; // rounded up, never below the true residual
  }

  /** Moves the last row into row `r` and drops the last. */
  removeAt(r: number): void {
    const last = this.n - 1;
    if (r < 0 || r > last) throw new Error(`no row ${r}`);
    if (r !== last) {
      const d = this.dims;
      this.rows.copyWithin(r * d, last * d, (last + 1) * d);
      this.q8.copyWithin(r * d, last * d, (last + 1) * d);
      this.inv[r] = this.inv[last]!;
      this.resid[r] = this.resid[last]!;
      this.cls[r] = this.cls[last]!;
    }
    this.n = last;
  }

  clear(): void {
    this.n = 0;
  }

  /**
   * The best row for the unit query `q` (float64) among the rows whose class is allowed
   * (`allowed[class] !== 0`; null = every row), with its float64 score; null when none.
   */
  search(q: Float64Array, allowed: Uint8Array | null): { row: number; score: number } | null {
    const d = this.dims;
    if (q.length !== d) throw new Error(`query has ${q.length} values, the rows ${d}`);
    if (this.n === 0) return null;
    const all = allowed === null ? 1 : 0;
    if (allowed && this.kernel !== 'js') this.allowed.set(allowed.length > this.cap ? allowed.subarray(0, this.cap) : allowed);
    let row: number;
    if (this.kernel === 'js') {
      row = this.scanJs(q, allowed);
    } else if (this.kernel === 'f32') {
      for (let i = 0; i < d; i++) this.qf32[i] = q[i]!;
      const l = this.l;
      row = this.k!.scanF32(l.rows, d, this.n, l.cls, l.allowed, all, l.qf32, l.out);
    } else {
      row = this.searchI8(q, all);
    }
    return row < 0 ? null : { row, score: this.dot(row, q) };
  }

  private searchI8(q: Float64Array, all: number): number {
    const d = this.dims;
    let max = 0;
    for (let i = 0; i < d; i++) {
      this.q64[i] = q[i]!;
      if (Math.abs(q[i]!) > max) max = Math.abs(q[i]!);
    }
    const qinv = Math.fround(max / Q16);
    let nb = 0;
    let ne = 0;
    for (let i = 0; i < d; i++) {
      const qq = qinv === 0 ? 0 : Math.max(-32767, Math.min(32767, Math.round(q[i]! / qinv)));
      this.q16[i] = qq;
      nb += (qq * qinv) ** 2;
      ne += (q[i]! - qq * qinv) ** 2;
    }
    const l = this.l;
    return this.k!.searchI8(l.q8, l.rows, d, this.n, l.inv, l.resid, l.cls, l.allowed, all, l.q16, qinv, Math.sqrt(nb) * (1 + 1e-6), Math.sqrt(ne) + SLACK, l.q64, l.cand, l.out);
  }

  /** The plain scan: four float64 accumulators per row, the class checked first. */
  private scanJs(q: Float64Array, allowed: Uint8Array | null): number {
    const d = this.dims;
    const data = this.rows;
    const cls = this.cls;
    const n = this.n;
    let best = -Infinity;
    let bestRow = -1;
    const d4 = d - (d % 4);
    for (let r = 0, off = 0; r < n; r++, off += d) {
      if (allowed !== null && !allowed[cls[r]!]) continue;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i < d4; i += 4) {
        s0 += data[off + i]! * q[i]!;
        s1 += data[off + i + 1]! * q[i + 1]!;
        s2 += data[off + i + 2]! * q[i + 2]!;
        s3 += data[off + i + 3]! * q[i + 3]!;
      }
      for (; i < d; i++) s0 += data[off + i]! * q[i]!;
      const s = s0 + s1 + s2 + s3;
      if (s > best) {
        best = s;
        bestRow = r;
      }
    }
    return bestRow;
  }

  /** float64 dot product of row `r` with `q`. */
  dot(r: number, q: ArrayLike<number>): number {
    const d = this.dims;
    const off = r * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += this.rows[off + i]! * q[i]!;
    return s;
  }
}
