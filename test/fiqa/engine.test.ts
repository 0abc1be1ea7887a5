// The face engine on the real fixture portraits and on degraded variants made here with sharp.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp, { type Sharp } from 'sharp';
import { cosineSimilarity, createFaceEngine, FiqaError, protocolEntry, type FaceEngine, type FiqaAnalysis } from '../../agent/face';
import { face, PARTIAL, PORTRAITS } from './fixtures';

let engine: FaceEngine;
const cache = new Map<string, FiqaAnalysis>();

before(async () => {
  engine = await createFaceEngine();
});
after(async () => {
  await engine.close();
});

async function analyze(name: string): Promise<FiqaAnalysis> {
  if (!cache.has(name)) cache.set(name, await engine.analyze(face(name), { level: 'high' }));
  return cache.get(name)!;
}

async function variant(name: string, fn: (s: Sharp) => Sharp): Promise<Buffer> {
  return fn(sharp(face(name)).rotate()).jpeg({ quality: 92 }).toBuffer();
}

const O = { timeout: 60_000 };

test('single-face portraits pass level high, with one entry in the PROTOCOL §4.4 shape', O, async () => {
  for (const name of PORTRAITS) {
    const r = await analyze(name);
    assert.equal(r.data.length, 1, `${name}: one face`);
    const e = r.data[0]!;
    assert.deepEqual(e.fails, [], `${name}: ${e.checks.filter((c) => !c.passed && c.enforced).map((c) => c.reason).join('; ')}`);
    assert.equal(e.fiqa_result, true);
    assert.deepEqual(Object.keys(protocolEntry(e)).sort(), ['bbox', 'fails', 'fiqa_result', 'info', 'score', 'success']);
    assert.deepEqual(Object.keys(e.info).sort(), ['brightness', 'clarity', 'face_size', 'headpose', 'mask', 'occlusion', 'partial']);
    assert.deepEqual(Object.keys(e.info.headpose).sort(), ['pitch_angle', 'roll_angle', 'yaw_angle']);
    for (const c of ['face_size', 'headpose', 'occlusion', 'clarity', 'mask', 'partial', 'brightness']) assert.ok(e.success.includes(c as never), `${name}: ${c} in success`);
    const [x1, y1, x2, y2] = e.bbox;
    assert.ok(x1 >= 0 && y1 >= 0 && x2 > x1 && y2 > y1 && x2 <= r.image.width && y2 <= r.image.height, `${name}: bbox ${e.bbox} inside ${r.image.width}x${r.image.height}`);
    // the eyes lie inside the box, right eye (subject's) left of the left eye
    const [eyeR, eyeL] = e.landmarks;
    assert.ok(eyeR![0] < eyeL![0] && eyeR![0] > x1 && eyeL![0] < x2 && eyeR![1] > y1 && eyeR![1] < y2);
    assert.equal(e.score, e.info.clarity);
    assert.equal(e.info.partial, false);
    assert.deepEqual(e.info.occlusion, [true, true, true]);
    assert.equal(e.attributes?.embedding.length, 1024);
    assert.equal(e.attributes?.sex, 'male', `${name}: sex`);
    assert.ok(e.attributes!.age > 15 && e.attributes!.age < 90, `${name}: age ${e.attributes!.age}`);
  }
});

test('partial-face photos are partial:true and fail high', O, async () => {
  for (const name of PARTIAL) {
    const r = await analyze(name);
    assert.equal(r.data.length, 1);
    const e = r.data[0]!;
    assert.equal(e.info.partial, true, name);
    assert.equal(e.fiqa_result, false);
    assert.ok(e.fails.includes('partial'));
    const c = e.checks.find((x) => x.name === 'partial')!;
    assert.match(c.reason!, /cut off/);
    assert.ok(c.hint);
  }
});

