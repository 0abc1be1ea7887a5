// The gallery's search kernels (./search.as.ts, WebAssembly SIMD), compiled once per process.
// null where this Node/V8 has no WebAssembly SIMD: the gallery then scans in plain JavaScript.
import { SEARCH_WASM_BASE64 } from './search.wasm';

export interface SearchKernels {
  scanF32(rows: number, dims: number, n: number, cls: number, allowed: number, all: number, q: number, out: number): number;
  searchI8(
    q8: number,
    rows: number,
    dims: number,
    n: number,
    inv: number,
    resid: number,
    cls: number,
    allowed: number,
    all: number,
    qq: number,
    qinv: number,
    nb: number,
    eq: number,
    q64: number,
    cand: number,
    out: number,
  ): number;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernels, or null when WebAssembly SIMD is unavailable here. */
export function searchModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  const bytes = Buffer.from(SEARCH_WASM_BASE64, 'base64');
  try {
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** The kernels working in `memory`. */
export function searchKernels(memory: WebAssembly.Memory): SearchKernels {
  const m = searchModule();
  if (!m) throw new Error('WebAssembly SIMD is not available in this Node.js');
  return new WebAssembly.Instance(m, { env: { memory } }).exports as unknown as SearchKernels;
}
