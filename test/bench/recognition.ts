// npm run bench:recognition [-- --rounds R]
// Recognition on the box. Sections (each prints its own table):
//   Face descriptors — every descriptor candidate (build/models/descriptor-candidates.ts) on
//   the labelled identity set test/fixtures/faces-id (real photos, 2–3 per person taken years
//   apart): verification accuracy (LFW-style: balanced same/different pairs in 10
//   identity-disjoint folds, the threshold chosen on 9 folds and tested on the 10th), the
//   true-accept rate at a false-accept rate of 0.1 % (over all pairs of the set), rank-1
//   identification (one gallery photo per person, the others as probes), and ms per face on
//   one core (onnxruntime intraOpNumThreads 1: the model's crop sampling + inference).
//   This shared machine's speed drifts, so the candidates are timed interleaved face by face
//   over R rounds (default 3), and each is also given as a ratio to FaceRes (today's
//   descriptor, the baseline) measured in the same rounds (median of the rounds' ratios).
//   1:N search — the agent's gallery at 50,000 descriptors, each search kernel against the plain
//   JavaScript scan (./search.ts). `--section search` runs only this one.
//   Snapshot → realtime event — a real agent and a minimal platform, p50/p99 over
//   `--snapshots N` (default 500) against the face engine alone (./recognition-e2e.ts).
//   `--section e2e` runs only this one.
//   `--section descriptors` runs only the descriptor table.
// Writes the figures to .tmp/bench-recognition*.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as ort from 'onnxruntime-node';
import { DESCRIPTOR_CANDIDATES, ensureCandidate, type DescriptorCandidate } from '../../build/models/descriptor-candidates';
import { descriptorInput } from '../../agent/face/descriptor-crop';
import { createFaceEngine } from '../../agent/face/engine';
import type { Pyramid } from '../../agent/face/image';
import type { Mesh } from '../../agent/face/landmarks';
import { FACES_ID_DIR, labelledPhotos, rank1, unit, verification } from './verification';
import { printSearch, searchSection } from './search';
import { e2eSection, printE2e } from './recognition-e2e';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = Math.max(1, arg('--rounds', 3));
const BASELINE = 'faceres';
const GALLERY_ORDER = ['gpo-2015.jpg', 'gpo-2024.jpg', 'bioguide.jpg'];

interface Runner {
  c: DescriptorCandidate;
  session: ort.InferenceSession;
  inputName: string;
  outputName: string;
  buf: Float32Array;
  embed(pyr: Pyramid, mesh: Mesh): Promise<Float32Array>;
}

