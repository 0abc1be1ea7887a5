// The box's enrolled users (PROTOCOL §4.1/§5) in agent.db, plus an in-memory index of their
// descriptors for the 1:N search that recognition will run (kept in step with every write).
import type { DbWriter } from '../store/serial';

export interface StoredUser {
  identity_id: string;
  name: string | null;
  type: number | null;
  register_type: number;
  permission_ids: string[];
  /** the other info keys, as given */
  info: Record<string, unknown>;
  photo: Buffer;
  photo_sha256: string;
  embedding: Float32Array;
  model_id: string;
  /** the enrolled face's §4.4 entry */
  fiqa: unknown;
}

/** What the 1:N search needs per user. */
export interface IndexedUser {
  identity_id: string;
  name: string | null;
  type: number | null;
  permission_ids: string[];
  embedding: Float32Array;
  model_id: string;
}

const now = () => new Date().toISOString();

export function embeddingToBlob(e: Float32Array | number[]): Buffer {
  const f = e instanceof Float32Array ? e : Float32Array.from(e);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
}

export function blobToEmbedding(b: Buffer): Float32Array {
  // copy: the Buffer's memory may be pooled and unaligned
  const out = new Float32Array(b.byteLength / 4);
  Buffer.from(out.buffer).set(b);
  return out;
}

interface IndexRow {
  identity_id: string;
  name: string | null;
  type: number | null;
  permission_ids: string;
  embedding: Buffer;
  model_id: string;
}

/** What changed in the index: one user set (added, overwritten, re-embedded), removed, or all gone. */
export type IndexChange = { kind: 'set'; user: IndexedUser } | { kind: 'delete'; id: string } | { kind: 'clear' };

export class UsersStore {
  /** identity_id → descriptor and what a match reports */
  readonly index = new Map<string, IndexedUser>();
  private readonly listeners: Array<(c: IndexChange) => void> = [];

  /** Called after every index change (the recognition gallery keeps itself in step with it). */
  onChange(fn: (c: IndexChange) => void): void {
    this.listeners.push(fn);
  }

  private changed(c: IndexChange): void {
    for (const fn of this.listeners) fn(c);
  }

  private put(u: IndexedUser): void {
    this.index.set(u.identity_id, u);
    this.changed({ kind: 'set', user: u });
  }

  private constructor(private readonly w: DbWriter) {}

  static async open(w: DbWriter): Promise<UsersStore> {
    const s = new UsersStore(w);
    const rows = await w.db.all<IndexRow>('SELECT identity_id, name, type, permission_ids, embedding, model_id FROM users');
    for (const r of rows) s.index.set(r.identity_id, toIndexed(r));
    return s;
  }

  count(): number {
    return this.index.size;
  }

  /** The stored photo hash and model id (to skip re-analysing an unchanged photo), or null. */
  async fingerprint(identityId: string): Promise<{ photo_sha256: string; model_id: string; register_type: number } | null> {
    const r = await this.w.db.get<{ photo_sha256: string; model_id: string; register_type: number }>(
      'SELECT photo_sha256, model_id, register_type FROM users WHERE identity_id = ?',
      [identityId],
    );
    return r ?? null;
  }

  async get(identityId: string): Promise<StoredUser | null> {
    const r = await this.w.db.get<Record<string, unknown>>('SELECT * FROM users WHERE identity_id = ?', [identityId]);
    if (!r) return null;
    return {
      identity_id: r.identity_id as string,
      name: r.name as string | null,
      type: r.type as number | null,
      register_type: r.register_type as number,
      permission_ids: JSON.parse(r.permission_ids as string) as string[],
      info: JSON.parse(r.info as string) as Record<string, unknown>,
      photo: r.photo as Buffer,
      photo_sha256: r.photo_sha256 as string,
      embedding: blobToEmbedding(r.embedding as Buffer),
      model_id: r.model_id as string,
      fiqa: r.fiqa ? JSON.parse(r.fiqa as string) : null,
    };
  }

  /** Adds or overwrites one user (one transaction). */
  async upsert(u: StoredUser): Promise<void> {
    const t = now();
    await this.w.tx((db) =>
      db.run(
        `INSERT INTO users (identity_id, name, type, register_type, permission_ids, info, photo, photo_sha256, embedding, model_id, fiqa, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (identity_id) DO UPDATE SET name = excluded.name, type = excluded.type, register_type = excluded.register_type,
           permission_ids = excluded.permission_ids, info = excluded.info, photo = excluded.photo, photo_sha256 = excluded.photo_sha256,
           embedding = excluded.embedding, model_id = excluded.model_id, fiqa = excluded.fiqa, updated_at = excluded.updated_at`,
        [
          u.identity_id,
          u.name,
          u.type,
          u.register_type,
          JSON.stringify(u.permission_ids),
          JSON.stringify(u.info),
          u.photo,
          u.photo_sha256,
          embeddingToBlob(u.embedding),
          u.model_id,
          u.fiqa === undefined || u.fiqa === null ? null : JSON.stringify(u.fiqa),
          t,
          t,
        ],
      ),
    );
    this.put({
      identity_id: u.identity_id,
      name: u.name,
      type: u.type,
      permission_ids: u.permission_ids,
      embedding: u.embedding,
      model_id: u.model_id,
    });
  }

  /** Updates the details of a user whose photo is unchanged (no new embedding needed). */
  async updateDetails(u: Pick<StoredUser, 'identity_id' | 'name' | 'type' | 'register_type' | 'permission_ids' | 'info'>): Promise<void> {
    await this.w.write('UPDATE users SET name = ?, type = ?, register_type = ?, permission_ids = ?, info = ?, updated_at = ? WHERE identity_id = ?', [
      u.name,
      u.type,
      u.register_type,
      JSON.stringify(u.permission_ids),
      JSON.stringify(u.info),
      now(),
      u.identity_id,
    ]);
    const cur = this.index.get(u.identity_id);
    if (cur) this.put({ ...cur, name: u.name, type: u.type, permission_ids: u.permission_ids });
  }

  /** Keeps the index in step after a re-embedding. */
  setEmbedding(identityId: string, embedding: Float32Array, modelId: string): void {
    const cur = this.index.get(identityId);
    if (cur) this.put({ ...cur, embedding, model_id: modelId });
  }

  /** Deletes the given users; returns the ids that existed (and are now gone). */
  async delete(ids: string[]): Promise<string[]> {
    const gone = await this.w.tx(async (db) => {
      const out: string[] = [];
      for (const id of ids) {
        const r = await db.run('DELETE FROM users WHERE identity_id = ?', [id]);
        if (r.changes > 0) out.push(id);
      }
      return out;
    });
    for (const id of gone) {
      this.index.delete(id);
      this.changed({ kind: 'delete', id });
    }
    return gone;
  }

  /** Deletes every user; returns how many there were. */
  async wipe(): Promise<number> {
    const r = await this.w.write('DELETE FROM users');
    this.index.clear();
    this.changed({ kind: 'clear' });
    return r.changes;
  }
}

function toIndexed(r: IndexRow): IndexedUser {
  return {
    identity_id: r.identity_id,
    name: r.name,
    type: r.type,
    permission_ids: JSON.parse(r.permission_ids) as string[],
    embedding: blobToEmbedding(r.embedding),
    model_id: r.model_id,
  };
}
