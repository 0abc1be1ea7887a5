// Proves each tfjs → ONNX conversion: the tfjs original (pure-JS cpu backend) and the committed
// ONNX model (onnxruntime-node) get the same fixture-photo input and must agree.
// Bound per element: |tfjs - onnx| ≤ 1e-3 + 1e-5·|tfjs|. Both compute in float32 but sum in a
// different order, so the rounding error grows with the magnitude of a value: outputs of
// order 1 (scores, descriptor, probabilities) must agree to 1e-3; raw detector logits reach
// ~430 on a real photo, where float32 sums differ by ~2e-3 (a relative 4e-6), which the second
// term allows. Measured: ≤ 1.2e-4 on mesh coordinates (0..192), ≤ 3e-6 on the descriptor.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-node';
import { readTfjsArtifacts } from '../../build/models/tfjs-graph';
import { humanModelsDir, MODELS } from '../../build/models/models';
import { convertModel } from '../../build/models/convert';
import { defaultModelsDir } from '../../agent/face/models';
import { face } from './fixtures';

const MODELS_DIR = defaultModelsDir();
const manifest = JSON.parse(readFileSync(join(MODELS_DIR, 'manifest.json'), 'utf8')) as {
  models: Array<{ id: string; file: string; inputName: string; inputShape: number[]; outputs: Record<string, string>; sha256: string }>;
};

before(async () => {
  await tf.setBackend('cpu');
});

async function modelInput(photo: string, height: number, width: number, range: string): Promise<Float32Array> {
  const raw = await sharp(face(photo)).rotate().resize(width, height, { fit: 'cover', position: 'attention' }).removeAlpha().raw().toBuffer();
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = range === '-1..1' ? raw[i]! / 127.5 - 1 : range === '0..1' ? raw[i]! / 255 : raw[i]!;
  return out;
}

/**
 * The tfjs original; with `anySize`, made to run at other input sizes: the input's height and
 * width become free and the flattened-grid axis of each Reshape target ([1, 512, 16] →
 * [1, -1, 16]) becomes -1, as the converter does for models with free spatial dimensions.
 */
async function loadTfjs(spec: (typeof MODELS)[number], anySize: boolean) {
  const artifacts = readTfjsArtifacts(join(humanModelsDir(), spec.source)) as tf.io.ModelArtifacts;
  if (anySize) {
    const nodes = (artifacts.modelTopology as { node: Array<{ op: string; attr?: { shape?: { shape?: { dim: Array<{ size: string }> } } } }> }).node;
    const dims = nodes.find((n) => n.op === 'Placeholder')!.attr!.shape!.shape!.dim;
    dims[1]!.size = '-1';
    dims[2]!.size = '-1';
  }
  const model = await loadGraphModel(tf.io.fromMemory(artifacts));
  if (!anySize) return model;
  for (const [name, tensors] of Object.entries(model.weights)) {
    if (!name.endsWith('/shape')) continue;
    const dims = Array.from(tensors[0]!.dataSync());
    assert.equal(dims.length, 3, `${name}: a [1, grid·k, n] reshape target`);
    tensors[0]!.dispose();
    model.weights[name] = [tf.tensor1d([dims[0]!, -1, dims[2]!], 'int32')];
  }
  return model;
}

