// npm run bench:fiqa-accuracy [-- --people N] [--jobs J] [--json out.json] [--show CATEGORY]
// Photo Check accuracy on the labelled evaluation set (test/fixtures/fiqa-eval/, or
// $FIQA_EVAL_DIR; see its README) plus test/fixtures/faces-id/*/gpo-2024.jpg when that identity
// set is there (or $FIQA_ID_DIR): good portraits must pass, code-made degradations of them
// (eye covers, sunglasses, covered mouth, blur, dark, blown out, tiny face, sideways, half
// cropped, JPEG q5, two people) must fail with the right reason named first, copies under
// coloured light (green, yellow, tungsten, blue, magenta) must still pass, animals, non-faces,
// statues, drawings and cartoons must never pass, real sunglasses must fail on the eyes, and real
// faces photographed for other purposes (Flickr) and black-and-white or sepia photos of real
// people must never be refused as not human. Prints per
// category, at levels high and middle, the rate of right
// verdicts and the rate of right first reasons (and at level low, which judges fewer checks).
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judge } from '../../agent/face/levels';
import { createFacePool } from '../../agent/face/pool';
import type { CheckResult, FiqaAnalysis, FiqaLevel } from '../../agent/face/types';
import { DEGRADATIONS, degrade, LIGHTS, nonFaces, twoPeople, underLight, type FaceGeometry, type Light } from '../fiqa/degrade';
import { FACES_ID_DIR } from './verification';

const argOf = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const EVAL = process.env.FIQA_EVAL_DIR ?? fileURLToPath(new URL('../fixtures/fiqa-eval/', import.meta.url));
const PEOPLE = Number(argOf('--people') ?? 1e9);
const JOBS = Number(argOf('--jobs') ?? 2);
const SHOW = argOf('--show');
const LEVELS: FiqaLevel[] = ['high', 'middle', 'low'];
/** degradations level low is meant to accept (40 px faces, any exposure, any JPEG quality): no expectation there */
const LOW_ACCEPTS = new Set(['tiny-face', 'jpeg-q5', 'dark', 'blown-out']);

interface Manifest {
  photos: Array<{
    file: string;
    category:
      | 'portrait'
      | 'portrait-gpo'
      | 'portrait-flickr'
      | 'portrait-bw'
      | 'portrait-sepia'
      | 'beard'
      | 'animal'
      | 'artwork'
      | 'statue'
      | 'drawing'
      | 'cartoon'
      | 'sunglasses-real'
      | 'group';
    person?: string;
  }>;
}
if (!existsSync(join(EVAL, 'manifest.json'))) {
  console.error(`no evaluation set at ${EVAL} (see test/fixtures/fiqa-eval/README.md for how it is made)`);
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(join(EVAL, 'manifest.json'), 'utf8')) as Manifest;
// The identity set's newest official portrait of each person (test/fixtures/faces-id/, from
// the descriptor work; public-domain GPO photos, not committed: see ./verification.ts), when it
// is there: more people.
const ID_DIR = FACES_ID_DIR;
if (existsSync(ID_DIR)) {
  for (const person of readdirSync(ID_DIR).sort()) {
    const f = join(ID_DIR, person, 'gpo-2024.jpg');
    if (existsSync(f)) manifest.photos.push({ file: f, category: 'portrait-gpo', person });
  }
}
const present = manifest.photos.filter((p) => existsSync(resolve(EVAL, p.file)));
if (present.length < manifest.photos.length) console.log(`note: ${manifest.photos.length - present.length} photos of the manifest are missing from ${EVAL}`);

