// The 1:N search's gallery: every enrolled descriptor of one model id as a row of one contiguous
// Float32Array (unit vectors, `dims` floats per row) plus parallel arrays of ids and permission
// groups. Updated incrementally from the users store (set → write the row in place or append;
// delete → move the last row into the hole; clear → empty); a query is a tight dot-product loop
// over the matrix, never a database read.
import type { IndexChange, IndexedUser, UsersStore } from '../users/store';

export interface Match {
  identity_id: string;
  /** cosine similarity (dot product of unit vectors) */
  score: number;
}

export class Gallery {
  private data: Float32Array;
  private ids: string[] = [];
  private perms: Array<readonly string[]> = [];
  private users: IndexedUser[] = [];
  private rowOf = new Map<string, number>();

  constructor(
    readonly modelId: string,
    readonly dims: number,
    capacity = 1024,
  ) {
    this.data = new Float32Array(Math.max(1, capacity) * dims);
  }

  get size(): number {
    return this.ids.length;
  }

  user(id: string): IndexedUser | undefined {
    const r = this.rowOf.get(id);
    return r === undefined ? undefined : this.users[r];
  }

  /** Adds or overwrites one user's row (users of another model id or length are removed instead). */
  set(u: IndexedUser): void {
    if (u.model_id !== this.modelId || u.embedding.length !== this.dims) return this.delete(u.identity_id);
    let row = this.rowOf.get(u.identity_id);
    if (row === undefined) {
      row = this.ids.length;
      if ((row + 1) * this.dims > this.data.length) {
        const bigger = new Float32Array(this.data.length * 2);
        bigger.set(this.data);
        this.data = bigger;
      }
      this.ids.push(u.identity_id);
      this.perms.push(u.permission_ids);
      this.users.push(u);
      this.rowOf.set(u.identity_id, row);
    } else {
      this.perms[row] = u.permission_ids;
      this.users[row] = u;
    }
    // stored as a unit vector whatever came in, so a dot product is the cosine similarity
    const e = u.embedding;
    let n = 0;
    for (let i = 0; i < e.length; i++) n += e[i]! * e[i]!;
    const k = 1 / (Math.sqrt(n) || 1);
    const off = row * this.dims;
    for (let i = 0; i < this.dims; i++) this.data[off + i] = e[i]! * k;
  }

  delete(id: string): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    const last = this.ids.length - 1;
    if (row !== last) {
      this.data.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
      this.ids[row] = this.ids[last]!;
      this.perms[row] = this.perms[last]!;
      this.users[row] = this.users[last]!;
      this.rowOf.set(this.ids[row]!, row);
    }
    this.ids.pop();
    this.perms.pop();
    this.users.pop();
    this.rowOf.delete(id);
  }

  clear(): void {
    this.ids = [];
    this.perms = [];
    this.users = [];
    this.rowOf.clear();
  }

  apply(c: IndexChange): void {
    if (c.kind === 'set') this.set(c.user);
    else if (c.kind === 'delete') this.delete(c.id);
    else this.clear();
  }

  /**
   * The best match among the users holding one of `groups` (null = every user): the highest
   * cosine similarity, or null when no such user is enrolled. `q` need not be unit length.
   */
  search(q: ArrayLike<number>, groups: ReadonlySet<string> | null): Match | null {
    const d = this.dims;
    if (q.length !== d) throw new Error(`query has ${q.length} values, the gallery ${d}`);
    let qn = 0;
    for (let i = 0; i < d; i++) qn += q[i]! * q[i]!;
    const k = 1 / (Math.sqrt(qn) || 1);
    const qv = new Float32Array(d);
    for (let i = 0; i < d; i++) qv[i] = q[i]! * k;
    const data = this.data;
    const n = this.ids.length;
    let best = -Infinity;
    let bestRow = -1;
    const d4 = d - (d % 4);
    for (let r = 0, off = 0; r < n; r++, off += d) {
      // four accumulators: independent multiply-adds the CPU can overlap
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      for (; i < d4; i += 4) {
        s0 += data[off + i]! * qv[i]!;
        s1 += data[off + i + 1]! * qv[i + 1]!;
        s2 += data[off + i + 2]! * qv[i + 2]!;
        s3 += data[off + i + 3]! * qv[i + 3]!;
      }
      for (; i < d; i++) s0 += data[off + i]! * qv[i]!;
      const s = s0 + s1 + s2 + s3;
      // the group check only for a row that would win (most rows lose on the score)
      if (s > best && (groups === null || allowed(this.perms[r]!, groups))) {
        best = s;
        bestRow = r;
      }
    }
    return bestRow < 0 ? null : { identity_id: this.ids[bestRow]!, score: best };
  }
}

function allowed(perms: readonly string[], groups: ReadonlySet<string>): boolean {
  for (const p of perms) if (groups.has(p)) return true;
  return false;
}

/** A gallery of `modelId` filled from the users store and kept in step with it. */
export function galleryFor(users: UsersStore, modelId: string, dims: number): Gallery {
  const g = new Gallery(modelId, dims, Math.max(1024, users.count()));
  for (const u of users.index.values()) g.set(u);
  users.onChange((c) => g.apply(c));
  return g;
}

/** The naive search the benchmark compares with: per query, every user's embedding from the Map. */
export function naiveSearch(users: Iterable<IndexedUser>, q: ArrayLike<number>, modelId: string): Match | null {
  let best: Match | null = null;
  for (const u of users) {
    if (u.model_id !== modelId) continue;
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < q.length; i++) {
      dot += q[i]! * u.embedding[i]!;
      na += q[i]! * q[i]!;
      nb += u.embedding[i]! * u.embedding[i]!;
    }
    const s = dot / (Math.sqrt(na * nb) || 1);
    if (!best || s > best.score) best = { identity_id: u.identity_id, score: s };
  }
  return best;
}
