// face-api's own FaceRecognitionNet (tfjs, cpu backend), loaded with its shipped weights: the
// reference the ONNX descriptor (build/models/faceapi-resnet.ts) is compared with.
import { register } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { faceApiModelDir } from '../../../build/models/faceapi-resnet';

export interface FaceApiReference {
  /** face-api's computeFaceDescriptor on a 150×150×3 RGB (0..255) face */
  describe(rgb: Float32Array): Promise<Float32Array>;
}

let hooked = false;

export async function loadFaceApiReference(): Promise<FaceApiReference> {
  if (!hooked) {
    register(new URL('./hooks.mjs', import.meta.url));
    hooked = true;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const faceapi: any = await import('@vladmandic/face-api/dist/face-api.esm-nobundle.js' as string);
  const tf = faceapi.tf;
  await tf.setBackend('cpu');
  await tf.ready();
  // the shipped weights, decoded by tfjs itself (not by the ONNX builder's reader)
  const dir = faceApiModelDir();
  const manifest = JSON.parse(readFileSync(join(dir, 'face_recognition_model-weights_manifest.json'), 'utf8')) as Array<{ paths: string[]; weights: unknown[] }>;
  const bin = Buffer.concat(manifest[0]!.paths.map((p) => readFileSync(join(dir, p))));
  const weights = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest[0]!.weights);
  const net = new faceapi.FaceRecognitionNet();
  net.loadFromWeightMap(weights);
  return {
    async describe(rgb) {
      const t = tf.tensor(rgb, [150, 150, 3]);
      try {
        return (await net.computeFaceDescriptor(t)) as Float32Array;
      } finally {
        t.dispose();
      }
    },
  };
}
