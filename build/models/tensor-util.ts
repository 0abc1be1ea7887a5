// Small host-side tensor helpers for the converter: permute/reshape constants and evaluate
// constant sub-graphs (constant folding) with numpy-style broadcasting.
import type { TfConst } from './tfjs-graph';

type Arr = Float32Array | Int32Array | Uint16Array;

export function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** out[idx permuted] = data: out.shape[i] = shape[perm[i]] (numpy transpose semantics). */
export function permute<T extends Arr>(data: T, shape: number[], perm: number[]): T {
  const outShape = perm.map((p) => shape[p]!);
  const inStr = strides(shape);
  const outStr = strides(outShape);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const n = data.length;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let rem = o;
    let src = 0;
    for (let i = 0; i < rank; i++) {
      idx[i] = Math.floor(rem / outStr[i]!);
      rem -= idx[i]! * outStr[i]!;
      src += idx[i]! * inStr[perm[i]!]!;
    }
    out[o] = data[src]!;
  }
  return out;
}

export function permuteConst(c: TfConst, perm: number[]): TfConst {
  return {
    dtype: c.dtype,
    shape: perm.map((p) => c.shape[p]!),
    data: permute(c.data, c.shape, perm),
    half: c.half ? permute(c.half, c.shape, perm) : undefined,
  };
}

export function reshapeConst(c: TfConst, shape: number[]): TfConst {
  if (numel(shape) !== c.data.length) throw new Error(`reshape ${c.shape} -> ${shape}: size mismatch`);
  return { ...c, shape };
}

export function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`cannot broadcast ${a} with ${b}`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function broadcastIndex(shape: number[], outShape: number[]): (o: number) => number {
  const r = outShape.length;
  const padded = new Array<number>(r - shape.length).fill(1).concat(shape);
  const inStr = strides(padded);
  const outStr = strides(outShape);
  return (o) => {
    let rem = o;
    let src = 0;
    for (let i = 0; i < r; i++) {
      const k = Math.floor(rem / outStr[i]!);
      rem -= k * outStr[i]!;
      if (padded[i] !== 1) src += k * inStr[i]!;
    }
    return src;
  };
}

const BINARY: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  AddV2: (x, y) => x + y,
  BiasAdd: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  RealDiv: (x, y) => x / y,
  Maximum: (x, y) => Math.max(x, y),
  Minimum: (x, y) => Math.min(x, y),
};

const UNARY: Record<string, (x: number) => number> = {
  Identity: (x) => x,
  Neg: (x) => -x,
  Square: (x) => x * x,
  Sqrt: (x) => Math.sqrt(x),
  Rsqrt: (x) => 1 / Math.sqrt(x),
  Relu: (x) => Math.max(0, x),
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

export const FOLDABLE = new Set([...Object.keys(BINARY), ...Object.keys(UNARY), 'Reshape', 'Cast']);

/** Evaluates op on constant inputs (float32 maths like tfjs' cpu backend). */
export function evalConst(op: string, inputs: TfConst[], attrDstT?: string): TfConst {
  const [a, b] = inputs;
  if (!a) throw new Error(`${op}: no inputs`);
  const un = UNARY[op];
  if (un) {
    const out = new Float32Array(a.data.length);
    for (let i = 0; i < out.length; i++) out[i] = un(a.data[i]!);
    return { dtype: 'float32', shape: a.shape, data: a.dtype === 'int32' && op === 'Identity' ? a.data : out };
  }
  if (op === 'Cast') {
    const data = attrDstT === 'DT_INT32' ? Int32Array.from(a.data, (x) => Math.trunc(x)) : Float32Array.from(a.data);
    return { dtype: attrDstT === 'DT_INT32' ? 'int32' : 'float32', shape: a.shape, data };
  }
  if (op === 'Reshape') {
    if (!b) throw new Error('Reshape: no shape');
    const target = Array.from(b.data);
    const known = target.filter((d) => d !== -1).reduce((x, y) => x * y, 1);
    const shape = target.map((d) => (d === -1 ? a.data.length / known : d));
    return reshapeConst({ dtype: a.dtype, shape: a.shape, data: a.data }, shape);
  }
  const bin = BINARY[op];
  if (bin && b) {
    const shape = broadcastShape(a.shape, b.shape);
    const ia = broadcastIndex(a.shape, shape);
    const ib = broadcastIndex(b.shape, shape);
    const isInt = a.dtype === 'int32' && b.dtype === 'int32';
    const out = isInt ? new Int32Array(numel(shape)) : new Float32Array(numel(shape));
    for (let o = 0; o < out.length; o++) out[o] = bin(a.data[ia(o)]!, b.data[ib(o)]!);
    return { dtype: isInt ? 'int32' : 'float32', shape, data: out };
  }
  throw new Error(`cannot fold ${op}`);
}
