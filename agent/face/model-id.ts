// The id of the model that makes face descriptors, stored next to every embedding: when the
// descriptor model changes, stored embeddings with another id are re-made from the stored photo.
import { defaultModelsDir, readManifest } from './models';

/** The model whose output is FaceAttributes.embedding (manifest id). */
export const DESCRIPTOR_MODEL = 'faceres';

const cache = new Map<string, string>();

/** `faceres:<first 12 hex of the model file's sha256>` (from manifest.json). */
export function descriptorModelId(modelsDir: string = defaultModelsDir()): string {
  let id = cache.get(modelsDir);
  if (!id) {
    const spec = readManifest(modelsDir).find((m) => m.id === DESCRIPTOR_MODEL);
    id = `${DESCRIPTOR_MODEL}:${(spec?.sha256 ?? 'unknown').slice(0, 12)}`;
    cache.set(modelsDir, id);
  }
  return id;
}
