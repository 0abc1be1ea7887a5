// The gallery's 1:N search kernels (agent/recognition/matrix.ts, wasm/search.as.ts) against a
// plain JavaScript reference written here (float64 cosine over the users' embeddings, the
// permission filter from the users' groups): the same best id and a score within 1e-5 for every
// kernel ('i8' WebAssembly SIMD with its float64 re-rank, 'f32', and the 'js' fallback; where
// two users score within 1e-6, the float32 rounding of stored rows, either may be named), and
// 'i8' exactly as the 'js' scan of the same stored rows (same user, same score), on
// random descriptors and on real ones (the face engine on the fixture photos, and on the
// labelled identity set when it is on this machine), through permission filters, overwrites,
// deletes, growth past capacity and wipes. Also: the committed WebAssembly module is what
// build/wasm.ts produces from the source today.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileSearchKernels, searchModuleText, SEARCH_KERNEL_MODULE } from '../../build/wasm';
import { Gallery } from '../../agent/recognition/gallery';
import { defaultKernel, type Kernel } from '../../agent/recognition/matrix';
import { createFaceEngine } from '../../agent/face';
import { DESCRIPTOR } from '../../agent/face/descriptor';
import type { IndexedUser } from '../../agent/users/store';
import { mulberry32 } from '../helpers/random';
import { labelledPhotos } from '../bench/verification';

const KERNELS: Kernel[] = ['i8', 'f32', 'js'];
const D = DESCRIPTOR.dims;
const FIXTURES = '/work/shared/fixtures/faces';

/** The reference: every user in a Map, float64 cosine, first best wins; null when none allowed. */
function reference(users: Map<string, IndexedUser>, q: ArrayLike<number>, groups: ReadonlySet<string> | null) {
  let best: { identity_id: string; score: number } | null = null;
  let qn = 0;
  for (let i = 0; i < q.length; i++) qn += q[i]! * q[i]!;
  for (const u of users.values()) {
    if (groups && !u.permission_ids.some((p) => groups.has(p))) continue;
    let dot = 0;
    let un = 0;
    for (let i = 0; i < q.length; i++) {
      dot += q[i]! * u.embedding[i]!;
      un += u.embedding[i]! * u.embedding[i]!;
    }
    const s = dot / (Math.sqrt(qn * un) || 1);
    if (!best || s > best.score) best = { identity_id: u.identity_id, score: s };
  }
  return best;
}

/** A world: the reference Map and one gallery per kernel, changed together. */
class World {
  readonly users = new Map<string, IndexedUser>();
  readonly galleries = KERNELS.map((k) => new Gallery(DESCRIPTOR.modelId, D, 16, k));
  /** per kernel: answers naming another user within 1e-6 of the best (float32 rounding) */
  ties: Record<string, number> = { i8: 0, f32: 0, js: 0 };
  set(id: string, embedding: Float32Array, permission_ids: string[]) {
    const u: IndexedUser = { identity_id: id, name: null, type: 1, permission_ids, embedding, model_id: DESCRIPTOR.modelId };
    this.users.set(id, u);
    for (const g of this.galleries) g.set(u);
  }
  delete(id: string) {
    this.users.delete(id);
    for (const g of this.galleries) g.delete(id);
  }
  clear() {
    this.users.clear();
    for (const g of this.galleries) g.clear();
  }
  /**
   * Every kernel against the reference for one query: the same best id (or, where two users
   * score within 1e-6 — the float32 rounding of stored rows — either of them) and the score
   * within 1e-5; and the 'i8' kernel exactly as the 'js' scan of the same stored rows (same
   * row, same float64 score). Returns the reference answer.
   */
  check(q: ArrayLike<number>, groups: ReadonlySet<string> | null, what: string) {
    const want = reference(this.users, q, groups);
    const got = new Map<string, ReturnType<Gallery['search']>>();
    for (const g of this.galleries) {
      assert.equal(g.size, this.users.size, `${g.kernel}: size`);
      const m = g.search(q, groups);
      got.set(g.kernel, m);
      if (want === null) {
        assert.equal(m, null, `${g.kernel}, ${what}: no user allowed`);
        continue;
      }
      assert.ok(m, `${g.kernel}, ${what}: a match`);
      if (m.identity_id !== want.identity_id) {
        const mine = reference(new Map([[m.identity_id, this.users.get(m.identity_id)!]]), q, null)!;
        assert.ok(Math.abs(mine.score - want.score) <= 1e-6, `${g.kernel}, ${what}: best id ${m.identity_id} (${mine.score}), the reference ${want.identity_id} (${want.score})`);
        this.ties[g.kernel]!++;
        if (process.env.SHOW_TIES) console.log(g.kernel, what, m, want, mine);
      }
      assert.ok(Math.abs(m.score - want.score) <= 1e-5, `${g.kernel}, ${what}: score ${m.score} vs ${want.score}`);
    }
    const [i8, js] = [got.get('i8'), got.get('js')];
    assert.equal(i8?.identity_id, js?.identity_id, `${what}: i8 and js name the same user`);
    if (i8 && js) assert.ok(Math.abs(i8.score - js.score) <= 1e-12, `${what}: i8 ${i8.score} vs js ${js.score}`);
    return want;
  }
}

