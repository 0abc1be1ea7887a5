// The human-face check (agent/face/human.ts): real faces pass it; a face turned to stone or
// painted in flat colour, and a face painted in the olive-yellow of old varnish (made here from
// the fixture portraits; also with the whole photo then lit yellow or green, and shrunk to a
// 60 px face at level low), and the animal faces and painted portraits of the local evaluation
// set are refused with a plain reason; beards are neither masks nor a reason to refuse. A
// black-and-white photo of a person is not refused, nor a photo under strongly coloured light
// (green, yellow, tungsten, blue, magenta; also in front of a warm wall that makes the face
// read hardly red against the scene), a face lit alone by an olive lamp, in warm indoor light
// or a small JPEG, and a stone face beside a person is left out rather than counted as a
// second face. A halftone sepia print the landmark model is unsure of passes on the wider look,
// a toned print turned beyond every level fails on its pose, and the evaluation set's animals
// made grey or sepia are still refused.
// The recogniser's snapshots skip the colour cue (a camera's white balance can tint faces).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { createFaceEngine, FiqaError, type FaceEngine } from '../../agent/face';
import {
  LANDMARK_CONFIDENCE_MIN,
  NOT_A_FACE_CONFIDENCE,
  PHOTO_COLOUR_TONED,
  SKIN_AXIS_MIN,
  SKIN_HUE_MAX,
  SKIN_HUE_MIN_PAINT,
  SKIN_RED_MIN,
  SKIN_RED_MIN_LOW_HUE,
  SKIN_TEXTURE_MIN,
  SKIN_TINT_MIN,
  YAW_EVERY_LEVEL_REFUSES,
  notHumanReason,
  type HumanLook,
  type QualityGate,
} from '../../agent/face/human';
import { RECOGNIZE_OPTIONS } from '../../agent/recognition/recognize';
import { variantPhoto } from '../helpers/face-variants';
import { twoPeople, type FaceGeometry } from './degrade';
import { BOWED, face, PORTRAITS } from './fixtures';

let engine: FaceEngine;
before(async () => {
  engine = await createFaceEngine();
});
after(async () => {
  await engine?.close();
});
const O = { timeout: 180_000 };

/** The face box of a fixture, grown by 10 %. */
async function faceBox(buf: Buffer) {
  const r = await engine.analyze(buf, { attributes: false });
  const [x0, y0, x1, y1] = r.data[0]!.bbox;
  const g = 0.1 * (x1 - x0);
  const left = Math.max(0, Math.round(x0 - g));
  const top = Math.max(0, Math.round(y0 - g));
  return { left, top, width: Math.min(r.image.width - left, Math.round(x1 - x0 + 2 * g)), height: Math.min(r.image.height - top, Math.round(y1 - y0 + 2 * g)) };
}

/**
 * The photo with its face region recoloured: `stone` keeps the shading (luma) in one stone
 * colour; `flat` keeps the shading under the face's own mean colour, laid on evenly (paint).
 */
async function recolourFace(buf: Buffer, how: 'stone' | 'flat'): Promise<Buffer> {
  const box = await faceBox(buf);
  const { data, info } = await sharp(buf).rotate().extract(box).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let mr = 0;
  let mg = 0;
  let mb = 0;
  const n = info.width * info.height;
  for (let i = 0; i < n; i++) {
    mr += data[3 * i]!;
    mg += data[3 * i + 1]!;
    mb += data[3 * i + 2]!;
  }
  const mean = [mr / n, mg / n, mb / n];
  const meanY = 0.299 * mean[0]! + 0.587 * mean[1]! + 0.114 * mean[2]!;
  const tint = [1.02, 1.0, 0.94];
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < n; i++) {
    const y = 0.299 * data[3 * i]! + 0.587 * data[3 * i + 1]! + 0.114 * data[3 * i + 2]!;
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.max(0, Math.min(255, Math.round(how === 'stone' ? y * tint[c]! : y + mean[c]! - meanY)));
  }
  const patch = await sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toBuffer();
  return sharp(buf).rotate().composite([{ input: patch, left: box.left, top: box.top }]).jpeg({ quality: 92 }).toBuffer();
}

