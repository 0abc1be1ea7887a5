// Builds an ONNX graph of @vladmandic/face-api's face recognition net (dlib's ResNet-34
// descriptor, 128-d) from its weights. face-api ships it as a plain weights manifest read by
// its own code (src/faceRecognitionNet), not as a tfjs graph model, so the graph is written
// here layer by layer after that code:
//   x (NHWC, RGB 0..255, 150×150) → (x − mean RGB) / 255
//   conv32_down: 7×7/2 valid conv + bias, scale layer (×w + b), ReLU; max pool 3×3/2 valid
//   residual blocks (3×3 same conv + bias + scale + ReLU, 3×3 conv + bias + scale, + input, ReLU)
//   residualDown blocks: first conv 3×3/2 valid; the shortcut is a 2×2/2 average pool, padded
//   with zero channels to the block's width, and the conv branch is padded with a zero row and
//   column at the bottom/right where it comes out one smaller (as face-api concatenates zeros)
//   mean over H, W → MatMul fc (256×128)
// The weights stay uint8 as face-api ships them (6.4 MB), widened in the graph by a constant
// sub-graph onnxruntime folds at load. A conv's bias and the scale layer after it are
// per-channel affine maps, folded into the conv (float32 rounding differs from tfjs by ~1e-7;
// the conversion test compares the 128-d output with face-api's own tfjs forward pass).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OnnxGraph } from './onnx-builder';

export const FACEAPI_INPUT_SIZE = 150;
export const FACEAPI_MEAN_RGB = [122.782, 117.001, 104.298];

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale: number; min: number };
}

/** Folder of face-api's shipped weights (a devDependency). */
export function faceApiModelDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

export interface FaceApiWeight {
  shape: number[];
  /** decoded as tfjs decodes it: uint8 v → v·scale + min, in float32 */
  data: Float32Array;
  /** the shipped bytes and their affine map, for uint8-quantized weights */
  q?: { bytes: Uint8Array; scale: number; min: number };
}

/** The recognition net's weights by name, decoded as tfjs decodes them (uint8: v·scale + min). */
export function readFaceApiWeights(dir = faceApiModelDir()): Map<string, FaceApiWeight> {
  const manifest = JSON.parse(readFileSync(join(dir, 'face_recognition_model-weights_manifest.json'), 'utf8')) as Array<{ paths: string[]; weights: WeightSpec[] }>;
  const out = new Map<string, FaceApiWeight>();
  for (const group of manifest) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
    let off = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      let q: FaceApiWeight['q'];
      if (w.dtype !== 'float32') throw new Error(`face-api weight ${w.name}: unsupported dtype ${w.dtype}`);
      if (!w.quantization) {
        data.set(new Float32Array(new Uint8Array(buf.subarray(off, off + 4 * n)).buffer));
        off += 4 * n;
      } else if (w.quantization.dtype === 'uint8') {
        for (let i = 0; i < n; i++) data[i] = buf[off + i]! * w.quantization.scale + w.quantization.min;
        q = { bytes: new Uint8Array(buf.subarray(off, off + n)), scale: w.quantization.scale, min: w.quantization.min };
        off += n;
      } else {
        throw new Error(`face-api weight ${w.name}: unsupported quantization ${w.quantization.dtype}`);
      }
      out.set(w.name, { shape: w.shape, data, ...(q ? { q } : {}) });
    }
    if (off !== buf.length) throw new Error(`face-api weights: shard size ${buf.length} != manifest ${off}`);
  }
  return out;
}

export interface FaceApiOnnx {
  onnx: Uint8Array;
  inputName: string;
  inputShape: number[];
  outputName: string;
  opCounts: Record<string, number>;
}

