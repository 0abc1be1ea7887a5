// Face-verification figures from a labelled set's embeddings, shared by the recognition
// benchmark (test/bench/recognition.ts) and the descriptor tests: all same-person and
// different-person pairs, LFW-style accuracy with the threshold chosen by cross-validation
// over identity-disjoint folds, the true-accept rate at a false-accept rate, and rank-1
// identification against a one-photo-per-person gallery.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 as rng } from '../helpers/random';

/** The photos of a labelled set (one folder per person); empty when the folder is not there. */
export function labelledPhotos(dir = FACES_ID_DIR): LabelledPhoto[] {
  const out: LabelledPhoto[] = [];
  if (!existsSync(dir)) return out;
  for (const person of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort())
    for (const f of readdirSync(join(dir, person)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort()) out.push({ person, file: join(dir, person, f) });
  return out;
}

/**
 * The labelled identity set. Its photos are not committed (they come from fetched public
 * snapshots; test/fixtures/faces-id/manifest.json names each file's source and sha256): the
 * first of `$FACES_ID_DIR`, `../shared/fixtures/faces-id` beside the checkout, or a local copy in
 * test/fixtures/faces-id that holds photos.
 */
export const FACES_ID_DIR: string = (() => {
  const local = new URL('../fixtures/faces-id/', import.meta.url).pathname;
  const shared = new URL('../../../shared/fixtures/faces-id/', import.meta.url).pathname;
  return [process.env.FACES_ID_DIR, shared, local].find((d): d is string => !!d && labelledPhotos(d).length > 0) ?? local;
})();

export interface LabelledPhoto {
  person: string;
  file: string;
}

/** Cosine similarity of unit vectors; a face that was not found scores −1 against anything. */
export function similarity(a: Float32Array | null, b: Float32Array | null): number {
  if (!a || !b) return -1;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function unit(v: ArrayLike<number>): Float32Array {
  let l = 0;
  for (let i = 0; i < v.length; i++) l += v[i]! * v[i]!;
  l = Math.sqrt(l) || 1;
  return Float32Array.from(v as ArrayLike<number>, (x) => x / l);
}

export interface Pair {
  i: number;
  j: number;
  same: boolean;
}

/** Every unordered pair of photos. */
export function allPairs(photos: LabelledPhoto[]): Pair[] {
  const out: Pair[] = [];
  for (let i = 0; i < photos.length; i++) for (let j = i + 1; j < photos.length; j++) out.push({ i, j, same: photos[i]!.person === photos[j]!.person });
  return out;
}

/**
 * `folds` identity-disjoint folds (people dealt round-robin in name order), each with all its
 * same-person pairs and as many different-person pairs of its own people, drawn with a fixed
 * seed (a balanced set, as LFW's).
 */
export function balancedFolds(photos: LabelledPhoto[], folds = 10, seed = 12): Pair[][] {
  const people = [...new Set(photos.map((p) => p.person))].sort();
  const foldOf = new Map(people.map((p, k) => [p, k % folds]));
  const out: Pair[][] = Array.from({ length: folds }, () => []);
  const rand = rng(seed);
  for (let f = 0; f < folds; f++) {
    const idx = photos.map((p, i) => (foldOf.get(p.person) === f ? i : -1)).filter((i) => i >= 0);
    const gen: Pair[] = [];
    const imp: Pair[] = [];
    for (let a = 0; a < idx.length; a++)
      for (let b = a + 1; b < idx.length; b++) {
        const i = idx[a]!;
        const j = idx[b]!;
        (photos[i]!.person === photos[j]!.person ? gen : imp).push({ i, j, same: photos[i]!.person === photos[j]!.person });
      }
    // Fisher–Yates on the impostors, keep as many as there are genuine pairs
    for (let k = imp.length - 1; k > 0; k--) {
      const r = Math.floor(rand() * (k + 1));
      [imp[k], imp[r]] = [imp[r]!, imp[k]!];
    }
    out[f] = [...gen, ...imp.slice(0, gen.length)];
  }
  return out;
}

/** Accuracy of "same person iff score ≥ t" on scored pairs. */
export function accuracyAt(scored: Array<{ s: number; same: boolean }>, t: number): number {
  let ok = 0;
  for (const p of scored) if (p.s >= t === p.same) ok++;
  return scored.length ? ok / scored.length : NaN;
}

/** The threshold with the best accuracy on `scored` (midpoints between sorted scores). */
export function bestThreshold(scored: Array<{ s: number; same: boolean }>): number {
  const sorted = [...scored].sort((a, b) => a.s - b.s);
  // below every score all pairs are accepted; then reject the lowest ones one by one
  let acceptedSame = sorted.filter((p) => p.same).length;
  let rejectedDiff = 0;
  let bestOk = acceptedSame;
  let bestT = sorted.length ? sorted[0]!.s - 1e-6 : 0;
  for (let k = 0; k < sorted.length; k++) {
    if (sorted[k]!.same) acceptedSame--;
    else rejectedDiff++;
    const ok = acceptedSame + rejectedDiff;
    if (ok > bestOk) {
      bestOk = ok;
      bestT = k + 1 < sorted.length ? (sorted[k]!.s + sorted[k + 1]!.s) / 2 : sorted[k]!.s + 1e-6;
    }
  }
  return bestT;
}

export interface VerificationFigures {
  /** mean and standard deviation of the 10 test folds' accuracy (threshold from the other 9) */
  accuracy: number;
  accuracyStd: number;
  /** the thresholds the folds chose: mean, min, max */
  cvThreshold: { mean: number; min: number; max: number };
  /** true-accept rate at a false-accept rate ≤ `far`, over all pairs of the set */
  tar: number;
  far: number;
  /** the score above which at most `far` of the different-person pairs fall */
  farThreshold: number;
  genuinePairs: number;
  impostorPairs: number;
  /** lowest same-person score and highest different-person score */
  minGenuine: number;
  maxImpostor: number;
}

export function verification(photos: LabelledPhoto[], emb: Array<Float32Array | null>, far = 0.001, folds = 10): VerificationFigures {
  const fs = balancedFolds(photos, folds).map((f) => f.map((p) => ({ s: similarity(emb[p.i]!, emb[p.j]!), same: p.same })));
  const accs: number[] = [];
  const ts: number[] = [];
  for (let k = 0; k < fs.length; k++) {
    const train = fs.filter((_, m) => m !== k).flat();
    const t = bestThreshold(train);
    ts.push(t);
    accs.push(accuracyAt(fs[k]!, t));
  }
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const m = mean(accs);
  const std = Math.sqrt(mean(accs.map((a) => (a - m) ** 2)));
  const gen: number[] = [];
  const imp: number[] = [];
  for (const p of allPairs(photos)) (p.same ? gen : imp).push(similarity(emb[p.i]!, emb[p.j]!));
  imp.sort((a, b) => b - a);
  const k = Math.floor(far * imp.length);
  const farThreshold = imp[k]!; // accept s > farThreshold: at most k impostors of imp.length
  const tar = gen.filter((s) => s > farThreshold).length / gen.length;
  return {
    accuracy: m,
    accuracyStd: std,
    cvThreshold: { mean: mean(ts), min: Math.min(...ts), max: Math.max(...ts) },
    tar,
    far,
    farThreshold,
    genuinePairs: gen.length,
    impostorPairs: imp.length,
    minGenuine: Math.min(...gen),
    maxImpostor: imp[0]!,
  };
}

/**
 * Rank-1 identification: each person's gallery photo is the first of `galleryOrder` they have
 * (else their first photo); every other photo is a probe, correct when the most similar
 * gallery photo is the same person's.
 */
export function rank1(photos: LabelledPhoto[], emb: Array<Float32Array | null>, galleryOrder: string[] = []): { rate: number; probes: number; gallery: number } {
  const byPerson = new Map<string, number[]>();
  photos.forEach((p, i) => byPerson.set(p.person, [...(byPerson.get(p.person) ?? []), i]));
  const gallery = new Map<string, number>();
  for (const [person, idx] of byPerson) {
    const pick = galleryOrder.map((name) => idx.find((i) => photos[i]!.file.endsWith(name))).find((i) => i !== undefined) ?? idx[0]!;
    gallery.set(person, pick);
  }
  const g = [...gallery.entries()];
  let ok = 0;
  let probes = 0;
  photos.forEach((p, i) => {
    if (gallery.get(p.person) === i) return;
    probes++;
    let best = -Infinity;
    let who = '';
    for (const [person, gi] of g) {
      const s = similarity(emb[i]!, emb[gi]!);
      if (s > best) {
        best = s;
        who = person;
      }
    }
    if (who === p.person && emb[i]) ok++;
  });
  return { rate: probes ? ok / probes : NaN, probes, gallery: g.length };
}