async function refusal(photo: Buffer, level: 'high' | 'middle' | 'low' = 'high'): Promise<FiqaError | null> {
  try {
    await engine.analyze(photo, { level, attributes: false });
    return null;
  } catch (err) {
    if (err instanceof FiqaError) return err;
    throw err;
  }
}

test('real faces pass the human-face check, with both cues well clear of their limits', O, async () => {
  for (const name of [...PORTRAITS, BOWED]) {
    const r = await engine.analyze(face(name), { attributes: false });
    const m = r.data[0]!.measures;
    assert.ok(m.landmark_confidence >= LANDMARK_CONFIDENCE_MIN + 2, `${name}: landmark confidence ${m.landmark_confidence}`);
    assert.ok(m.skin_texture !== null && m.skin_texture >= SKIN_TEXTURE_MIN * 1.1, `${name}: skin texture ${m.skin_texture}`);
    // live skin is red-orange: the fixtures read 36–54°, well under the limit
    assert.ok(m.skin_hue !== null && m.skin_hue <= SKIN_HUE_MAX - 10, `${name}: skin hue ${m.skin_hue}`);
    if (name !== BOWED) assert.equal(r.passed, true, `${name}: ${r.data[0]!.fails}`);
  }
});

/** The photo's colours multiplied per channel (sRGB), as a tinted light or a varnish would. */
const tint = async (buf: Buffer, rgb: [number, number, number]) => sharp(buf).rotate().linear(rgb, [0, 0, 0]).jpeg({ quality: 90 }).toBuffer();

/**
 * The face region repainted as an old painting's flesh: a little less red, and the varnish
 * deeper (bluer light absorbed) in the shadows, so its colour varies along yellow–blue, not
 * along red as live skin does (`deep`: how much blue the darkest parts lose).
 */
async function paintedFace(buf: Buffer, deep = 0.75): Promise<Buffer> {
  const box = await faceBox(buf);
  const { data, info } = await sharp(buf).rotate().extract(box).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < info.width * info.height; i++) {
    const r = data[3 * i]!;
    const g = data[3 * i + 1]!;
    const b = data[3 * i + 2]!;
    const y = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    out[3 * i] = Math.round(0.9 * r);
    out[3 * i + 1] = g;
    out[3 * i + 2] = Math.max(0, Math.min(255, Math.round(b * (1 - deep + 1.2 * deep * y))));
  }
  const patch = await sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } }).png().toBuffer();
  return sharp(buf).rotate().composite([{ input: patch, left: box.left, top: box.top }]).jpeg({ quality: 92 }).toBuffer();
}

/** The face region alone lit by an olive-yellow lamp (each channel multiplied): a live face, its colour shifted as a whole. */
async function lampOnFace(buf: Buffer): Promise<Buffer> {
  const box = await faceBox(buf);
  const patch = await sharp(buf).rotate().extract(box).linear([0.9, 1.0, 0.65], [0, 0, 0]).png().toBuffer();
  return sharp(buf).rotate().composite([{ input: patch, left: box.left, top: box.top }]).jpeg({ quality: 92 }).toBuffer();
}