for (const spec of MODELS) {
  // every model at its own size; a model with free spatial dimensions also at two other sizes
  const m = spec.input.multipleOf;
  const sizes: Array<[number, number]> = [[spec.input.size, spec.input.size], ...(m ? ([[5 * m, spec.input.size], [spec.input.size, 3 * m]] as Array<[number, number]>) : [])];
  test(`${spec.id}: ONNX matches the tfjs original on fixture photos (|diff| ≤ 1e-3 + 1e-5·|value|; ${sizes.map(([h, w]) => `${w}x${h}`).join(', ')})`, { timeout: 120_000 }, async () => {
    const entry = manifest.models.find((e) => e.id === spec.id);
    assert.ok(entry, `${spec.id} is in resources/models/manifest.json`);
    const tfModel = await loadTfjs(spec, !!m);
    const session = await ort.InferenceSession.create(join(MODELS_DIR, entry.file), { intraOpNumThreads: 1 });
    try {
      for (const [photo, [h, w]] of ['obama.jpg', 'biden2.jpg'].flatMap((p) => sizes.map((sz) => [p, sz] as const))) {
        const shape = [1, h, w, 3];
        const input = await modelInput(photo, h, w, spec.input.range);
        const tfOut = tf.tidy(() => (tfModel.execute(tf.tensor(input, shape), Object.keys(spec.outputs)) as tf.Tensor[]).map((t) => t.dataSync().slice()));
        const onnxOut = await session.run({ [entry.inputName]: new ort.Tensor('float32', input, shape) });
        Object.keys(spec.outputs).forEach((tfName, k) => {
          const a = tfOut[k]!;
          const b = onnxOut[entry.outputs[spec.outputs[tfName]!]!]!.data as Float32Array;
          assert.equal(b.length, a.length, `${tfName} size at ${w}x${h}`);
          let maxDiff = 0;
          let maxAbs = 0;
          let worst = 0; // largest diff / allowed
          for (let i = 0; i < a.length; i++) {
            const d = Math.abs(a[i]! - b[i]!);
            maxDiff = Math.max(maxDiff, d);
            maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
            worst = Math.max(worst, d / (1e-3 + 1e-5 * Math.abs(a[i]!)));
          }
          assert.ok(maxAbs > 0, `${tfName} is not all zeros`);
          assert.ok(worst <= 1, `${spec.id} ${tfName} on ${photo} at ${w}x${h}: max abs diff ${maxDiff} (values up to ${maxAbs}) exceeds 1e-3 + 1e-5·|value|`);
          if (maxAbs <= 1) assert.ok(maxDiff <= 1e-3, `${spec.id} ${tfName}: max abs diff ${maxDiff}`);
        });
      }
    } finally {
      await session.release();
      tfModel.dispose();
    }
  });
}

test('the committed .onnx files are what the converter produces today', { timeout: 60_000 }, async () => {
  const { createHash } = await import('node:crypto');
  for (const spec of MODELS) {
    const res = convertModel(spec);
    const entry = manifest.models.find((m) => m.id === spec.id)!;
    const onDisk = readFileSync(join(MODELS_DIR, entry.file));
    assert.equal(createHash('sha256').update(res.onnx).digest('hex'), entry.sha256, `${spec.id}: manifest sha256 matches a fresh conversion (run npm run build:models)`);
    assert.equal(createHash('sha256').update(onDisk).digest('hex'), entry.sha256, `${spec.id}: file on disk matches the manifest`);
  }
});

test('converter refuses ops it does not know instead of producing a wrong model', () => {
  const graph = {
    nodes: [
      { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '1' }, { size: '4' }] } } } },
      { name: 'y', op: 'Erf', input: ['x'] },
    ],
    consts: new Map(),
    signatureOutputs: ['y'],
  };
  return import('../../build/models/tfjs-to-onnx').then(({ convertGraph }) => {
    assert.throws(() => convertGraph(graph), /unsupported tfjs op Erf/);
  });
});

