// Reads a TensorFlow.js graph model (model.json + weight shards) into plain data: the node
// list and every constant as a typed array. Weight quantization (float16, uint8/uint16 affine)
// is decoded the way tfjs itself does, so the converted model computes what tfjs computes.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface TfAttrValue {
  s?: string; // base64
  i?: string;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: string[]; f?: number[] };
  shape?: { dim?: Array<{ size: string }> };
  tensor?: { dtype: string; tensorShape?: { dim?: Array<{ size: string }> } };
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
}

export type ConstData = Float32Array | Int32Array;

export interface TfConst {
  dtype: 'float32' | 'int32';
  shape: number[];
  data: ConstData;
  /** The raw IEEE half bits when the weight was shipped as float16 (lossless to keep as such). */
  half?: Uint16Array;
}

export interface TfGraph {
  nodes: TfNode[];
  consts: Map<string, TfConst>;
  /** Model signature outputs (tensor names such as "Identity_2:0"), when the model has one. */
  signatureOutputs: string[];
  generatedBy?: string;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

interface ModelJson {
  modelTopology: { node: TfNode[]; library?: { function?: unknown[] } };
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
  signature?: { outputs?: Record<string, { name: string }> };
  userDefinedMetadata?: { signature?: { outputs?: Record<string, { name: string }> } };
  generatedBy?: string;
}

export function attrString(v: TfAttrValue | undefined): string | undefined {
  return v?.s === undefined ? undefined : Buffer.from(v.s, 'base64').toString('utf8');
}

export function attrInts(v: TfAttrValue | undefined): number[] {
  return (v?.list?.i ?? []).map((x) => Number(x));
}

export function attrStrings(v: TfAttrValue | undefined): string[] {
  return (v?.list?.s ?? []).map((x) => Buffer.from(x, 'base64').toString('utf8'));
}

/** IEEE 754 half → float (exact). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function decodeWeight(spec: WeightSpec, buf: Buffer, offset: number): { c: TfConst; bytes: number } {
  const n = size(spec.shape);
  const q = spec.quantization;
  if (spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
  if (!q) {
    const bytes = n * 4;
    const copy = new Uint8Array(buf.subarray(offset, offset + bytes)).buffer;
    const data = spec.dtype === 'float32' ? new Float32Array(copy) : new Int32Array(copy);
    return { c: { dtype: spec.dtype, shape: spec.shape, data }, bytes };
  }
  if (q.dtype === 'float16') {
    const half = new Uint16Array(new Uint8Array(buf.subarray(offset, offset + n * 2)).buffer);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = halfToFloat(half[i]!);
    return { c: { dtype: 'float32', shape: spec.shape, data, half }, bytes: n * 2 };
  }
  if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    const width = q.dtype === 'uint8' ? 1 : 2;
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    const out = spec.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = width === 1 ? buf.readUInt8(offset + i) : buf.readUInt16LE(offset + 2 * i);
      out[i] = v * scale + min;
    }
    return { c: { dtype: spec.dtype, shape: spec.shape, data: out }, bytes: n * width };
  }
  throw new Error(`weight ${spec.name}: unsupported quantization ${q.dtype}`);
}

/** Load `model.json` (or any *.json graph model) and its weight shards from disk. */
export function readTfjsGraph(jsonPath: string): TfGraph {
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  if (!json.modelTopology?.node) throw new Error(`${jsonPath}: not a tfjs graph model (no modelTopology.node)`);
  if ((json.modelTopology.library?.function ?? []).length > 0) throw new Error(`${jsonPath}: control-flow functions are not supported`);
  const consts = new Map<string, TfConst>();
  for (const group of json.weightsManifest) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(join(dirname(jsonPath), p))));
    let offset = 0;
    for (const spec of group.weights) {
      const { c, bytes } = decodeWeight(spec, buf, offset);
      consts.set(spec.name, c);
      offset += bytes;
    }
    if (offset !== buf.length) throw new Error(`${jsonPath}: weight shard size ${buf.length} != manifest ${offset}`);
  }
  const sig = json.signature?.outputs ?? json.userDefinedMetadata?.signature?.outputs ?? {};
  return {
    nodes: json.modelTopology.node,
    consts,
    signatureOutputs: Object.values(sig).map((o) => o.name),
    generatedBy: json.generatedBy,
  };
}

/** Raw tfjs artefacts, for loading the very same model into tfjs (reference comparison). */
export function readTfjsArtifacts(jsonPath: string): { modelTopology: unknown; weightSpecs: WeightSpec[]; weightData: ArrayBuffer } {
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const buf = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(jsonPath), p)))));
  return { modelTopology: json.modelTopology, weightSpecs, weightData: new Uint8Array(buf).buffer };
}