test('a painted face (olive-yellow, its colour varying like paint) is refused as not a live face, also when the whole photo is then lit yellow or green, and at level low; the hint names the light', O, async () => {
  for (const name of ['obama.jpg', 'obama-1080p.jpg', 'biden2.jpg']) {
    const painted = await paintedFace(face(name));
    // the same, the whole canvas then tinted as a yellow or a green light would (the paintings
    // of the evaluation set are tinted as a whole by their varnish)
    for (const [how, photo] of [['painted face', painted], ['painted face, yellow light', await tint(painted, [1.06, 1.06, 0.78])], ['painted face, green light', await tint(painted, [0.9, 1.1, 0.9])]] as const) {
      for (const level of ['high', 'low'] as const) {
        const err = await refusal(photo, level);
        assert.ok(err, `${name} ${how} (${level}): was not refused`);
        assert.equal(err.code, 40004);
        assert.match(err.message, /^no human face: the face found does not look like a live human face \(a painting, a drawing or a statue\?\): its colour is yellow/, `${name} ${how}`);
        assert.match(err.hint ?? '', /use a photo of the person.*light was strongly yellow or green/, `${name} ${how}`);
      }
      const m = (await engine.analyze(photo, { level: 'no', attributes: false })).data[0]!.measures;
      // biden2's painted face reads 60–65°: under the hue limit, in the band where a face that
      // is clearly not red and varies like paint is refused
      assert.ok(m.skin_hue !== null && m.skin_hue > SKIN_HUE_MIN_PAINT, `${name} ${how}: skin hue ${m.skin_hue}`);
      // against the light of the rest of the photo the face has no red of its own
      assert.ok(m.skin_red !== null && m.skin_red < (m.skin_hue > SKIN_HUE_MAX ? SKIN_RED_MIN : SKIN_RED_MIN_LOW_HUE), `${name} ${how}: skin red ${m.skin_red}`);
      // and its colour varies along yellow–blue, whatever the light
      assert.ok(m.skin_axis !== null && m.skin_axis >= SKIN_AXIS_MIN + 0.2, `${name} ${how}: skin axis ${m.skin_axis}`);
      // the texture cue alone would not have refused it: the colour is what tells
      assert.ok(m.skin_texture !== null && m.skin_texture >= SKIN_TEXTURE_MIN, `${name} ${how}: skin texture ${m.skin_texture}`);
    }
    // shrunk to a face of about 60 px: still refused at level low (which accepts 40 px faces)
    const r0 = await engine.analyze(painted, { level: 'no', attributes: false });
    const small = await sharp(painted).resize({ width: Math.round((r0.image.width * 60) / r0.data[0]!.info.face_size) }).jpeg({ quality: 92 }).toBuffer();
    const errSmall = await refusal(small, 'low');
    assert.ok(errSmall && /no human face/.test(errSmall.message), `${name} painted, 60 px face: ${errSmall?.message ?? 'passed at low'}`);
    // the recogniser's camera snapshots skip the colour cue (a camera's white balance can tint
    // live faces): the face is still found there, unless the caller asks for the cue
    const seen = await engine.analyze(painted, { ...RECOGNIZE_OPTIONS, attributes: false });
    assert.equal(seen.data.length, 1, name);
    await assert.rejects(engine.analyze(painted, { ...RECOGNIZE_OPTIONS, attributes: false, skinColourCheck: true }), /no human face/);
  }
});

test('a live face lit alone by an olive-yellow lamp passes: its colour is shifted as a whole but still varies along red', O, async () => {
  for (const name of ['obama.jpg', 'obama-1080p.jpg', 'biden2.jpg']) {
    const r = await engine.analyze(await lampOnFace(face(name)), { attributes: false });
    const m = r.data[0]!.measures;
    assert.equal(r.passed, true, `${name}: ${r.data[0]!.fails}`);
    assert.ok(m.skin_axis !== null && m.skin_axis < SKIN_AXIS_MIN - 0.05, `${name}: skin axis ${m.skin_axis}`);
  }
});

/** Everything but the face box in the colour of a warm wooden wall (red up, blue down). */
async function warmWall(buf: Buffer): Promise<Buffer> {
  const box = await faceBox(buf);
  const patch = await sharp(buf).rotate().extract(box).png().toBuffer();
  return sharp(await sharp(buf).rotate().linear([1.2, 0.95, 0.7], [0, 0, 0]).toBuffer()).composite([{ input: patch, left: box.left, top: box.top }]).jpeg({ quality: 92 }).toBuffer();
}