export function buildFaceApiResnet(metadata: Record<string, string> = {}): FaceApiOnnx {
  const w = readFaceApiWeights();
  const get = (name: string) => {
    const t = w.get(name);
    if (!t) throw new Error(`face-api weights: ${name} missing`);
    return t;
  };
  const g = new OnnxGraph();
  const N = FACEAPI_INPUT_SIZE;
  g.addInput({ name: 'input', shape: [1, N, N, 3] });
  const mean = g.addInitializer({ name: 'mean_rgb', dims: [1, 1, 1, 3], type: 'float32', data: Float32Array.from(FACEAPI_MEAN_RGB) });
  const div = g.addInitializer({ name: 'div_255', dims: [], type: 'float32', data: Float32Array.of(255) });
  let x = g.node('Sub', ['input', mean], 'centred');
  x = g.node('Div', [x, div], 'normalized');
  x = g.node('Transpose', [x], 'nchw', { perm: [0, 3, 1, 2] });
  let size = N; // spatial side
  let channels = 3;

  /**
   * A weight tensor as ONNX initializer(s): quantized weights stay uint8 (as shipped, a quarter
   * of the size) and are widened in the graph — Cast, ·scale, +min — a constant sub-graph that
   * onnxruntime folds when the session loads. `perm` reorders the axes (lossless).
   */
  const weight = (name: string, t: FaceApiWeight, dims: number[], index: (k: number) => number): string => {
    const n = t.data.length;
    if (!t.q) {
      const d = new Float32Array(n);
      for (let k = 0; k < n; k++) d[k] = t.data[index(k)]!;
      return g.addInitializer({ name, dims, type: 'float32', data: d });
    }
    const bytes = new Uint8Array(n);
    for (let k = 0; k < n; k++) bytes[k] = t.q.bytes[index(k)]!;
    const q = g.addInitializer({ name: `${name}/q`, dims, type: 'uint8', data: bytes });
    const sc = g.addInitializer({ name: `${name}/scale`, dims: [], type: 'float32', data: Float32Array.of(t.q.scale) });
    const mn = g.addInitializer({ name: `${name}/min`, dims: [], type: 'float32', data: Float32Array.of(t.q.min) });
    const f = g.node('Cast', [q], `${name}/f`, { to: 1 });
    return g.node('Add', [g.node('Mul', [f, sc], `${name}/scaled`), mn], name);
  };

  /**
   * conv + bias + scale layer: conv(x, W·s) + (b·s + sb), the per-channel factor s applied to
   * the widened weights in the graph (folded at load) and the bias folded here.
   */
  const conv = (input: string, prefix: string, stride: number, same: boolean, relu: boolean): string => {
    const f = get(`${prefix}/conv/filters`); // [kh, kw, cin, cout]
    const bias = get(`${prefix}/conv/bias`).data;
    const s = get(`${prefix}/scale/weights`).data;
    const sb = get(`${prefix}/scale/biases`).data;
    const [kh, kw, cin, cout] = f.shape as [number, number, number, number];
    // ONNX [cout, cin, kh, kw] from tfjs [kh, kw, cin, cout]
    const index = (k: number) => {
      const j = k % kw;
      const i = Math.floor(k / kw) % kh;
      const c = Math.floor(k / (kw * kh)) % cin;
      const o = Math.floor(k / (kw * kh * cin));
      return ((i * kw + j) * cin + c) * cout + o;
    };
    const wq = weight(`${prefix}/W0`, f, [cout, cin, kh, kw], index);
    const sName = g.addInitializer({ name: `${prefix}/S`, dims: [cout, 1, 1, 1], type: 'float32', data: Float32Array.from(s) });
    const wName = g.node('Mul', [wq, sName], `${prefix}/W`);
    const b = new Float32Array(cout);
    for (let o = 0; o < cout; o++) b[o] = bias[o]! * s[o]! + sb[o]!;
    const bName = g.addInitializer({ name: `${prefix}/B`, dims: [cout], type: 'float32', data: b });
    // TF "same" with stride 1 and an odd kernel pads (k-1)/2 on each side; "valid" pads nothing
    const p = same ? (kh - 1) / 2 : 0;
    let out = g.node('Conv', [input, wName, bName], `${prefix}/conv`, { kernel_shape: [kh, kw], strides: [stride, stride], pads: [p, p, p, p] });
    if (relu) out = g.node('Relu', [out], `${prefix}/relu`);
    channels = cout;
    return out;
  };

  const residual = (input: string, prefix: string): string => {
    let out = conv(input, `${prefix}/conv1`, 1, true, true);
    out = conv(out, `${prefix}/conv2`, 1, true, false);
    out = g.node('Add', [out, input], `${prefix}/add`);
    return g.node('Relu', [out], `${prefix}/out`);
  };

  const residualDown = (input: string, prefix: string): string => {
    const cin = channels;
    const inSize = size;
    let out = conv(input, `${prefix}/conv1`, 2, false, true);
    out = conv(out, `${prefix}/conv2`, 1, true, false);
    const convSize = Math.floor((inSize - 3) / 2) + 1;
    const poolSize = Math.floor(inSize / 2);
    let pooled = g.node('AveragePool', [input], `${prefix}/pool`, { kernel_shape: [2, 2], strides: [2, 2] });
    if (convSize !== poolSize) {
      // face-api concatenates a zero row (bottom) and a zero column (right) to the conv branch
      out = g.node('Pad', [out, g.int64(`${prefix}/padhw`, [0, 0, 0, 0, 0, 0, poolSize - convSize, poolSize - convSize])], `${prefix}/padded`);
    }
    if (channels !== cin) {
      // and zero channels (as many as the input has) after the shortcut's channels
      pooled = g.node('Pad', [pooled, g.int64(`${prefix}/padc`, [0, 0, 0, 0, 0, channels - cin, 0, 0])], `${prefix}/poolpad`);
    }
    size = poolSize;
    out = g.node('Add', [pooled, out], `${prefix}/add`);
    return g.node('Relu', [out], `${prefix}/out`);
  };

  x = conv(x, 'conv32_down', 2, false, true);
  size = Math.floor((size - 7) / 2) + 1;
  x = g.node('MaxPool', [x], 'pool1', { kernel_shape: [3, 3], strides: [2, 2] });
  size = Math.floor((size - 3) / 2) + 1;
  for (const name of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, name);
  x = residualDown(x, 'conv64_down');
  for (const name of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, name);
  x = residualDown(x, 'conv128_down');
  for (const name of ['conv128_1', 'conv128_2']) x = residual(x, name);
  x = residualDown(x, 'conv256_down');
  for (const name of ['conv256_1', 'conv256_2']) x = residual(x, name);
  x = residualDown(x, 'conv256_down_out');
  x = g.node('ReduceMean', [x], 'global_avg', { axes: [2, 3], keepdims: 0 });
  const fc = get('fc');
  const fcName = weight('fc', fc, fc.shape, (k) => k);
  const output = g.node('MatMul', [x, fcName], 'descriptor');
  g.addOutput({ name: output, shape: [1, fc.shape[1]!] });
  const onnx = g.encode({
    opset: 13,
    producer: 'se3-field-kit build/models/faceapi-resnet.ts',
    docString: 'face-api (dlib ResNet-34) face descriptor, 128-d; input 1x150x150x3 RGB 0..255',
    metadata,
  });
  return { onnx, inputName: 'input', inputShape: [1, N, N, 3], outputName: output, opCounts: g.opCounts };
}