test('photos with two people give one entry per face, different identities', O, async () => {
  const two = await analyze('two_people.jpg');
  assert.equal(two.data.length, 2);
  // obama_and_biden.jpg also shows a child at the lower right edge: a third real face.
  const ob = await analyze('obama_and_biden.jpg');
  assert.ok(ob.data.length >= 2);
  for (const r of [two, ob]) {
    const [a, b] = r.data;
    assert.ok(a!.measures.face_count === r.data.length);
    assert.ok(a!.fails.includes('single_face'), 'more than one face fails single_face at high');
    const overlap = !(a!.bbox[2] < b!.bbox[0] || b!.bbox[2] < a!.bbox[0]);
    assert.ok(!overlap, 'the two faces are side by side');
    assert.ok(cosineSimilarity(a!.attributes!.embedding, b!.attributes!.embedding) < 0.6, 'different people');
  }
});

test('the same person has closer embeddings than different people', O, async () => {
  const people = ['obama.jpg', 'obama2.jpg', 'obama3.jpg', 'biden.jpg', 'biden2.jpg'];
  const emb = new Map<string, number[]>();
  for (const p of people) emb.set(p, (await analyze(p)).data[0]!.attributes!.embedding);
  const same: number[] = [];
  const diff: number[] = [];
  for (let i = 0; i < people.length; i++) {
    for (let j = i + 1; j < people.length; j++) {
      const s = cosineSimilarity(emb.get(people[i]!)!, emb.get(people[j]!)!);
      (people[i]!.slice(0, 4) === people[j]!.slice(0, 4) ? same : diff).push(s);
    }
  }
  assert.ok(Math.min(...same) > Math.max(...diff), `same ${same.map((x) => x.toFixed(3))} vs different ${diff.map((x) => x.toFixed(3))}`);
  // the same photo found inside another picture matches almost exactly
  const two = await analyze('two_people.jpg');
  const best = Math.max(...two.data.map((d) => cosineSimilarity(d.attributes!.embedding, emb.get('biden.jpg')!)));
  assert.ok(best > 0.9, `biden.jpg is one of the two_people faces (${best})`);
});

test('gaussian blur fails clarity', O, async () => {
  const orig = (await analyze('obama.jpg')).data[0]!;
  const r = await engine.analyze(await variant('obama.jpg', (s) => s.blur(3)));
  const e = r.data[0]!;
  assert.ok(e.info.clarity < orig.info.clarity / 2, `${e.info.clarity} vs ${orig.info.clarity}`);
  assert.ok(e.fails.includes('clarity'));
  assert.match(e.checks.find((c) => c.name === 'clarity')!.reason!, /blurred/);
});

test('a darkened photo fails brightness', O, async () => {
  const r = await engine.analyze(await variant('biden2.jpg', (s) => s.linear(0.3, 0)));
  const e = r.data[0]!;
  assert.ok(e.fails.includes('brightness'), JSON.stringify(e.info));
  assert.match(e.checks.find((c) => c.name === 'brightness')!.reason!, /too dark/);
});

test('an over-exposed photo fails brightness and exposure', O, async () => {
  const e = (await engine.analyze(await variant('obama.jpg', (s) => s.linear(2.2, 30)))).data[0]!;
  assert.ok(e.fails.includes('brightness') && e.fails.includes('exposure'), e.fails.join(','));
});

test('a photo rotated 45° fails head pose (roll ≈ 45°)', O, async () => {
  const e = (await engine.analyze(await variant('obama.jpg', (s) => s.rotate(45, { background: '#808080' })))).data[0]!;
  assert.ok(e.fails.includes('headpose'));
  assert.ok(Math.abs(e.info.headpose.roll_angle - 45) < 8, `roll ${e.info.headpose.roll_angle}`);
});

test('a shrunk photo fails face_size and inter-eye distance', O, async () => {
  const e = (await engine.analyze(await variant('obama.jpg', (s) => s.resize(150)))).data[0]!;
  assert.ok(e.fails.includes('face_size'), JSON.stringify(e.info));
  assert.ok(e.fails.includes('inter_eye_distance'));
  assert.match(e.checks.find((c) => c.name === 'inter_eye_distance')!.reason!, /px between the eyes, need 60/);
});

