// The 1:N search's gallery: every enrolled descriptor of one model id as a unit vector in a
// row matrix laid out for the search kernels (./matrix.ts: WebAssembly SIMD, exact; a plain
// JavaScript scan where SIMD is missing), plus parallel arrays of ids and users and each row's
// permission class (./permissions.ts). Updated incrementally from the users store (set → write
// the row in place or append; delete → move the last row into the hole; clear → empty); a query
// is one scan of the matrix, never a database read.
import type { IndexChange, IndexedUser, UsersStore } from '../users/store';
import { RowMatrix, type Kernel } from './matrix';
import { PermissionClasses } from './permissions';

export interface Match {
  identity_id: string;
  /** cosine similarity (dot product of unit vectors) */
  score: number;
}

export class Gallery {
  private readonly m: RowMatrix;
  private readonly classes = new PermissionClasses();
  private ids: string[] = [];
  private users: IndexedUser[] = [];
  private rowOf = new Map<string, number>();
  private readonly unit: Float64Array;

  constructor(
    readonly modelId: string,
    readonly dims: number,
    capacity = 1024,
    kernel?: Kernel,
  ) {
    this.m = new RowMatrix(dims, capacity, kernel);
    this.unit = new Float64Array(dims);
  }

  /** which search kernel this gallery runs ('i8' WebAssembly SIMD, 'f32', or 'js') */
  get kernel(): Kernel {
    return this.m.kernel;
  }

  get size(): number {
    return this.ids.length;
  }

  user(id: string): IndexedUser | undefined {
    const r = this.rowOf.get(id);
    return r === undefined ? undefined : this.users[r];
  }

  /** `v` as a unit vector in this.unit; false when it has a value that is not a finite number. */
  private normalize(v: ArrayLike<number>): boolean {
    let n = 0;
    for (let i = 0; i < this.dims; i++) n += v[i]! * v[i]!;
    if (!Number.isFinite(n)) return false;
    const k = 1 / (Math.sqrt(n) || 1);
    for (let i = 0; i < this.dims; i++) this.unit[i] = v[i]! * k;
    return true;
  }

  /** Adds or overwrites one user's row (users of another model id or length, or with a non-finite value, are removed instead). */
  set(u: IndexedUser): void {
    if (u.model_id !== this.modelId || u.embedding.length !== this.dims || !this.normalize(u.embedding)) return this.delete(u.identity_id);
    const c = this.classes.acquire(u.permission_ids);
    let row = this.rowOf.get(u.identity_id);
    if (row === undefined) {
      row = this.ids.length;
      this.ids.push(u.identity_id);
      this.users.push(u);
      this.rowOf.set(u.identity_id, row);
    } else {
      this.classes.release(this.m.classOf(row));
      this.users[row] = u;
    }
    this.m.put(row, this.unit, c);
  }

  delete(id: string): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    this.classes.release(this.m.classOf(row));
    this.m.removeAt(row);
    const last = this.ids.length - 1;
    if (row !== last) {
      this.ids[row] = this.ids[last]!;
      this.users[row] = this.users[last]!;
      this.rowOf.set(this.ids[row]!, row);
    }
    this.ids.pop();
    this.users.pop();
    this.rowOf.delete(id);
  }

  clear(): void {
    this.ids = [];
    this.users = [];
    this.rowOf.clear();
    this.classes.clear();
    this.m.clear();
  }

  apply(c: IndexChange): void {
    if (c.kind === 'set') this.set(c.user);
    else if (c.kind === 'delete') this.delete(c.id);
    else this.clear();
  }

  /**
   * The best match among the users holding one of `groups` (null = every user): the highest
   * cosine similarity, or null when no such user is enrolled (or the query has a value that is
   * not a finite number). `q` need not be unit length.
   */
  search(q: ArrayLike<number>, groups: ReadonlySet<string> | null): Match | null {
    if (q.length !== this.dims) throw new Error(`query has ${q.length} values, the gallery ${this.dims}`);
    if (this.ids.length === 0 || !this.normalize(q)) return null;
    const hit = this.m.search(this.unit, groups === null ? null : this.classes.allowed(groups));
    return hit ? { identity_id: this.ids[hit.row]!, score: hit.score } : null;
  }
}

/** A gallery of `modelId` filled from the users store and kept in step with it. */
export function galleryFor(users: UsersStore, modelId: string, dims: number): Gallery {
  const g = new Gallery(modelId, dims, Math.max(1024, users.count()));
  for (const u of users.index.values()) g.set(u);
  users.onChange((c) => g.apply(c));
  return g;
}