// The face descriptor: face-api's ResNet-34, built as ONNX from its weights manifest
// (build/models/faceapi-resnet.ts), against face-api's own tfjs forward pass on real faces —
// the engine's aligned 150×150 chips of fixture photos.
test('faceapi-resnet: ONNX matches face-api\'s own tfjs FaceRecognitionNet on fixture faces (|diff| ≤ 1e-3)', { timeout: 180_000 }, async () => {
  const { loadFaceApiReference } = await import('./faceapi-tfjs/index');
  const { createFaceEngine } = await import('../../agent/face/engine');
  const { descriptorInput } = await import('../../agent/face/descriptor-crop');
  const { DESCRIPTOR_INPUT, DESCRIPTOR_MODEL } = await import('../../agent/face/descriptor');
  const entry = manifest.models.find((e) => e.id === DESCRIPTOR_MODEL);
  assert.ok(entry, `${DESCRIPTOR_MODEL} is in resources/models/manifest.json`);
  const chips: Float32Array[] = [];
  const engine = await createFaceEngine({
    async inspectFace({ pyramid, mesh }) {
      chips.push(descriptorInput(pyramid, mesh, DESCRIPTOR_INPUT).slice());
    },
  });
  try {
    for (const photo of ['obama.jpg', 'biden2.jpg', 'two_people.jpg']) await engine.analyze(face(photo), { level: 'no', attributes: false });
  } finally {
    await engine.close();
  }
  assert.ok(chips.length >= 4, `faces found: ${chips.length}`);
  const reference = await loadFaceApiReference();
  const session = await ort.InferenceSession.create(join(MODELS_DIR, entry.file), { intraOpNumThreads: 1 });
  try {
    for (const [k, chip] of chips.entries()) {
      const a = await reference.describe(chip);
      const b = (await session.run({ [entry.inputName]: new ort.Tensor('float32', chip, [1, 150, 150, 3]) }))[entry.outputs.descriptor!]!.data as Float32Array;
      assert.equal(b.length, 128);
      assert.equal(a.length, 128);
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(a[i]!));
      }
      assert.ok(maxAbs > 0.01, 'a real descriptor, not zeros');
      assert.ok(maxDiff <= 1e-3, `face ${k}: max abs diff ${maxDiff}`);
    }
  } finally {
    await session.release();
  }
});

test('faceapi-resnet: the committed .onnx is what build:models produces today', { timeout: 60_000 }, async () => {
  const { createHash } = await import('node:crypto');
  const { candidate, convertCandidate } = await import('../../build/models/descriptor-candidates');
  const entry = manifest.models.find((m) => m.id === 'faceapi-resnet')!;
  const fresh = convertCandidate(candidate('faceapi-resnet'));
  assert.equal(createHash('sha256').update(fresh.onnx).digest('hex'), entry.sha256, 'manifest sha256 matches a fresh build (run npm run build:models)');
  assert.equal(createHash('sha256').update(readFileSync(join(MODELS_DIR, entry.file))).digest('hex'), entry.sha256, 'file on disk matches the manifest');
});

// The other descriptor candidates the benchmark measures (build/models/descriptor-candidates.ts;
// converted into .tmp/descriptor-candidates, not committed): each ONNX against its tfjs original
// on one fixture photo, fed at the model's input size and pixel scaling.
test('descriptor candidates: each converted ONNX matches its tfjs original (|diff| ≤ 1e-3)', { timeout: 240_000 }, async () => {
  const { DESCRIPTOR_CANDIDATES, ensureCandidate } = await import('../../build/models/descriptor-candidates');
  const tfjsCandidates = DESCRIPTOR_CANDIDATES.filter((c) => c.kind === 'tfjs' && !MODELS.some((m) => m.id === c.id));
  assert.ok(tfjsCandidates.length >= 3);
  for (const c of tfjsCandidates) {
    const { file, inputName, outputName } = ensureCandidate(c);
    const n = c.input.size;
    const raw = await sharp(face('obama.jpg')).rotate().resize(n, n, { fit: 'cover', position: 'attention' }).removeAlpha().raw().toBuffer();
    const input = Float32Array.from(raw, (v) => v * c.input.mul + c.input.add);
    const artifacts = readTfjsArtifacts(join(humanModelsDir(), c.source!)) as tf.io.ModelArtifacts;
    const model = await loadGraphModel(tf.io.fromMemory(artifacts));
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
    try {
      const a = tf.tidy(() => (model.execute(tf.tensor(input, [1, n, n, 3]), c.output!) as tf.Tensor).dataSync().slice());
      const b = (await session.run({ [inputName]: new ort.Tensor('float32', input, [1, n, n, 3]) }))[outputName]!.data as Float32Array;
      assert.equal(b.length, c.dims, `${c.id}: ${c.dims}-d`);
      assert.equal(a.length, b.length);
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      assert.ok(maxDiff <= 1e-3, `${c.id}: max abs diff ${maxDiff}`);
    } finally {
      await session.release();
      model.dispose();
    }
  }
});
