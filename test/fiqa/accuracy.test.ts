// Photo Check accuracy fixes (issue 15, issue 14 items 7–8), on real portraits and copies of
// them degraded in code: covered eyes and dark glasses, masks vs eye bars, a sideways photo,
// pose on a leaning face, the calibrated pitch zero, two people, a face cut by the edge.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createFaceEngine, FiqaError, type FaceEngine, type FiqaAnalysis, type FiqaEntry } from '../../agent/face';
import { EYES_VISIBLE_MIN } from '../../agent/face/measures';
import { degrade, twoPeople, type Degradation, type FaceGeometry } from './degrade';
import { BOWED, face, PORTRAITS } from './fixtures';

let engine: FaceEngine;
before(async () => {
  engine = await createFaceEngine();
});
after(async () => {
  await engine?.close();
});

const O = { timeout: 120_000 };
const PEOPLE = ['obama.jpg', 'biden2.jpg', 'obama2.jpg'];

async function geometry(name: string): Promise<{ r: FiqaAnalysis; g: FaceGeometry }> {
  const r = await engine.analyze(face(name), { attributes: false });
  const e = r.data[0]!;
  return { r, g: { width: r.image.width, height: r.image.height, landmarks: e.landmarks, bbox: e.bbox } };
}

const firstReason = (e: FiqaEntry) => e.checks.find((c) => c.name === e.fails[0])?.reason ?? '';

test('eyes under a bar of any colour or behind dark glasses are not visible: fails at high and middle, eyes named first', O, async () => {
  for (const name of PEOPLE) {
    const { r, g } = await geometry(name);
    assert.ok(r.data[0]!.measures.eyes_visible >= 0.45, `${name}: open eyes read ${r.data[0]!.measures.eyes_visible}`);
    assert.equal(r.data[0]!.info.occlusion[0], true);
    for (const kind of ['eyebar-black', 'eyebar-white', 'eyebar-grey', 'eyebar-skin', 'sunglasses'] as Degradation[]) {
      const photo = await degrade(face(name), g, kind);
      for (const level of ['high', 'middle'] as const) {
        const e = (await engine.analyze(photo, { level, attributes: false })).data[0]!;
        const what = `${name} ${kind} at ${level}`;
        assert.ok(e.measures.eyes_visible < EYES_VISIBLE_MIN, `${what}: eyes_visible ${e.measures.eyes_visible}`);
        assert.equal(e.fiqa_result, false, what);
        assert.equal(e.fails[0], 'occlusion', `${what}: first ${e.fails}`);
        assert.match(firstReason(e), /^eyes covered or hidden/, what);
        // a cover over the eyes is not a mask over the mouth
        assert.deepEqual(e.info.occlusion.slice(1), [true, true], `${what}: nose and mouth stay visible (mask ${e.info.mask})`);
        assert.ok(!e.fails.includes('mask'), what);
      }
    }
  }
});

test('a mask over the mouth fails mask first; the bare faces read no mask at all', O, async () => {
  for (const name of PEOPLE) {
    const { r, g } = await geometry(name);
    assert.ok(r.data[0]!.info.mask < 0.1, `${name}: mask ${r.data[0]!.info.mask}`);
    assert.ok(r.data[0]!.measures.mouth_visible > 0.4, `${name}: lips read ${r.data[0]!.measures.mouth_visible}`);
    const e = (await engine.analyze(await degrade(face(name), g, 'mouth-covered'), { attributes: false })).data[0]!;
    assert.ok(e.info.mask > 0.5, `${name}: mask ${e.info.mask}`);
    assert.equal(e.fails[0], 'occlusion', `${name}: ${e.fails}`);
    assert.ok(e.fails.includes('mask'));
    assert.deepEqual(e.info.occlusion, [true, false, false]);
  }
});

test('a photo turned by 90° without an EXIF tag is called sideways, not a head turned and tilted', O, async () => {
  for (const name of PEOPLE) {
    const { g } = await geometry(name);
    for (const level of ['high', 'middle', 'low'] as const) {
      const e = (await engine.analyze(await degrade(face(name), g, 'sideways'), { level, attributes: false })).data[0]!;
      assert.equal(e.fails[0], 'headpose', `${name} at ${level}: ${e.fails}`);
      assert.match(firstReason(e), /^the photo is sideways .*: rotate it upright$/);
      assert.doesNotMatch(firstReason(e), /turned|tilted/);
    }
  }
});

test('yaw and pitch are measured on the roll-corrected face: a 35° lean reads as lean only', O, async () => {
  for (const name of PEOPLE) {
    const upright = (await engine.analyze(face(name), { attributes: false })).data[0]!.info.headpose;
    const leaning = (await engine.analyze(await sharp(face(name)).rotate(35, { background: '#808080' }).jpeg({ quality: 92 }).toBuffer(), { attributes: false })).data[0]!.info.headpose;
    assert.ok(Math.abs(leaning.roll_angle - upright.roll_angle - 35) < 5, `${name}: roll ${upright.roll_angle} → ${leaning.roll_angle}`);
    assert.ok(Math.abs(leaning.yaw_angle - upright.yaw_angle) < 5, `${name}: yaw ${upright.yaw_angle} → ${leaning.yaw_angle}`);
    assert.ok(Math.abs(leaning.pitch_angle - upright.pitch_angle) < 5, `${name}: pitch ${upright.pitch_angle} → ${leaning.pitch_angle}`);
  }
});

