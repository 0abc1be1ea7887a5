// The face descriptor the engine (and so the box) recognises with, chosen by measurement:
// `npm run bench:recognition` and README "Face recognition" (every candidate on real labelled
// photos). The model id goes with every stored embedding; embeddings of different model ids
// are never compared, so changing the descriptor means re-embedding from the stored photos.
import type { LoadedModel } from './models';
import type { Pyramid } from './image';
import type { Mesh } from './landmarks';
import { descriptorInput, DLIB_150, unitEmbedding, type DescriptorInput } from './descriptor-crop';

export interface DescriptorInfo {
  /** stored with every embedding; names the model and the crop it is fed */
  modelId: string;
  /** embedding length */
  dims: number;
  /**
   * cosine similarity at or above which two faces are the same person: the false-accept rate
   * 0.1 % point of the benchmark's different-person pairs (README "Face recognition")
   */
  threshold: number;
}

/**
 * dlib's ResNet-34 face descriptor (as shipped by @vladmandic/face-api), fed dlib's own
 * 5-point-aligned 150×150 face chip: 99.6 % verification accuracy and 98.7 % true accepts at
 * 0.1 % false accepts on test/fixtures/faces-id, against FaceRes's 97.2 % and 87.7 %.
 */
export const DESCRIPTOR: Readonly<DescriptorInfo> = Object.freeze({
  modelId: 'faceapi-resnet-dlibchip',
  dims: 128,
  threshold: 0.934,
});

/** The model file's id in resources/models/manifest.json. */
export const DESCRIPTOR_MODEL = 'faceapi-resnet';

/** How the model sees a face (see ./descriptor-crop.ts). */
export const DESCRIPTOR_INPUT: Readonly<DescriptorInput> = Object.freeze({ size: 150, crop: { kind: 'align' as const, template: DLIB_150 }, mul: 1, add: 0 });

/** The id stored with every embedding this engine makes. */
export function descriptorModelId(): string {
  return DESCRIPTOR.modelId;
}

/** Same person? (cosine similarity of two embeddings of this descriptor) */
export function isSamePerson(similarity: number): boolean {
  return similarity >= DESCRIPTOR.threshold;
}

/** The face's unit-length embedding (DESCRIPTOR.dims values, rounded to 6 decimals). */
export async function embedFace(model: LoadedModel, pyr: Pyramid, mesh: Mesh, buf?: Float32Array<ArrayBuffer>): Promise<number[]> {
  const n = DESCRIPTOR_INPUT.size;
  const out = await model.run(descriptorInput(pyr, mesh, DESCRIPTOR_INPUT, buf), [1, n, n, 3]);
  const v = out.descriptor;
  if (!v || v.length !== DESCRIPTOR.dims) throw new Error(`descriptor model ${DESCRIPTOR_MODEL} gave ${v?.length ?? 0} values, expected ${DESCRIPTOR.dims}`);
  return unitEmbedding(v);
}