async function runner(c: DescriptorCandidate): Promise<Runner> {
  const { file, inputName, outputName } = ensureCandidate(c);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
  const n = c.input.size;
  const buf = new Float32Array(n * n * 3);
  return {
    c,
    session,
    inputName,
    outputName,
    buf,
    async embed(pyr, mesh) {
      const input = descriptorInput(pyr, mesh, c.input, buf);
      const out = await session.run({ [inputName]: new ort.Tensor('float32', input, [1, n, n, 3]) });
      const v = out[outputName]!.data as Float32Array;
      if (v.length !== c.dims) throw new Error(`${c.id}: ${v.length}-d output, expected ${c.dims}`);
      return unit(v);
    },
  };
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export interface DescriptorRow {
  id: string;
  label: string;
  dims: number;
  accuracy: number;
  accuracyStd: number;
  cvThreshold: { mean: number; min: number; max: number };
  tarAtFar: number;
  farThreshold: number;
  rank1: number;
  minGenuine: number;
  maxImpostor: number;
  msPerFace: number;
  msRounds: number[];
  ratioToBaseline: number;
  facesFound: number;
}

async function descriptorSection(): Promise<{ rows: DescriptorRow[]; photos: number; people: number; genuine: number; impostor: number }> {
  const photos = labelledPhotos();
  if (photos.length === 0) {
    console.error(`bench:recognition: the labelled identity set is not on this machine (${FACES_ID_DIR}); test/fixtures/faces-id/README.md says where its photos come from`);
    process.exit(2);
  }
  const people = new Set(photos.map((p) => p.person)).size;
  const runners: Runner[] = [];
  for (const c of DESCRIPTOR_CANDIDATES) runners.push(await runner(c));
  const emb: Record<string, Array<Float32Array | null>> = Object.fromEntries(runners.map((r) => [r.c.id, photos.map(() => null)]));
  const ms: Record<string, number[]> = Object.fromEntries(runners.map((r) => [r.c.id, []]));
  let current = -1;
  let round = 0;
  const engine = await createFaceEngine({
    threads: 1,
    async inspectFace({ pyramid, mesh, index }) {
      if (index !== 0) return; // the largest face of each photo
      // interleaved: every candidate on this face, in a rotating order, timed each
      for (let k = 0; k < runners.length; k++) {
        const r = runners[(k + current + round) % runners.length]!;
        const t0 = performance.now();
        const v = await r.embed(pyramid, mesh);
        const dt = performance.now() - t0;
        emb[r.c.id]![current] = v;
        ms[r.c.id]!.push(dt);
      }
    },
  });
  const bufs = photos.map((p) => readFileSync(p.file));
  // warm-up (sessions' first runs allocate), not timed
  for (let i = 0; i < Math.min(5, bufs.length); i++) {
    current = i;
    await engine.analyze(bufs[i]!, { level: 'no', attributes: false, maxFaces: 1 }).catch(() => undefined);
  }
  const perRound: Record<string, number[]> = Object.fromEntries(runners.map((r) => [r.c.id, []]));
  let missing = 0;
  for (round = 0; round < ROUNDS; round++) {
    for (const r of runners) ms[r.c.id] = [];
    missing = 0;
    for (let i = 0; i < photos.length; i++) {
      current = i;
      try {
        await engine.analyze(bufs[i]!, { level: 'no', attributes: false, maxFaces: 1 });
      } catch {
        missing++;
      }
    }
    for (const r of runners) perRound[r.c.id]!.push(ms[r.c.id]!.reduce((a, b) => a + b, 0) / Math.max(1, ms[r.c.id]!.length));
    process.stderr.write(`round ${round + 1}/${ROUNDS}${missing ? ` (${missing} photos without a face)` : ''}: ${runners.map((r) => `${r.c.id} ${perRound[r.c.id]!.at(-1)!.toFixed(2)} ms`).join(', ')}\n`);
  }
  await engine.close();
  const rows: DescriptorRow[] = [];
  let genuine = 0;
  let impostor = 0;
  for (const r of runners) {
    const e = emb[r.c.id]!;
    const v = verification(photos, e);
    genuine = v.genuinePairs;
    impostor = v.impostorPairs;
    const ratios = perRound[r.c.id]!.map((m, k) => m / perRound[BASELINE]![k]!);
    rows.push({
      id: r.c.id,
      label: r.c.label,
      dims: r.c.dims,
      accuracy: v.accuracy,
      accuracyStd: v.accuracyStd,
      cvThreshold: v.cvThreshold,
      tarAtFar: v.tar,
      farThreshold: v.farThreshold,
      rank1: rank1(photos, e, GALLERY_ORDER).rate,
      minGenuine: v.minGenuine,
      maxImpostor: v.maxImpostor,
      msPerFace: median(perRound[r.c.id]!),
      msRounds: perRound[r.c.id]!,
      ratioToBaseline: median(ratios),
      facesFound: e.filter((x) => x).length,
    });
    await r.session.release();
  }
  return { rows, photos: photos.length, people, genuine, impostor };
}

async function main() {
  const section = process.argv.includes('--section') ? process.argv[process.argv.indexOf('--section') + 1] : null;
  const out = new URL('../../.tmp/', import.meta.url).pathname;
  mkdirSync(out, { recursive: true });
  if (section === null || section === 'search') {
    const search = searchSection();
    printSearch(search);
    writeFileSync(`${out}bench-recognition-search.json`, JSON.stringify({ date: new Date().toISOString(), load: loadavg(), search }, null, 2));
  }
  if (section === null || section === 'e2e') {
    const e2e = await e2eSection(Math.max(1, arg('--snapshots', 500)));
    printE2e(e2e);
    writeFileSync(`${out}bench-recognition-e2e.json`, JSON.stringify({ date: new Date().toISOString(), e2e }, null, 2));
  }
  if (section !== null && section !== 'descriptors') return;
  const load0 = loadavg()[0]!;
  const d = await descriptorSection();
  const load1 = loadavg()[0]!;
  console.log(`\n## Face descriptors — ${d.people} people, ${d.photos} photos (test/fixtures/faces-id), ${d.genuine} same-person and ${d.impostor} different-person pairs\n`);
  console.log('| descriptor | dims | verification accuracy (10-fold CV) | threshold chosen by CV (mean, range) | TAR at FAR 0.1 % | threshold at FAR 0.1 % | rank-1 | ms per face, 1 core (median of rounds) | × FaceRes (same rounds) | faces found |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of d.rows) {
    console.log(
      `| ${r.label} (\`${r.id}\`) | ${r.dims} | ${pct(r.accuracy)} ± ${(100 * r.accuracyStd).toFixed(1)} | ${r.cvThreshold.mean.toFixed(3)} (${r.cvThreshold.min.toFixed(3)}–${r.cvThreshold.max.toFixed(3)}) | ${pct(r.tarAtFar)} | ${r.farThreshold.toFixed(3)} | ${pct(r.rank1)} | ${r.msPerFace.toFixed(2)} (${r.msRounds.map((m) => m.toFixed(2)).join(', ')}) | ×${r.ratioToBaseline.toFixed(2)} | ${r.facesFound}/${d.photos} |`,
    );
  }
  console.log(`\nLoad average ${load0.toFixed(1)} → ${load1.toFixed(1)} during the run; ${ROUNDS} rounds.`);
  writeFileSync(`${out}bench-recognition.json`, JSON.stringify({ date: new Date().toISOString(), ...d }, null, 2));
}

await main();