/** What a category must get: pass, or fail with a first reason matching `reason`. */
interface Expect {
  pass: boolean;
  reason?: (first: Verdict['first']) => boolean;
  /** instead of pass/fail, what a right outcome is (photos that may fail, only not for this) */
  right?: (v: Verdict) => boolean;
}
const named = (...names: string[]) => (f: Verdict['first']) => !!f && names.includes(f.name);
const eyes = (f: Verdict['first']) => !!f && (f.name === 'eyes_open' || f.name === 'eyes_visible' || (f.name === 'occlusion' && /eyes/.test(f.reason)));
// the engine refuses a face that is not human (an animal, a painting, a drawing, a statue) with
// 40004 "no human face: …"; any 40004 (no face found at all) is a right refusal for them too
const notAFace = (f: Verdict['first']) => !!f && f.name === 'no_face';
const refusedAsNotHuman = (v: Verdict) => v.first?.name === 'no_face' && /no human face/.test(v.first.reason);
const EXPECT: Record<string, Expect> = {
  portrait: { pass: true },
  // 335x410 official photos; senators' are framed wider, and some faces are under 100 px
  'portrait-gpo': { pass: true },
  beard: { pass: true },
  // a good portrait under coloured light (green, yellow, tungsten, blue, magenta; mild and strong)
  ...Object.fromEntries(Object.keys(LIGHTS).map((k) => [k, { pass: true }])),
  // real people photographed for Flickr, not for enrolment (turned, lit for effect, cropped):
  // they may fail any quality check, but must never be refused as not human
  'portrait-flickr': { pass: true, right: (v) => !refusedAsNotHuman(v) },
  // black-and-white and toned (sepia) photos of real people, many of them old prints: they may
  // fail any quality check (size, blur, pose), but must never be refused as not human
  'portrait-bw': { pass: true, right: (v) => !refusedAsNotHuman(v) },
  'portrait-sepia': { pass: true, right: (v) => !refusedAsNotHuman(v) },
  'eyebar-black': { pass: false, reason: eyes },
  'eyebar-white': { pass: false, reason: eyes },
  'eyebar-grey': { pass: false, reason: eyes },
  'eyebar-skin': { pass: false, reason: eyes },
  sunglasses: { pass: false, reason: eyes },
  'sunglasses-real': { pass: false, reason: eyes },
  'mouth-covered': { pass: false, reason: (f) => !!f && (f.name === 'mask' || (f.name === 'occlusion' && /mouth/.test(f.reason))) },
  blur: { pass: false, reason: (f) => named('clarity')(f) || (f?.name === 'no_face' && /blurred/.test(f.reason)) },
  dark: { pass: false, reason: (f) => named('brightness', 'exposure')(f) || (f?.name === 'no_face' && /dark/.test(f.reason)) },
  'blown-out': { pass: false, reason: (f) => named('brightness', 'exposure')(f) || (f?.name === 'no_face' && /white/.test(f.reason)) },
  'tiny-face': { pass: false, reason: named('face_size', 'inter_eye_distance') },
  sideways: { pass: false, reason: (f) => !!f && /sideways|rotate/.test(f.reason) && !/turned/.test(f.reason) },
  'half-cropped': { pass: false, reason: (f) => !!f && /cut off/.test(f.reason) },
  'jpeg-q5': { pass: false, reason: named('compression') },
  'two-people': { pass: false, reason: named('single_face') },
  animal: { pass: false, reason: (f) => !!f && (f.name === 'no_face' || f.name === 'human_face') },
  artwork: { pass: false },
  statue: { pass: false, reason: notAFace },
  drawing: { pass: false, reason: notAFace },
  cartoon: { pass: false, reason: notAFace },
  'non-face': { pass: false, reason: named('no_face') },
};

interface Verdict {
  pass: boolean;
  first: { name: string; reason: string } | null;
}

function verdict(r: FiqaAnalysis | Error, level: FiqaLevel): Verdict {
  if (r instanceof Error) {
    const code = (r as { code?: number }).code;
    const name = code === 40004 ? (/cut off/.test(r.message) ? 'cut_off' : 'no_face') : `error ${code}`;
    return { pass: false, first: { name, reason: r.message } };
  }
  const e = r.data[0]!;
  const j = level === e.level ? { fails: e.fails, checks: e.checks } : judge(e.info, e.measures, level);
  const name = j.fails[0];
  const check = j.checks.find((c: CheckResult) => c.name === name);
  return { pass: j.fails.length === 0, first: name ? { name, reason: check?.reason ?? '' } : null };
}

const pool = await createFacePool({ jobs: JOBS });
const analyze = (b: Uint8Array): Promise<FiqaAnalysis | Error> => pool.analyze(b, { level: 'high', attributes: false }).catch((e: Error) => e);

interface Row {
  category: string;
  file: string;
  verdicts: Record<string, Verdict>;
  /** the main face's measures, for calibrating (--json) */
  values?: Record<string, unknown>;
}
const rows: Row[] = [];
const record = (category: string, file: string, r: FiqaAnalysis | Error) => {
  const e = r instanceof Error ? undefined : r.data[0];
  const values = e ? { ...e.info, ...e.measures, faces: r instanceof Error ? 0 : r.data.map((d) => d.info.face_size) } : undefined;
  rows.push({ category, file, verdicts: Object.fromEntries(LEVELS.map((l) => [l, verdict(r, l)])), values });
};

const t0 = performance.now();
// originals
const originals = new Map<string, { buf: Buffer; r: FiqaAnalysis | Error }>();
await Promise.all(
  present.map(async (p) => {
    const buf = readFileSync(resolve(EVAL, p.file));
    const r = await analyze(buf);
    originals.set(p.file, { buf, r });
    record(p.category, p.file, r);
  }),
);
// degradations of the good portraits (the ones that pass at high: a degraded copy of a photo
// that already fails tests nothing)
const goods = present
  .filter((p) => (p.category === 'portrait' || p.category === 'portrait-gpo') && verdict(originals.get(p.file)!.r, 'high').pass)
  .slice(0, PEOPLE);
