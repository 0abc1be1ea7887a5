// bench:recognition section "1:N search": the agent's gallery (agent/recognition/gallery.ts: one
// contiguous Float32Array of unit vectors, a dot-product loop) at N enrolled descriptors against
// a naive baseline in the same run (every user's embedding object from a Map, cosine with norms
// each time). Queries alternate between the two, one core (the loop is single-threaded).
import { DESCRIPTOR } from '../../agent/face/descriptor';
import { Gallery, naiveSearch } from '../../agent/recognition/gallery';
import type { IndexedUser } from '../../agent/users/store';
import { mulberry32 as rng } from '../helpers/random';

function unitVec(r: () => number, d: number): Float32Array {
  const v = new Float32Array(d);
  let n = 0;
  for (let i = 0; i < d; i++) {
    v[i] = r() * 2 - 1;
    n += v[i]! * v[i]!;
  }
  const k = 1 / Math.sqrt(n);
  for (let i = 0; i < d; i++) v[i]! *= k;
  return v;
}

const pctl = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

export interface SearchRow {
  n: number;
  queries: number;
  gallery: { p50: number; p99: number };
  naive: { p50: number; p99: number };
  agree: number;
}

export function searchSection(n = 50_000, queries = 300): SearchRow {
  const r = rng(12);
  const d = DESCRIPTOR.dims;
  const users: IndexedUser[] = [];
  const g = new Gallery(DESCRIPTOR.modelId, d);
  for (let i = 0; i < n; i++) {
    const u: IndexedUser = { identity_id: `u${i}`, name: null, type: 1, permission_ids: [i % 10 === 0 ? 'g2' : 'g1'], embedding: unitVec(r, d), model_id: DESCRIPTOR.modelId };
    users.push(u);
    g.set(u);
  }
  const map = new Map(users.map((u) => [u.identity_id, u]));
  const groups = new Set(['g1', 'g2']);
  const tg: number[] = [];
  const tn: number[] = [];
  let agree = 0;
  for (let q = 0; q < queries + 20; q++) {
    // half the probes near an enrolled face, half unknown
    const base = q % 2 === 0 ? users[Math.floor(r() * n)]!.embedding : unitVec(r, d);
    const probe = Float32Array.from(base, (x) => x + (r() - 0.5) * 0.02);
    let t = performance.now();
    const a = g.search(probe, groups);
    const dg = performance.now() - t;
    t = performance.now();
    const b = naiveSearch(map.values(), probe, DESCRIPTOR.modelId);
    const dn = performance.now() - t;
    if (q < 20) continue; // warm-up
    tg.push(dg);
    tn.push(dn);
    if (a?.identity_id === b?.identity_id) agree++;
  }
  return { n, queries, gallery: { p50: pctl(tg, 0.5), p99: pctl(tg, 0.99) }, naive: { p50: pctl(tn, 0.5), p99: pctl(tn, 0.99) }, agree };
}

export function printSearch(s: SearchRow): void {
  console.log(`\n## 1:N search — ${s.n} enrolled ${DESCRIPTOR.dims}-d descriptors, ${s.queries} queries, one core\n`);
  console.log('| search | p50 ms | p99 ms | × naive p50 | × naive p99 |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| gallery matrix (agent/recognition/gallery.ts) | ${s.gallery.p50.toFixed(2)} | ${s.gallery.p99.toFixed(2)} | ×${(s.gallery.p50 / s.naive.p50).toFixed(2)} | ×${(s.gallery.p99 / s.naive.p99).toFixed(2)} |`);
  console.log(`| naive (Map of users, cosine with norms) | ${s.naive.p50.toFixed(2)} | ${s.naive.p99.toFixed(2)} | ×1.00 | ×1.00 |`);
  console.log(`\nSame best match in ${s.agree}/${s.queries} queries. Target p99 ≤ 5 ms.`);
}
