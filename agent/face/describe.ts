// HSE FaceRes post-processing: unit-length descriptor, age (expected value around the arg-max
// bin, as Human does) and sex.
import type { FaceAttributes } from './types';

export const DESCRIBE_SIZE = 224;

export function decodeAttributes(out: Record<string, Float32Array>): FaceAttributes {
  const desc = out.descriptor!;
  let l = 0;
  for (const v of desc) l += v * v;
  l = Math.sqrt(l) || 1;
  const embedding = Array.from(desc, (v) => Math.round((v / l) * 1e6) / 1e6);
  const ages = out.age!;
  let am = 0;
  for (let i = 1; i < ages.length; i++) if (ages[i]! > ages[am]!) am = i;
  const prev = ages[am - 1] ?? 0;
  const next = ages[am + 1] ?? 0;
  const age = Math.round(prev > next ? 10 * am - 100 * prev : 10 * am + 100 * next) / 10;
  const g = out.gender![0]!;
  const conf = Math.min(0.99, Math.trunc(200 * Math.abs(g - 0.5)) / 100);
  return { embedding, age, sex: conf > 0.1 ? (g <= 0.5 ? 'female' : 'male') : 'unknown', sex_score: conf };
}

/** Cosine similarity of two embeddings (1 = identical direction). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0) throw new Error('embeddings differ in length');
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / (Math.sqrt(na * nb) || 1);
}