test('real faces in front of a warm wall under strongly green or yellow light pass at high, though against that wall they read hardly red', O, async () => {
  let unredAndYellow = 0;
  for (const name of PORTRAITS) {
    const wall = await warmWall(face(name));
    for (const [light, rgb] of Object.entries({ green: [0.9, 1.1, 0.9], yellow: [1.06, 1.06, 0.78] } as Record<string, [number, number, number]>)) {
      const r = await engine.analyze(await tint(wall, rgb), { attributes: false });
      const m = r.data[0]!.measures;
      assert.equal(r.passed, true, `${name} ${light}: ${r.data[0]!.fails}`);
      assert.ok(m.skin_axis !== null && m.skin_axis < SKIN_AXIS_MIN - 0.05, `${name} ${light}: skin axis ${m.skin_axis}`);
      // the two colour cues alone (hue over the limit, not red against the wall) refuse these
      if (m.skin_hue !== null && m.skin_hue > SKIN_HUE_MAX && m.skin_red !== null && m.skin_red < SKIN_RED_MIN) unredAndYellow++;
    }
  }
  // 2026-11-28: obama-1080p.jpg under both lights (skin_red 5.1 and 6.1)
  assert.ok(unredAndYellow >= 2, `only ${unredAndYellow} tinted photos read yellow and not red`);
});

test('real faces under strongly coloured light pass at high: yellow or green skin is still red against the light of the scene', O, async () => {
  const lights: Record<string, [number, number, number]> = {
    green: [0.9, 1.1, 0.9],
    yellow: [1.06, 1.06, 0.78],
    tungsten: [1.12, 1.0, 0.78],
    blue: [0.88, 1.0, 1.15],
    magenta: [1.08, 0.9, 1.08],
    // the whole photo in the varnish colour the face alone is refused in (test above)
    'olive-yellow': [0.9, 1.0, 0.65],
  };
  let yellowerThanTheLimit = 0;
  for (const name of PORTRAITS) {
    for (const [light, rgb] of Object.entries(lights)) {
      const r = await engine.analyze(await tint(face(name), rgb), { attributes: false });
      const m = r.data[0]!.measures;
      assert.equal(r.passed, true, `${name} ${light}: ${r.data[0]!.fails}`);
      assert.ok(m.skin_red !== null && m.skin_red >= SKIN_RED_MIN + 2, `${name} ${light}: skin red ${m.skin_red}`);
      if (m.skin_hue !== null && m.skin_hue > SKIN_HUE_MAX) yellowerThanTheLimit++;
    }
  }
  // the hue alone would have refused these (2026-11-27: 10 of the 30)
  assert.ok(yellowerThanTheLimit >= 8, `only ${yellowerThanTheLimit} tinted photos read above ${SKIN_HUE_MAX}°`);
});

test('real faces in warm indoor light, and small JPEGs of them, pass at level middle (the colour cue keeps its margin)', O, async () => {
  for (const name of PORTRAITS) {
    // tungsten-like: red up 10 %, blue down 15 %
    const warm = await engine.analyze(await tint(face(name), [1.1, 1.0, 0.85]), { level: 'middle', attributes: false });
    const wm = warm.data[0]!.measures;
    assert.ok(wm.skin_hue !== null && wm.skin_hue <= SKIN_HUE_MAX - 5, `${name} warm: skin hue ${wm.skin_hue}`);
    assert.equal(warm.passed, true, `${name} warm: ${warm.data[0]!.fails}`);
    // the face about 80 px wide, JPEG quality 75 with 4:2:0 chroma (a small phone export)
    const r0 = await engine.analyze(face(name), { attributes: false });
    const k = 80 / r0.data[0]!.info.face_size;
    const small = await sharp(face(name)).rotate().resize({ width: Math.round(r0.image.width * k) }).jpeg({ quality: 75 }).toBuffer();
    const sm = await engine.analyze(small, { level: 'middle', attributes: false });
    assert.equal(sm.passed, true, `${name} small: ${sm.data[0]!.fails} (face ${sm.data[0]!.info.face_size} px)`);
  }
});