function randomVec(r: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: D }, () => (r() * 2 - 1) * scale);
}

function near(r: () => number, v: Float32Array, noise: number): Float32Array {
  return Float32Array.from(v, (x) => x + (r() - 0.5) * noise);
}

test('the committed search kernel module is what build/wasm.ts makes from search.as.ts', async () => {
  const fresh = searchModuleText(await compileSearchKernels());
  assert.equal(readFileSync(SEARCH_KERNEL_MODULE, 'utf8'), fresh, 'run npm run build:wasm');
});

test('this Node runs the WebAssembly SIMD kernel by default', () => {
  assert.equal(defaultKernel(D), 'i8');
  assert.equal(new Gallery(DESCRIPTOR.modelId, D).kernel, 'i8');
  assert.equal(defaultKernel(100), 'js', 'dims that are not a multiple of 16 scan in JavaScript');
  assert.equal(new Gallery(DESCRIPTOR.modelId, 100).kernel, 'js');
});

test('random descriptors: same best id and score as the reference through filters, overwrites, deletes, growth and wipes', () => {
  const r = mulberry32(1201);
  const w = new World();
  const groupsOf = (i: number) => (i % 7 === 0 ? ['g2', 'g3'] : i % 5 === 0 ? ['g3'] : i % 11 === 0 ? [] : ['g1']);
  const filters: Array<ReadonlySet<string> | null> = [null, new Set(['g1']), new Set(['g2']), new Set(['g3']), new Set(['g2', 'g1']), new Set(['nobody'])];
  const probe = (q: number) => {
    const ids = [...w.users.keys()];
    const base = q % 2 === 0 && ids.length ? w.users.get(ids[Math.floor(r() * ids.length)]!)!.embedding : randomVec(r);
    return near(r, base, q % 4 === 0 ? 0.05 : 0.6);
  };
  // grow from capacity 16 past several doublings, checking on the way
  for (let i = 0; i < 3000; i++) {
    w.set(`u${i}`, randomVec(r, 0.5 + r()), groupsOf(i));
    if (i % 250 === 0) for (const f of filters) w.check(probe(i), f, `after ${i + 1} adds`);
  }
  for (let q = 0; q < 60; q++) w.check(probe(q), filters[q % filters.length]!, `query ${q}`);
  // overwrite some (new vector and new groups), delete others, re-add deleted ids
  for (let i = 0; i < 3000; i += 3) w.set(`u${i}`, randomVec(r), groupsOf(i + 1));
  for (let i = 1; i < 3000; i += 4) w.delete(`u${i}`);
  w.delete('not-enrolled');
  for (let q = 0; q < 60; q++) w.check(probe(q), filters[q % filters.length]!, `after overwrites and deletes, query ${q}`);
  for (let i = 1; i < 400; i += 4) w.set(`u${i}`, randomVec(r), ['g2']);
  for (let q = 0; q < 30; q++) w.check(probe(q), filters[q % filters.length]!, `after re-adds, query ${q}`);
  // an enrolled vector itself is its own best match (score 1)
  const some = w.users.get('u9')!;
  const hit = w.check(some.embedding, null, 'an enrolled vector');
  assert.equal(hit!.identity_id, 'u9');
  assert.ok(Math.abs(hit!.score - 1) < 1e-6);
  // wipe, then a fresh gallery in the same objects
  w.clear();
  for (const f of filters) w.check(randomVec(r), f, 'after a wipe');
  for (let i = 0; i < 100; i++) w.set(`v${i}`, randomVec(r), groupsOf(i));
  for (let q = 0; q < 20; q++) w.check(probe(q), filters[q % filters.length]!, `after a wipe and re-adds, query ${q}`);
  assert.deepEqual(w.ties, { i8: 0, f32: 0, js: 0 }, 'random vectors never tie');
});

