// The local evaluation set's real drawings, sunglasses, Flickr faces, black-and-white and sepia
// photos and cartoons (test/fixtures/fiqa-eval/README.md; not committed, so this runs only where
// FIQA_EVAL_DIR has it): the engraving that passed at level low is refused as not human, real dark
// glasses fail on the eyes, no real face photographed for Flickr is refused as not human, nor a
// blown-out real face taken for a drawing, no black-and-white or toned photo of a real person is
// refused for its colour and only one (a bowed head under a hat brim) by the landmark cue, prints
// in profile fail on their pose, and the colour cartoons the detector finds are refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFaceEngine, FiqaError, type FaceEngine } from '../../agent/face';
import { LANDMARK_CONFIDENCE_MIN, NOT_A_FACE_CONFIDENCE, YAW_EVERY_LEVEL_REFUSES } from '../../agent/face/human';
import { degrade } from './degrade';

const O = { timeout: 180_000 };

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

// (that no statue or drawing passes at any level is checked in human-face.test.ts)
test('evaluation set: the 1830 engraving is refused as not human at high, middle and low (it passed at low before the landmark cue held in any light)', skip, async () => {
  const engraving = of('drawing').find((p) => /nodier-johannot/.test(p.file));
  assert.ok(engraving, 'the engraving is in the set');
  for (const level of ['high', 'middle', 'low'] as const) {
    const r: unknown = await engine.analyze(readFileSync(join(EVAL!, engraving.file)), { level, attributes: false }).catch((err: FiqaError) => err);
    assert.ok(r instanceof FiqaError, `passed at ${level}`);
    assert.equal(r.code, 40004);
    assert.match(r.message, /^no human face: .*a drawing/, `at ${level}`);
  }
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
    // (a warm-lit face reads hue 71°, over the skin-hue limit; the light estimate clears it)
    if (r instanceof Error) assert.doesNotMatch(r.message, /^no human face/, `${p.file}: ${r.message}`);
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

test('evaluation set: no black-and-white or toned (sepia) photo of a real person is refused for its colour, and at most one (a bowed head under a hat brim) by the landmark cue', skip, async () => {
  const prints = [...of('portrait-bw'), ...of('portrait-sepia')];
  assert.ok(prints.length >= 80, `${prints.length} black-and-white and sepia photos`);
  const refused: string[] = [];
  let judged = 0;
  let wideLooks = 0;
  for (const p of prints) {
    const buf = readFileSync(join(EVAL!, p.file));
    const seen = await engine.analyze(buf, { level: 'no', attributes: false }).catch((err: FiqaError) => err);
    if (seen instanceof Error) continue;
    const m = seen.data[0]!.measures;
    if (m.landmark_confidence_wide !== null) wideLooks++;
    // a print's colour follows its tone: no colour cue is measured (faces a level could accept;
    // the 34 px face of a full-length print reads a tint of its own, and fails on its size)
    if (seen.data[0]!.info.face_size >= 40) {
      judged++;
      assert.equal(m.skin_hue, null, `${p.file}: skin tint ${m.skin_tint}, photo colour ${m.photo_colour}`);
    }
    for (const level of ['high', 'middle', 'low'] as const) {
      const r = await engine.analyze(buf, { level, attributes: false }).catch((err: FiqaError) => err);
      if (!(r instanceof Error)) continue;
      assert.doesNotMatch(r.message, /live human face|colour/, `${p.file} at ${level}`);
      if (/^no human face/.test(r.message)) refused.push(`${p.file} at ${level} (${p.category})`);
    }
  }
  // 2026-11-28: 79 (two where no face is found, six faces under 40 px)
  assert.ok(judged >= 75, `${judged} prints judged`);
  // the landmark model was unsure of 6 (log-odds 3.4-11.3): they got the second, wider look
  assert.ok(wideLooks >= 5, `${wideLooks} wider looks`);
  // 2026-11-28, issue 15: of the six the landmark cue refused, the two profiles fail on their
  // pose (or size), three bearded halftone or vignetted prints pass the wider look, and the
  // bowed head under a hat brim (black-and-white, log-odds 4.8, 6.0 on the wider crops) is
  // still refused: no sepia print is refused as not human at any level
  assert.ok(refused.every((r) => /portrait-bw/.test(r)), `refused as not human: ${refused}`);
  assert.ok(refused.length <= 3, `refused as not human: ${refused}`);
});

test('evaluation set: the two prints in profile the landmark model is unsure of fail on their pose or size, not as not human', skip, async () => {
  const profiles = ['portraits-bw/007393.jpg', 'portraits-bw/008750.jpg'].filter((f) => existsSync(join(EVAL!, f)));
  assert.equal(profiles.length, 2);
  for (const file of profiles) {
    const buf = readFileSync(join(EVAL!, file));
    const e = (await engine.analyze(buf, { level: 'no', attributes: false })).data[0]!;
    // unsure (under 12 also on the wider crops) and turned beyond every level's 45°
    assert.ok(Math.max(e.measures.landmark_confidence, e.measures.landmark_confidence_wide ?? -Infinity) < LANDMARK_CONFIDENCE_MIN, `${file}: ${e.measures.landmark_confidence}`);
    assert.ok(Math.abs(e.info.headpose.yaw_angle) > YAW_EVERY_LEVEL_REFUSES, `${file}: yaw ${e.info.headpose.yaw_angle}`);
    for (const level of ['high', 'middle', 'low'] as const) {
      const r = (await engine.analyze(buf, { level, attributes: false })).data[0]!;
      assert.equal(r.fiqa_result, false, `${file} at ${level}`);
      assert.ok(r.fails.includes('headpose'), `${file} at ${level}: ${r.fails}`);
    }
  }
});

test('evaluation set: colour cartoons and 3-D animation the detector finds are refused at every level (except the two photoreal Sintel stills, not solved)', skip, async () => {
  const cartoons = of('cartoon');
  assert.ok(cartoons.length >= 5);
  for (const p of cartoons.filter((c) => !/sintel-(still|facial)/.test(c.file))) {
    for (const level of ['high', 'middle', 'low'] as const) {
      const r: unknown = await engine.analyze(readFileSync(join(EVAL!, p.file)), { level, attributes: false }).catch((err: FiqaError) => err);
      assert.ok(r instanceof FiqaError, `${p.file} passed at ${level}`);
      assert.equal(r.code, 40004, p.file);
    }
  }
});