test('a face of grey stone or of flat paint is refused: "does not look like a live human face"', O, async () => {
  for (const name of ['obama.jpg', 'biden2.jpg', 'obama2.jpg']) {
    for (const how of ['stone', 'flat'] as const) {
      const photo = await recolourFace(face(name), how);
      const err = await refusal(photo);
      assert.ok(err, `${name} ${how}: was not refused`);
      assert.equal(err.code, 40004, `${name} ${how}`);
      assert.match(err.message, /^no human face: the face found does not look like a live human face \(a painting, a drawing or a statue\?\)/, `${name} ${how}`);
      assert.match(err.hint ?? '', /use a photo of the person/);
      // level no measures without judging: the face is reported, with the cue that refused it
      const m = (await engine.analyze(photo, { level: 'no', attributes: false })).data[0]!.measures;
      assert.ok(m.skin_texture !== null && m.skin_texture < SKIN_TEXTURE_MIN, `${name} ${how}: skin texture ${m.skin_texture}`);
    }
  }
});

test('a person beside a stone face: the stone face is left out, the person is the one face and passes', O, async () => {
  const geometry = async (b: Buffer): Promise<FaceGeometry> => {
    const r = await engine.analyze(b, { attributes: false });
    return { width: r.image.width, height: r.image.height, landmarks: r.data[0]!.landmarks, bbox: r.data[0]!.bbox };
  };
  const person = face('obama.jpg');
  const other = face('biden2.jpg');
  const stone = await recolourFace(other, 'stone');
  // the same composition with the other person's real face: two faces, single_face fails
  const both = await engine.analyze(await twoPeople(person, await geometry(person), other, await geometry(other)), { attributes: false });
  assert.equal(both.data.length, 2);
  assert.equal(both.passed, false);
  const r = await engine.analyze(await twoPeople(person, await geometry(person), stone, await geometry(other)), { attributes: false });
  assert.equal(r.data.length, 1, `faces: ${r.data.map((e) => e.bbox.join(',')).join(' | ')}`);
  assert.equal(r.data[0]!.measures.face_count, 1);
  assert.ok(r.data[0]!.bbox[2] < r.image.width / 2, 'the face kept is the person on the left');
  assert.equal(r.passed, true, r.data[0]!.fails.join(','));
});

test('a false detection beside a clear face (the landmark model sees no face in it) is not a second face', O, async () => {
  // variant photo 999 (a crop of a fixture portrait): the detector also boxes a patch of the
  // background at 0.56, in which the landmark model finds no face (log-odds ≈ 0.65)
  const r = await engine.analyze(await variantPhoto(999), { level: 'high' });
  assert.equal(r.data.length, 1, JSON.stringify(r.data.map((d) => d.bbox)));
  assert.equal(r.data[0]!.measures?.face_count, 1);
  assert.ok(r.passed, JSON.stringify(r.data[0]!.fails));
  assert.ok(NOT_A_FACE_CONFIDENCE < LANDMARK_CONFIDENCE_MIN);
});

test('a black-and-white photo of a person is not refused: no colour to judge, the landmark cue still holds', O, async () => {
  for (const name of ['obama.jpg', 'biden2.jpg']) {
    const grey = await sharp(face(name)).grayscale().jpeg({ quality: 92 }).toBuffer();
    const r = await engine.analyze(grey, { attributes: false });
    const m = r.data[0]!.measures;
    assert.equal(m.skin_texture, null, name);
    assert.ok(m.landmark_confidence >= LANDMARK_CONFIDENCE_MIN, `${name}: ${m.landmark_confidence}`);
    assert.equal(r.passed, true, `${name}: ${r.data[0]!.fails}`);
  }
});