test('a dense gallery (many near-identical rows, all scores close) stays exact', () => {
  const r = mulberry32(77);
  const w = new World();
  const centre = randomVec(r);
  for (let i = 0; i < 2000; i++) w.set(`c${i}`, near(r, centre, 0.02), [i % 2 ? 'a' : 'b']);
  for (let q = 0; q < 40; q++) w.check(near(r, centre, 0.02), q % 3 === 0 ? null : new Set([q % 2 ? 'a' : 'b']), `dense query ${q}`);
});

test('bad values: a query of the wrong length is refused, a non-finite query or row matches nothing', () => {
  const w = new World();
  const r = mulberry32(5);
  w.set('a', randomVec(r), ['0']);
  for (const g of w.galleries) assert.throws(() => g.search(new Float32Array(D - 1), null), /query has 127 values, the gallery 128/);
  const nan = randomVec(r);
  nan[3] = NaN;
  for (const g of w.galleries) assert.equal(g.search(nan, null), null, `${g.kernel}: NaN query`);
  for (const g of w.galleries) g.set({ identity_id: 'bad', name: null, type: 1, permission_ids: ['0'], embedding: nan, model_id: DESCRIPTOR.modelId });
  for (const g of w.galleries) assert.equal(g.size, 1, `${g.kernel}: a row with NaN is not searched`);
  for (const g of w.galleries) g.set({ identity_id: 'other-model', name: null, type: 1, permission_ids: ['0'], embedding: randomVec(r), model_id: 'another' });
  w.check(randomVec(r), null, 'after refused rows');
  // a zero query scores 0 against everything: some user, score 0
  w.set('b', randomVec(r), ['0']);
  for (const g of w.galleries) assert.equal(g.search(new Float32Array(D), null)?.score, 0, `${g.kernel}: zero query`);
});

// Real descriptors from the face engine: the fixture photos, and (when on this machine) the
// first photos of the labelled identity set. The gallery is the real descriptors plus blends
// of them (realistic directions, many close scores); queries are the real descriptors, blends
// and noisy copies.
let real: Float32Array[] = [];
before(async () => {
  const engine = await createFaceEngine({ threads: 1 });
  try {
    const files = [...readdirSync(FIXTURES).filter((f) => f.endsWith('.jpg')).map((f) => join(FIXTURES, f)), ...labelledPhotos().slice(0, 30).map((p) => p.file)];
    for (const f of files) {
      const a = await engine.analyze(readFileSync(f), { level: 'no', maxFaces: 10 }).catch(() => null);
      for (const face of a?.data ?? []) if (face.attributes?.embedding?.length === D) real.push(Float32Array.from(face.attributes.embedding));
    }
  } finally {
    await engine.close();
  }
});
after(() => {
  real = [];
});

test('real descriptors: same best id and score as the reference', { timeout: 600_000 }, () => {
  assert.ok(real.length >= 10, `${real.length} faces from the fixtures`);
  const r = mulberry32(9);
  const w = new World();
  const blend = () => {
    const a = real[Math.floor(r() * real.length)]!;
    let b = real[Math.floor(r() * real.length)]!;
    if (b === a) b = real[(real.indexOf(a) + 1) % real.length]!;
    const t = 0.05 + r() * 0.45;
    return Float32Array.from(a, (x, i) => x * (1 - t) + b[i]! * t);
  };
  real.forEach((e, i) => w.set(`real${i}`, e, [i % 2 ? 'even' : 'odd']));
  for (let i = 0; i < 5000; i++) w.set(`blend${i}`, blend(), [i % 3 ? 'even' : 'odd']);
  const filters = [null, new Set(['even']), new Set(['odd'])];
  for (let q = 0; q < real.length; q++) w.check(real[q]!, filters[q % 3]!, `real face ${q}`);
  for (let q = 0; q < 60; q++) w.check(q % 2 ? blend() : near(r, real[q % real.length]!, 0.01), filters[q % 3]!, `blend/noisy query ${q}`);
  for (let i = 0; i < real.length; i += 2) w.delete(`real${i}`);
  for (let q = 0; q < real.length; q++) w.check(real[q]!, filters[q % 3]!, `real face ${q} after deletes`);
});