test('pitch has a calibrated zero: frontal portraits read within ±12°, a bowed head about 20°', O, async () => {
  for (const name of PORTRAITS) {
    const p = (await engine.analyze(face(name), { attributes: false })).data[0]!.info.headpose.pitch_angle;
    assert.ok(Math.abs(p) < 12, `${name}: pitch ${p}`);
  }
  const bowed = (await engine.analyze(face(BOWED), { level: 'custom', attributes: false })).data[0]!;
  assert.ok(Math.abs(bowed.info.headpose.pitch_angle) > 15, `${BOWED}: pitch ${bowed.info.headpose.pitch_angle}`);
  assert.equal(bowed.fiqa_result, true, `${BOWED} passes custom (25°): ${bowed.fails}`);
});

test('two faces of comparable size fail at every judging level, named first; one face ≥ 2× the next does not', O, async () => {
  for (const level of ['high', 'custom', 'middle', 'low'] as const) {
    const r = await engine.analyze(face('two_people.jpg'), { level, attributes: false });
    assert.equal(r.passed, false, level);
    for (const e of r.data) assert.equal(e.fails[0], 'single_face', `${level}: ${e.fails}`);
    assert.match(firstReason(r.data[0]!), /^2 faces in the photo, of comparable size: it is not clear whom to enrol$/);
  }
  const a = await geometry('obama.jpg');
  const b = await geometry('biden2.jpg');
  const same = await engine.analyze(await twoPeople(face('obama.jpg'), a.g, face('biden2.jpg'), b.g), { level: 'low', attributes: false });
  assert.equal(same.data.length, 2);
  assert.ok(same.data[0]!.measures.main_face_dominance! < 1.5, `dominance ${same.data[0]!.measures.main_face_dominance}`);
  assert.equal(same.passed, false);
  // a small second face in the corner: the main face is the one to enrol
  const small = await sharp(face('biden2.jpg')).resize({ width: 260 }).toBuffer();
  const withSmall = await sharp(face('obama.jpg')).composite([{ input: small, left: 0, top: 0 }]).jpeg({ quality: 92 }).toBuffer();
  const r = await engine.analyze(withSmall, { level: 'middle', attributes: false });
  assert.equal(r.data.length, 2);
  assert.ok(r.data[0]!.measures.main_face_dominance! >= 2, `dominance ${r.data[0]!.measures.main_face_dominance}`);
  assert.ok(!r.data[0]!.fails.includes('single_face'));
  assert.equal(r.passed, r.data[0]!.fiqa_result);
  assert.equal(r.passed, true, `${r.data[0]!.fails}`);
});

test('a face cut in half by the photo edge is named as cut off, found or not', O, async () => {
  for (const name of PEOPLE) {
    const { g } = await geometry(name);
    const photo = await degrade(face(name), g, 'half-cropped');
    const r = await engine.analyze(photo, { attributes: false }).catch((e: FiqaError) => e);
    if (r instanceof FiqaError) {
      assert.equal(r.code, 40004);
      assert.match(r.message, /^face cut off by the photo border/, name);
    } else {
      assert.equal(r.data[0]!.fails[0], 'partial', `${name}: ${r.data[0]!.fails}`);
      assert.match(firstReason(r.data[0]!), /cut off/);
    }
  }
  // pictures without any face still say so
  const grey = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#7f7f7f' } }).jpeg().toBuffer();
  await assert.rejects(engine.analyze(grey), (e: FiqaError) => e.code === 40004 && e.message === 'no face detected');
});

test('explainNoFace false (the recogniser): no face is plain 40004, without the reason; faces are found as before', O, async () => {
  const blurred = await sharp(face('obama.jpg')).blur(40).jpeg().toBuffer();
  await assert.rejects(engine.analyze(blurred, { explainNoFace: false }), (e: FiqaError) => e.code === 40004 && e.message === 'no face detected');
  const { g } = await geometry(PEOPLE[0]!);
  const half = await degrade(face(PEOPLE[0]!), g, 'half-cropped');
  const r = await engine.analyze(half, { attributes: false, explainNoFace: false }).catch((e: FiqaError) => e);
  if (r instanceof FiqaError) assert.equal(r.message, 'no face detected');
  else assert.equal(r.data[0]!.fails[0], 'partial');
  const a = await engine.analyze(face('obama.jpg'), { level: 'low', explainNoFace: false });
  const b = await engine.analyze(face('obama.jpg'), { level: 'low' });
  assert.deepEqual(a.data, b.data);
});

test('when no face is found, a badly blurred or burnt-out photo is told so', O, async () => {
  const blurred = await sharp(face('obama.jpg')).blur(40).jpeg().toBuffer();
  await assert.rejects(engine.analyze(blurred), (e: FiqaError) => e.code === 40004 && e.message === 'no face detected: the photo is badly blurred' && /hold the camera still/.test(e.hint!));
  const white = await sharp(face('obama.jpg')).linear(6, 120).jpeg().toBuffer();
  await assert.rejects(engine.analyze(white), (e: FiqaError) => e.code === 40004 && /^no face detected: \d+ % of the photo is burnt-out white \(over-exposed\)$/.test(e.message));
  const noise = await sharp(Buffer.from(Array.from({ length: 320 * 240 * 3 }, (_, i) => (i * 2654435761) >>> 24)), { raw: { width: 320, height: 240, channels: 3 } }).jpeg().toBuffer();
  await assert.rejects(engine.analyze(noise), (e: FiqaError) => e.code === 40004 && e.message === 'no face detected');
});