/** A toned print of the photo: its grey tone (luma) coloured per channel, as a toner (sepia, brown, green, blue) colours a black-and-white print. */
async function tonedPrint(buf: Buffer, k: [number, number, number], quality = 92, width?: number): Promise<Buffer> {
  let s = sharp(buf).rotate();
  if (width) s = s.resize({ width });
  const { data, info } = await s.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let i = 0; i < data.length; i += 3) {
    const y = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
    for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(y * k[c]!)));
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

test('a toned print of a person (sepia, brown, green, blue; also at JPEG quality 30 and with a 60 px face) is not refused: its colour follows its tone, the face has none of its own', O, async () => {
  const SEPIA: [number, number, number] = [1.1, 0.95, 0.72];
  const tones: Record<string, [number, number, number]> = { sepia: SEPIA, brown: [1.15, 0.92, 0.7], green: [0.92, 1.04, 0.92], blue: [0.92, 0.98, 1.12] };
  for (const name of ['obama.jpg', 'biden2.jpg']) {
    const buf = face(name);
    const copies: Array<[string, Buffer, 'high' | 'low']> = [];
    for (const [t, k] of Object.entries(tones)) copies.push([t, await tonedPrint(buf, k), 'high']);
    copies.push(['sepia, JPEG quality 30', await tonedPrint(buf, SEPIA, 30), 'high']);
    const r0 = await engine.analyze(buf, { level: 'no', attributes: false });
    copies.push(['sepia, 60 px face', await tonedPrint(buf, SEPIA, 80, Math.round((r0.image.width * 60) / r0.data[0]!.info.face_size)), 'low']);
    for (const [how, photo, level] of copies) {
      const m = (await engine.analyze(photo, { level: 'no', attributes: false })).data[0]!.measures;
      assert.ok(m.skin_tint < SKIN_TINT_MIN && m.photo_colour < PHOTO_COLOUR_TONED, `${name} ${how}: skin tint ${m.skin_tint}, photo colour ${m.photo_colour}`);
      assert.equal(m.skin_hue, null, `${name} ${how}: no colour cue`);
      const err = await refusal(photo, level);
      assert.equal(err, null, `${name} ${how} at ${level}: ${err?.message}`);
    }
  }
});

/**
 * A halftone reproduction of the photo, as old books and newspapers printed portraits: its luma
 * against a 45° dot screen (ink or paper, nothing between), sepia-toned, made at three times
 * the size and shrunk so the face is about `face` px wide.
 */
async function halftonePrint(buf: Buffer, faceNow: number, face: number): Promise<Buffer> {
  const src = sharp(buf).rotate();
  const { width = 0 } = await src.metadata();
  const { data, info } = await src.resize({ width: Math.round((width * 3 * face) / faceNow) }).greyscale().raw().toBuffer({ resolveWithObject: true });
  const tone = [1.0, 0.93, 0.8];
  const out = Buffer.alloc(info.width * info.height * 3);
  const period = 4;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const u = ((x + y) * Math.SQRT1_2 * 2 * Math.PI) / period;
      const v = ((x - y) * Math.SQRT1_2 * 2 * Math.PI) / period;
      const ink = data[y * info.width + x]! / 255 < 0.5 + 0.25 * (Math.cos(u) + Math.cos(v)) ? 0.15 : 0.92;
      for (let c = 0; c < 3; c++) out[(y * info.width + x) * 3 + c] = Math.round(255 * ink * tone[c]!);
    }
  }
  return sharp(out, { raw: { width: info.width, height: info.height, channels: 3 } }).blur(0.8).resize({ width: Math.round(info.width / 3) }).jpeg({ quality: 75 }).toBuffer();
}