test('random noise has no face (40004)', O, async () => {
  const w = 640;
  const h = 480;
  const noise = Buffer.alloc(w * h * 3);
  let seed = 42;
  for (let i = 0; i < noise.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    noise[i] = seed >> 23;
  }
  const png = await sharp(noise, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  await assert.rejects(engine.analyze(png), (err: FiqaError) => err.code === 40004 && /no face/.test(err.message));
});

test('a covered lower face (mask) fails mask and occlusion', O, async () => {
  const r = await analyze('obama.jpg');
  const e = r.data[0]!;
  const [x1, , x2, y2] = e.bbox;
  const noseY = e.landmarks[2]![1];
  const w = x2 - x1;
  const svg = `<svg width="${r.image.width}" height="${r.image.height}"><polygon points="${x1 + w * 0.05},${noseY - w * 0.05} ${x2 - w * 0.05},${noseY - w * 0.05} ${x2 - w * 0.15},${y2} ${x1 + w * 0.15},${y2}" fill="#a8c8e8"/></svg>`;
  const masked = await sharp(face('obama.jpg')).composite([{ input: Buffer.from(svg) }]).jpeg().toBuffer();
  const m = (await engine.analyze(masked)).data[0]!;
  assert.ok(m.info.mask > 0.5, `mask ${m.info.mask}`);
  assert.ok(m.fails.includes('mask') && m.fails.includes('occlusion'));
  assert.deepEqual(m.info.occlusion, [true, false, false]);
});

test('heavy JPEG compression is detected', O, async () => {
  const e = (await engine.analyze(await sharp(face('obama.jpg')).jpeg({ quality: 5 }).toBuffer())).data[0]!;
  assert.ok(e.measures.compression < 20);
  assert.ok(e.fails.includes('compression'));
});

test('EXIF orientation is applied; greyscale JPEG, PNG and WebP work', O, async () => {
  const upright = (await analyze('obama.jpg')).data[0]!;
  // pixels stored turned on their side, EXIF orientation 6 says "rotate 90° clockwise to view"
  const sideways = await sharp(face('obama.jpg')).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 92 }).toBuffer();
  const r = await engine.analyze(sideways);
  assert.deepEqual([r.image.width, r.image.height], [910, 1137]);
  assert.ok(Math.abs(r.data[0]!.info.headpose.roll_angle) < 5);
  assert.ok(Math.abs(r.data[0]!.bbox[0] - upright.bbox[0]) < 10);
  const grey = await engine.analyze(await sharp(face('obama.jpg')).greyscale().jpeg().toBuffer());
  assert.equal(grey.data.length, 1, 'greyscale JPEG (1 channel) is decoded to RGB');
  for (const fmt of ['png', 'webp'] as const) {
    const rr = await engine.analyze(await sharp(face('obama.jpg')).toFormat(fmt).toBuffer());
    assert.equal(rr.image.format, fmt);
    assert.equal(rr.data[0]!.fiqa_result, true, `${fmt}: ${rr.data[0]!.fails}`);
  }
});

test('levels: `no` measures without judging, `low` is laxer than `high`, custom thresholds apply', O, async () => {
  const blurred = await variant('obama.jpg', (s) => s.blur(3));
  const high = (await engine.analyze(blurred, { level: 'high' })).data[0]!;
  const low = (await engine.analyze(blurred, { level: 'low' })).data[0]!;
  const none = (await engine.analyze(blurred, { level: 'no' })).data[0]!;
  assert.ok(high.fails.includes('clarity'));
  assert.ok(!low.fails.includes('clarity'), `clarity ${low.info.clarity} passes low`);
  assert.deepEqual(none.fails, []);
  assert.equal(none.fiqa_result, true);
  assert.equal(none.info.clarity, high.info.clarity);
  const strict = (await engine.analyze(face('obama.jpg'), { level: 'custom', thresholds: { face_size_min: 5000 } })).data[0]!;
  assert.deepEqual(strict.fails, ['face_size']);
  assert.match(strict.checks.find((c) => c.name === 'face_size')!.hint!, /closer/);
  const boxOnly = (await engine.analyze(face('two_people.jpg'), { thresholds: { enforce: [] } })).data;
  assert.ok(boxOnly.every((d) => d.success.length === 7 && d.fails.length === 0), 'only the box\'s seven checks when nothing extra is enforced');
});
