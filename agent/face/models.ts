// Loads the ONNX face models (resources/models, see its README and manifest.json) into
// onnxruntime-node sessions. The models folder is configurable: the desktop app, the CLI and
// the agent bundle each carry it in a different place.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { FiqaCodes, FiqaError } from './errors';
import { codeDir } from '../app-root';

export interface ManifestModel {
  id: string;
  file: string;
  sha256: string;
  inputName: string;
  inputShape: number[];
  /** input contract; `multipleOf`: the model takes any height and width that are multiples of it */
  input?: { size: number; range: string; multipleOf?: number };
  outputs: Record<string, string>;
}

export interface LoadedModel {
  spec: ManifestModel;
  session: ort.InferenceSession;
  /** One inference; `shape` (NHWC) defaults to the manifest's input shape. */
  run(input: Float32Array, shape?: number[]): Promise<Record<string, Float32Array>>;
}

/** This module's folder, in ESM (source, dist/cli.mjs) and in CJS bundles (dist/electron/*.cjs). */
export function moduleDir(): string {
  return codeDir((import.meta as { url?: string }).url);
}

/** Where the models are: $SE3KIT_MODELS_DIR, else resources/models next to the code. */
export function defaultModelsDir(): string {
  const here = moduleDir();
  const candidates = [
    process.env.SE3KIT_MODELS_DIR,
    join(here, '../resources/models'), // dist/*.mjs
    join(here, '../../resources/models'), // agent/face/*.ts, dist/electron/*.cjs
    join(here, '../../../resources/models'), // app.asar.unpacked layouts
    (process as { resourcesPath?: string }).resourcesPath ? join((process as { resourcesPath?: string }).resourcesPath!, 'models') : undefined,
    resolve('resources/models'),
  ].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(join(c, 'manifest.json')));
  if (!found) {
    throw new FiqaError(FiqaCodes.SERVER_PROCESS_FAILED, `face models not found (looked in ${candidates.join(', ')})`, 'set SE3KIT_MODELS_DIR to the folder holding manifest.json and the .onnx files');
  }
  return found;
}

export function readManifest(modelsDir: string): ManifestModel[] {
  const path = join(modelsDir, 'manifest.json');
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { models: ManifestModel[] }).models;
  } catch (err) {
    throw new FiqaError(FiqaCodes.SERVER_PROCESS_FAILED, `cannot read ${path}: ${(err as Error).message}`, 'reinstall, or run npm run build:models');
  }
}

export async function loadModels(modelsDir: string, threads: number): Promise<Record<string, LoadedModel>> {
  const out: Record<string, LoadedModel> = {};
  for (const spec of readManifest(modelsDir)) {
    const session = await ort.InferenceSession.create(join(modelsDir, spec.file), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      enableCpuMemArena: true,
    });
    out[spec.id] = {
      spec,
      session,
      async run(input: Float32Array, shape = spec.inputShape) {
        const feeds = { [spec.inputName]: new ort.Tensor('float32', input, shape) };
        const res = await session.run(feeds);
        const r: Record<string, Float32Array> = {};
        for (const [short, name] of Object.entries(spec.outputs)) r[short] = res[name]!.data as Float32Array;
        return r;
      },
    };
  }
  for (const id of ['blazeface', 'facemesh', 'faceres']) {
    if (!out[id]) throw new FiqaError(FiqaCodes.SERVER_PROCESS_FAILED, `model ${id} missing from ${modelsDir}/manifest.json`, 'run npm run build:models');
  }
  return out;
}