test('a halftone sepia print of a person that the landmark model is unsure of is not refused as not human: the wider look sees the face', O, async () => {
  const buf = face('biden.jpg');
  const r0 = await engine.analyze(buf, { level: 'no', attributes: false });
  for (const size of [75, 90]) {
    const photo = await halftonePrint(buf, r0.data[0]!.info.face_size, size);
    const m = (await engine.analyze(photo, { level: 'no', attributes: false })).data[0]!.measures;
    assert.equal(m.skin_hue, null, `${size} px: a toned print, no colour cue`);
    // the first look alone would refuse it (2026-11-28: 6.0 and 8.9 with faces of 75 and 90 px)
    assert.ok(m.landmark_confidence < LANDMARK_CONFIDENCE_MIN, `${size} px: landmark confidence ${m.landmark_confidence}`);
    assert.ok(m.landmark_confidence_wide !== null && m.landmark_confidence_wide >= LANDMARK_CONFIDENCE_MIN, `${size} px: wider look ${m.landmark_confidence_wide}`);
    for (const level of ['middle', 'low'] as const) {
      const err = await refusal(photo, level);
      assert.equal(err, null, `${size} px at ${level}: ${err?.message}`);
    }
  }
  // the wider look is only for toned prints: a colour photo has none
  assert.equal(r0.data[0]!.measures.landmark_confidence_wide, null);
});

test('the landmark cue and the pose: a toned print turned beyond every level is judged on its pose, a colour photo or a smaller turn is still refused', () => {
  const look: HumanLook = { landmark_confidence: 4, skin_texture: null, skin_hue: null, skin_red: null, skin_axis: null, photo_colour: 0.5, skin_tint: 0.2, toned: true, landmark_confidence_wide: 6 };
  const q: QualityGate = { brightness: 1, clarity: 0.4, under_exposure: 0, over_exposure: 0, face_width: 80, compression: 75, eyes_visible: 0.6, mask: 0, partial: false, yaw: YAW_EVERY_LEVEL_REFUSES + 5 };
  assert.equal(YAW_EVERY_LEVEL_REFUSES, 45);
  assert.equal(notHumanReason(look, q), null);
  assert.match(notHumanReason(look, { ...q, yaw: -(YAW_EVERY_LEVEL_REFUSES - 5) })?.reason ?? '', /an animal/);
  // a custom level that accepts the turn: the pose does not explain it
  assert.match(notHumanReason(look, { ...q, yaw_max: 60 })?.reason ?? '', /an animal/);
  // in colour the colour cues also judge, and a turned animal keeps its reason
  assert.match(notHumanReason({ ...look, toned: false, landmark_confidence_wide: null, skin_texture: 5, skin_hue: 50, skin_red: 12, skin_axis: 0.6 }, q)?.reason ?? '', /an animal/);
  // the wider look counts in a toned print only
  assert.equal(notHumanReason({ ...look, landmark_confidence_wide: 13 }, { ...q, yaw: 0 }), null);
  assert.match(notHumanReason({ ...look, toned: false, landmark_confidence_wide: 13, skin_texture: 5, skin_hue: 50, skin_red: 12, skin_axis: 0.6 }, { ...q, yaw: 0 })?.reason ?? '', /an animal/);
});

// The local evaluation set (test/fixtures/fiqa-eval/README.md); not committed, so this part
// runs only where it has been put (FIQA_EVAL_DIR).
const EVAL = process.env.FIQA_EVAL_DIR;
const evalManifest = EVAL && existsSync(join(EVAL, 'manifest.json'))
  ? (JSON.parse(readFileSync(join(EVAL, 'manifest.json'), 'utf8')) as { photos: Array<{ file: string; category: string }> }).photos.filter((p) => existsSync(join(EVAL, p.file)))
  : [];

