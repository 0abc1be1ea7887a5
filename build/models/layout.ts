// Layout and padding helpers for the tfjs → ONNX converter: NHWC/NCHW permutations, tensor
// name parsing, and TensorFlow's SAME/VALID/EXPLICIT padding arithmetic.
import { attrInts, attrString, type TfNode } from './tfjs-graph';

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];
/** Where logical (NHWC) axis i lives in NCHW memory order. */
export const AXIS_IN_NCHW = [0, 2, 3, 1];

export function baseName(ref: string): string {
  const r = ref.startsWith('^') ? ref.slice(1) : ref;
  const m = /^(.*):(\d+)$/.exec(r);
  if (m && m[2] !== '0') throw new Error(`multi-output tensor ${ref} is not supported`);
  return m ? m[1]! : r;
}

/** SAME padding as TensorFlow computes it (extra pixel at the end). */
export function samePads(inSize: number, k: number, s: number, d: number): [number, number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before, out];
}

export function spatial(node: TfNode, inShape: number[], k: [number, number], stride: [number, number], dil: [number, number]) {
  const padding = attrString(node.attr?.padding) ?? 'VALID';
  const pads = [0, 0, 0, 0]; // top, left, bottom, right
  const out = [0, 0];
  for (let i = 0; i < 2; i++) {
    const inSize = inShape[1 + i]!;
    if (padding === 'SAME') {
      const [b, a, o] = samePads(inSize, k[i]!, stride[i]!, dil[i]!);
      pads[i] = b;
      pads[i + 2] = a;
      out[i] = o;
    } else {
      if (padding === 'EXPLICIT') {
        const ep = attrInts(node.attr?.explicit_paddings);
        pads[i] = ep[2 + 2 * i] ?? 0;
        pads[i + 2] = ep[3 + 2 * i] ?? 0;
      } else if (padding !== 'VALID') throw new Error(`${node.name}: padding ${padding}`);
      out[i] = Math.floor((inSize + pads[i]! + pads[i + 2]! - ((k[i]! - 1) * dil[i]! + 1)) / stride[i]!) + 1;
    }
  }
  return { pads, out };
}