let next = 0;
await Promise.all(
  Array.from({ length: JOBS * 2 }, async () => {
    while (next < goods.length) {
      const k = next++;
      const p = goods[k]!;
      const { buf, r } = originals.get(p.file)! as { buf: Buffer; r: FiqaAnalysis };
      const e = r.data[0]!;
      const g: FaceGeometry = { width: r.image.width, height: r.image.height, landmarks: e.landmarks, bbox: e.bbox };
      for (const kind of DEGRADATIONS) record(kind, p.file, await analyze(await degrade(buf, g, kind)));
      for (const kind of Object.keys(LIGHTS) as Light[]) record(kind, p.file, await analyze(await underLight(buf, kind)));
      const other = goods[(k + 1) % goods.length]!;
      const o = originals.get(other.file)! as { buf: Buffer; r: FiqaAnalysis };
      const go: FaceGeometry = { width: o.r.image.width, height: o.r.image.height, landmarks: o.r.data[0]!.landmarks, bbox: o.r.data[0]!.bbox };
      record('two-people', `${p.file}+${other.file}`, await analyze(await twoPeople(buf, g, o.buf, go)));
    }
  }),
);
for (const n of await nonFaces()) record('non-face', n.name, await analyze(n.photo));
await pool.close();
const secs = (performance.now() - t0) / 1000;

// table
const cats = [...new Set(rows.map((r) => r.category))];
const pctOf = (a: number, b: number) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(1)} %`);
const lines: string[] = [];
lines.push(`| category | photos | ${LEVELS.map((l) => `${l}: right verdict | ${l}: right reason first`).join(' | ')} |`);
lines.push(`|---|---|${LEVELS.map(() => '---|---|').join('')}`);
const summary: Record<string, unknown> = {};
for (const c of cats) {
  const rs = rows.filter((r) => r.category === c);
  const ex = EXPECT[c];
  if (!ex) {
    console.log(`note: category ${c} has no expectation in this bench; left out of the table`);
    continue;
  }
  const cells: string[] = [];
  const s: Record<string, unknown> = { photos: rs.length };
  for (const l of LEVELS) {
    if (l === 'low' && LOW_ACCEPTS.has(c)) {
      cells.push('—', '—');
      continue;
    }
    const right = rs.filter((r) => (ex.right ? ex.right(r.verdicts[l]!) : r.verdicts[l]!.pass === ex.pass)).length;
    const reasonRight = ex.pass || !ex.reason ? null : rs.filter((r) => !r.verdicts[l]!.pass && ex.reason!(r.verdicts[l]!.first)).length;
    cells.push(pctOf(right, rs.length), reasonRight === null ? '—' : pctOf(reasonRight, rs.length));
    s[l] = { right, reasonRight };
  }
  summary[c] = s;
  lines.push(`| ${c} | ${rs.length} | ${cells.join(' | ')} |`);
}
console.log(`fiqa accuracy: ${present.length} photos of ${EVAL}, ${goods.length} portraits degraded ${DEGRADATIONS.length + 1} ways and lit ${Object.keys(LIGHTS).length} ways, ${rows.length} checks in ${secs.toFixed(0)} s\n`);
console.log(lines.join('\n'));

// categories judged only on not being refused as not human: how many pass outright
const judgedOnRight = cats.filter((c) => EXPECT[c]?.right);
if (judgedOnRight.length > 0) {
  console.log('\npassed outright (categories judged only on not being refused as not human):');
  for (const c of judgedOnRight) {
    const rs = rows.filter((r) => r.category === c);
    console.log(`  ${c}: ${LEVELS.map((l) => `${l} ${rs.filter((r) => r.verdicts[l]!.pass).length}/${rs.length}`).join(', ')}`);
  }
}

// the commonest wrong outcomes per category (what to fix next)
console.log('\nwrong outcomes at high (first reason: count):');
for (const c of cats) {
  const ex = EXPECT[c];
  if (!ex) {
    console.log(`note: category ${c} has no expectation in this bench; left out of the table`);
    continue;
  }
  const wrong = rows.filter((r) => r.category === c).filter((r) => {
    const v = r.verdicts.high!;
    if (ex.right) return !ex.right(v);
    return v.pass !== ex.pass || (!ex.pass && ex.reason && !ex.reason(v.first));
  });
  if (wrong.length === 0) continue;
  const counts = new Map<string, number>();
  for (const r of wrong) {
    const f = r.verdicts.high!.first;
    const k = f ? `${f.name}: ${f.reason.replace(/[\d.]+/g, '#')}` : 'passed';
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  console.log(`  ${c}: ${[...counts].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, n]) => `${n}× ${k}`).join('; ')}`);
}
if (SHOW) {
  for (const r of rows.filter((x) => x.category === SHOW)) console.log(r.file, JSON.stringify(r.verdicts.high));
}
const out = argOf('--json');
if (out) writeFileSync(out, JSON.stringify({ secs, summary, rows }, null, 1));