test('evaluation set: the animal faces made black-and-white or sepia are still refused as not human, also after the wider look', { ...O, skip: evalManifest.length === 0 ? 'FIQA_EVAL_DIR with the evaluation set is not here' : false }, async () => {
  let found = 0;
  for (const p of evalManifest.filter((x) => x.category === 'animal')) {
    const grey = await sharp(readFileSync(join(EVAL!, p.file))).flatten({ background: '#ffffff' }).greyscale().toBuffer();
    for (const [how, photo] of [['grey', await sharp(grey).jpeg({ quality: 90 }).toBuffer()], ['sepia', await sharp(grey).tint({ r: 112, g: 66, b: 20 }).jpeg({ quality: 90 }).toBuffer()]] as const) {
      const seen = await engine.analyze(photo, { level: 'no', attributes: false }).catch((err: Error) => err);
      if (seen instanceof Error) continue;
      found++;
      const m = seen.data[0]!.measures;
      assert.equal(m.skin_hue, null, `${p.file} ${how}: toned`);
      // 2026-11-28: the nine or ten found read 0.1-9.5, on the wider crops at most 8.0
      assert.ok(Math.max(m.landmark_confidence, m.landmark_confidence_wide ?? -Infinity) < LANDMARK_CONFIDENCE_MIN - 2, `${p.file} ${how}: ${m.landmark_confidence}, wider ${m.landmark_confidence_wide}`);
      for (const level of ['high', 'middle', 'low'] as const) {
        const r = await engine.analyze(photo, { level, attributes: false }).catch((err: FiqaError) => err);
        assert.ok(r instanceof FiqaError && r.code === 40004, `${p.file} ${how} at ${level}: ${r instanceof Error ? r.message : r.data[0]!.fails}`);
      }
    }
  }
  assert.ok(found >= 8, `the detector found ${found} grey or sepia animal faces`);
});

test('evaluation set: no animal face, drawing, statue or painted portrait passes at any level (also the nearly colourless one); beards pass and are not masks', { ...O, skip: evalManifest.length === 0 ? 'FIQA_EVAL_DIR with the evaluation set is not here' : false }, async () => {
  const refusedAsNotHuman = { animal: 0, artwork: 0 };
  const paintingsPassing: string[] = [];
  for (const p of evalManifest.filter((x) => ['animal', 'artwork', 'drawing', 'statue'].includes(x.category))) {
    const photo = readFileSync(join(EVAL!, p.file));
    // (a drawing on white paper passed at level low before the landmark cue held in any light)
    for (const level of ['high', 'middle', 'low'] as const) {
      try {
        const r = await engine.analyze(photo, { level, attributes: false });
        if (r.passed) paintingsPassing.push(`${p.file} at ${level}`);
        assert.equal(r.passed, false, `${p.file} passed at ${level}`);
      } catch (err) {
        assert.equal((err as FiqaError).code, 40004, `${p.file}: ${(err as Error).message}`);
        if (level === 'middle' && /no human face/.test((err as Error).message)) refusedAsNotHuman[p.category as 'animal' | 'artwork']++;
      }
    }
  }
  // 2026-11-27: 6 of the 7 animal faces the detector finds, 21 of the 26 paintings (the other
  // five have faces under 64 px or are blurred, and fail on that)
  assert.ok(refusedAsNotHuman.animal >= 6, `only ${refusedAsNotHuman.animal} animals refused as not human`);
  assert.ok(refusedAsNotHuman.artwork >= 20, `only ${refusedAsNotHuman.artwork} paintings refused as not human`);
  // 2026-11-28: none, also the nearly colourless SK-A-4491 (its face has a colour of its own
  // apart from the tone: skin_tint 6.4), which passed at level low before
  assert.deepEqual(paintingsPassing, []);
  for (const p of evalManifest.filter((x) => x.category === 'beard')) {
    const r = await engine.analyze(readFileSync(join(EVAL!, p.file)), { attributes: false });
    const e = r.data[0]!;
    assert.ok(e.info.mask < 0.3, `${p.file}: mask ${e.info.mask}`);
    assert.ok(!e.fails.includes('mask'), `${p.file}: ${e.fails}`);
    assert.deepEqual(e.info.occlusion, [true, true, true], p.file);
  }
});
