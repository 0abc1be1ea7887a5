// The drawn-face cue (agent/face/human-drawn.ts): a sharp, whole, lit face in which the landmark
// model sees no face at all is refused as not human whatever the white of the paper, while
// blurred, covered, cut and blown-out real faces are left to their own checks. And the local
// evaluation set's real statues, drawings and sunglasses (test/fixtures/fiqa-eval/README.md;
// not committed, so that part runs only where FIQA_EVAL_DIR has it): no statue or drawing passes
// at any level that judges, real dark glasses fail on the eyes, and no real face photographed
// for Flickr is refused as an animal, a drawing or by its skin texture.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFaceEngine, FiqaError, type FaceEngine } from '../../agent/face';
import { NOT_A_FACE_CONFIDENCE, type HumanLook, type QualityGate } from '../../agent/face/human';
import { drawnFaceReason } from '../../agent/face/human-drawn';
import { degrade } from './degrade';

const O = { timeout: 180_000 };

test('drawnFaceReason: refuses a face the landmark model sees no face in despite a white-paper exposure; leaves blurred, covered, cut, blown-out and dark faces to their checks', () => {
  // what the 1830 Johannot engraving of the evaluation set measures
  const look: HumanLook = { landmark_confidence: 2.44, skin_texture: null, skin_hue: null };
  const engraving: QualityGate = { brightness: 1.61, clarity: 0.52, under_exposure: 0.08, over_exposure: 0.67, face_width: 83, compression: 65, eyes_visible: 0.95, mask: 0, partial: false };
  const refused = drawnFaceReason(look, engraving);
  assert.match(refused?.reason ?? '', /does not look like a human face \(a drawing/);
  assert.match(refused?.hint ?? '', /photo of the person/);
  assert.equal(drawnFaceReason({ ...look, landmark_confidence: NOT_A_FACE_CONFIDENCE }, engraving), null, 'a face the model sees is not judged here');
  const others: Array<[string, Partial<QualityGate>]> = [
    ['blurred', { clarity: 0.17 }],
    ['eyes covered', { eyes_visible: 0.19 }],
    ['masked', { mask: 0.5 }],
    ['cut by the border', { partial: true }],
    ['blown out', { brightness: 1.96 }],
    ['dark', { brightness: 0.44 }],
  ];
  for (const [what, q] of others) assert.equal(drawnFaceReason(look, { ...engraving, ...q }), null, what);
});

const EVAL = process.env.FIQA_EVAL_DIR;
const photos = EVAL && existsSync(join(EVAL, 'manifest.json'))
  ? (JSON.parse(readFileSync(join(EVAL, 'manifest.json'), 'utf8')) as { photos: Array<{ file: string; category: string }> }).photos.filter((p) => existsSync(join(EVAL, p.file)))
  : [];
const of = (category: string) => photos.filter((p) => p.category === category);
const skip = { ...O, skip: of('drawing').length === 0 ? 'FIQA_EVAL_DIR with the evaluation set (statues, drawings, sunglasses) is not here' : false };

let engine: FaceEngine;
before(async () => {
  if (of('drawing').length > 0) engine = await createFaceEngine();
});
after(async () => {
  await engine?.close();
});

test('evaluation set: no statue or drawing passes at high, middle or low; the engraving is refused as not human at each', skip, async () => {
  let engraving = 0;
  for (const p of [...of('statue'), ...of('drawing')]) {
    const photo = readFileSync(join(EVAL!, p.file));
    for (const level of ['high', 'middle', 'low'] as const) {
      const r = await engine.analyze(photo, { level, attributes: false }).catch((err: FiqaError) => err);
      if (!(r instanceof Error)) {
        assert.equal(r.passed, false, `${p.file} passed at ${level}`);
        continue;
      }
      assert.equal(r.code, 40004, `${p.file}: ${r.message}`);
      if (/nodier-johannot/.test(p.file)) {
        assert.match(r.message, /^no human face: .*a drawing/, `${p.file} at ${level}`);
        engraving++;
      }
    }
  }
  assert.equal(engraving, 3, 'the 1830 engraving (it passed at level low before the drawn-face cue)');
});

test('evaluation set: real dark glasses fail on the eyes at high and middle', skip, async () => {
  assert.ok(of('sunglasses-real').length >= 3);
  for (const p of of('sunglasses-real')) {
    for (const level of ['high', 'middle'] as const) {
      const e = (await engine.analyze(readFileSync(join(EVAL!, p.file)), { level, attributes: false })).data[0]!;
      assert.equal(e.fiqa_result, false, `${p.file} at ${level}`);
      assert.equal(e.fails[0], 'occlusion', `${p.file} at ${level}: ${e.fails}`);
      assert.match(e.checks.find((c) => c.name === 'occlusion')?.reason ?? '', /^eyes covered or hidden/);
    }
  }
});

test('evaluation set: real faces are not taken for drawings — Flickr portraits, and blown-out copies of portraits the landmark model sees no face in', skip, async () => {
  for (const p of of('portrait-flickr')) {
    const r = await engine.analyze(readFileSync(join(EVAL!, p.file)), { level: 'middle', attributes: false }).catch((err: FiqaError) => err);
    // one warm-lit face reads hue 71° (the skin-colour cue's limit is 70°): a known false
    // refusal of the colour cue, reported to the owner of human.ts; no other cue may refuse
    if (r instanceof Error) assert.match(r.message, /^no human face: .*hue \d+°/, `${p.file}: ${r.message}`);
  }
  // evaluation portraits whose code-made blown-out copies read log-odds < 3 (2026-11-27):
  // brightness ~1.98, so they must fail on their light at every level, not as drawings
  const blown = ['portraits/020729.jpg', 'portraits/021761.jpg', 'portraits/022107.jpg'].filter((f) => existsSync(join(EVAL!, f)));
  for (const file of blown) {
    const buf = readFileSync(join(EVAL!, file));
    const r = await engine.analyze(buf, { attributes: false });
    const e = r.data[0]!;
    const photo = await degrade(buf, { width: r.image.width, height: r.image.height, landmarks: e.landmarks, bbox: e.bbox }, 'blown-out');
    const m = (await engine.analyze(photo, { level: 'no', attributes: false })).data[0]!.measures;
    assert.ok(m.landmark_confidence < NOT_A_FACE_CONFIDENCE, `${file}: blown out reads ${m.landmark_confidence}`);
    for (const level of ['high', 'middle', 'low'] as const) {
      const j = await engine.analyze(photo, { level, attributes: false });
      assert.equal(j.passed, false, `${file} blown out at ${level}`);
      assert.ok(j.data[0]!.fails.includes('brightness'), `${file} at ${level}: ${j.data[0]!.fails}`);
    }
  }
});
