// After a change of the descriptor model, users whose embedding another model made are
// re-embedded from their stored photo (in the background, one at a time). A user whose photo
// changed meanwhile (a newer enrolment) is left as the newer enrolment wrote it.
import type { FacePool } from '../face';
import type { DbWriter } from '../store/serial';
import { embeddingToBlob, type UsersStore } from './store';

export interface ReembedResult {
  updated: number;
  failed: Array<{ identity_id: string; reason: string }>;
}

export async function reembedStale(
  w: DbWriter,
  users: UsersStore,
  modelId: string,
  face: () => Promise<FacePool>,
  log: (line: string) => void,
  stopping: () => boolean,
): Promise<ReembedResult> {
  const stale = await w.db.all<{ identity_id: string }>('SELECT identity_id FROM users WHERE model_id <> ? ORDER BY identity_id', [modelId]);
  const out: ReembedResult = { updated: 0, failed: [] };
  if (stale.length === 0) return out;
  log(`users: ${stale.length} descriptors were made by another model; re-embedding them with ${modelId}`);
  for (const { identity_id } of stale) {
    if (stopping()) break;
    const row = await w.db.get<{ photo: Buffer; photo_sha256: string }>('SELECT photo, photo_sha256 FROM users WHERE identity_id = ? AND model_id <> ?', [identity_id, modelId]);
    if (!row) continue;
    try {
      const a = await (await face()).analyze(row.photo, { level: 'no', attributes: true });
      const e = a.data[0]?.attributes?.embedding;
      if (!e?.length) throw new Error('no descriptor');
      const emb = Float32Array.from(e);
      const r = await w.write('UPDATE users SET embedding = ?, model_id = ?, updated_at = ? WHERE identity_id = ? AND photo_sha256 = ?', [
        embeddingToBlob(emb),
        modelId,
        new Date().toISOString(),
        identity_id,
        row.photo_sha256,
      ]);
      if (r.changes > 0) {
        users.setEmbedding(identity_id, emb, modelId);
        out.updated++;
      }
    } catch (err) {
      out.failed.push({ identity_id, reason: (err as Error).message });
    }
  }
  log(`users: re-embedded ${out.updated}${out.failed.length ? `, ${out.failed.length} failed (first: ${out.failed[0]!.identity_id}: ${out.failed[0]!.reason})` : ''}`);
  return out;
}
