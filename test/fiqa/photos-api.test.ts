// The "photos" API area through the real dispatcher (createApiHandlers) and the real services
// (assembleServices: the Photo Check service with its face worker pool). Good and failing
// photos, per-photo errors as answers, parameter validation at the edge (bad base64, oversized
// payloads, unknown levels), and the site transport carrying a photo of the largest allowed size.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiHandlers, type Api } from '../../electron/api/dispatch';
import { PHOTO_MAX_BYTES, type PhotoCheckOutcome } from '../../electron/api/photos';
import { assembleServices, type Services } from '../../electron/api/services';
import { DEFAULT_LIMITS } from '../../agent/face';
import { startSiteServer } from '../../electron/site/server';
import { face } from './fixtures';

let dir: string;
let services: Services;
let api: Api;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'se3kit-photos-api-'));
  services = assembleServices({ dataDir: dir });
  api = createApiHandlers(services);
});
after(async () => {
  api.dispose();
  await services.close();
  rmSync(dir, { recursive: true, force: true });
});

const O = { timeout: 120_000 };
const check = (params: unknown) => api.call('photos.check', params) as Promise<PhotoCheckOutcome>;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

function analysisOf(o: PhotoCheckOutcome) {
  assert.ok(o.ok, `expected an analysis, got ${JSON.stringify(o)}`);
  return o.analysis;
}

test('the API limit is the engine limit', () => {
  assert.equal(PHOTO_MAX_BYTES, DEFAULT_LIMITS.maxBytes);
});

test('a good portrait passes at the default level (high), with a face box and five landmarks', O, async () => {
  assert.equal(services.photos.started, false, 'the face pool starts on the first photo, not with the app');
  const a = analysisOf(await check({ data: b64(face('obama.jpg')) }));
  assert.equal(services.photos.started, true);
  assert.equal(a.passed, true);
  assert.equal(a.data.length, 1);
  const d = a.data[0]!;
  assert.equal(d.level, 'high');
  assert.equal(d.fiqa_result, true);
  assert.deepEqual(d.fails, []);
  assert.equal(d.landmarks.length, 5);
  const [x1, y1, x2, y2] = d.bbox;
  assert.ok(x1 < x2 && y1 < y2 && x2 <= a.image.width && y2 <= a.image.height, `bbox ${d.bbox} inside ${a.image.width}x${a.image.height}`);
  assert.equal(d.attributes, undefined, 'no embedding is computed or sent for the page');
});

test('a partial face fails at high with a reason and a hint; two people give two entries', O, async () => {
  const partial = analysisOf(await check({ data: b64(face('obama_partial_face.jpg')), level: 'high' }));
  assert.equal(partial.passed, false);
  assert.ok(partial.data[0]!.fails.includes('partial'));
  const c = partial.data[0]!.checks.find((x) => x.name === 'partial')!;
  assert.match(c.reason!, /cut off/);
  assert.ok(c.hint);

  const two = analysisOf(await check({ data: b64(face('two_people.jpg')), level: 'low' }));
  assert.equal(two.data.length, 2);
});

test('level no measures without judging', O, async () => {
  const a = analysisOf(await check({ data: b64(face('obama_partial_face.jpg')), level: 'no' }));
  assert.equal(a.passed, true);
  assert.deepEqual(a.data[0]!.fails, []);
  assert.equal(a.data[0]!.info.partial, true);
});

test('photos that cannot be checked come back as answers with their §8 code, message and hint', O, async () => {
  const text = await check({ data: b64(Buffer.from('this is a text file, not a photo\n')) });
  assert.equal(text.ok, false);
  assert.ok(!text.ok && text.error.code === 40003, JSON.stringify(text));
  assert.match(text.error.message, /not a readable image/);
  assert.ok(text.error.hint);

  const empty = await check({ data: '' });
  assert.ok(!empty.ok && empty.error.code === 40003 && /empty/.test(empty.error.message), JSON.stringify(empty));

  const full = face('obama.jpg');
  const truncated = await check({ data: b64(full.subarray(0, Math.floor(full.length * 0.6))) });
  assert.ok(!truncated.ok && truncated.error.code === 40003, JSON.stringify(truncated));

  // and the pool still works after them
  assert.equal(analysisOf(await check({ data: b64(face('biden.jpg')) })).passed, true);
});

test('bad base64 is refused at the edge with a clear message', O, async () => {
  for (const data of ['not base64!', 'abc', 'QUJD=A==', 42]) {
    await assert.rejects(check({ data }), (err: Error & { code?: unknown }) => {
      assert.equal(err.code, 'bad_params');
      assert.match(err.message, /^bad parameters for photos\.check: data: /);
      assert.match(err.message, typeof data === 'string' ? /not valid base64/ : /base64 string/);
      return true;
    });
  }
  await assert.rejects(check({}), /data: data must be the photo as a base64 string/);
  await assert.rejects(check({ data: '', level: 'extreme' }), /level: level must be one of high, custom, middle, low, no/);
  await assert.rejects(check({ data: '', name: 'x.jpg' }), /bad parameters/);
});

test('a payload over the size limit is refused before it reaches the engine, saying the limit', O, async () => {
  // one byte over: valid base64 whose decoded size is PHOTO_MAX_BYTES + 1
  const over = Buffer.alloc(PHOTO_MAX_BYTES + 1).toString('base64');
  await assert.rejects(check({ data: over }), (err: Error & { code?: unknown }) => {
    assert.equal(err.code, 'bad_params');
    assert.match(err.message, /data: the photo is 30\.0 MiB, more than the 30 MiB limit; export it smaller/);
    return true;
  });
  // far over: refused by length, without scanning the string
  await assert.rejects(check({ data: 'A'.repeat(60 * 1024 * 1024) }), /the photo is 45\.0 MiB, more than the 30 MiB limit/);
  // exactly the limit is accepted and judged by the engine (zeros: not an image)
  const atLimit = await check({ data: Buffer.alloc(PHOTO_MAX_BYTES).toString('base64') });
  assert.ok(!atLimit.ok && atLimit.error.code === 40003, JSON.stringify(atLimit));
});

test('site mode carries a photo of the largest allowed size in one call (body limit fits it)', O, async (t) => {
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>UI</title>');
  const site = await startSiteServer({ api, dataDir: dir, rendererDir: renderer, host: '127.0.0.1', port: 0 });
  t.after(() => site.close());
  const base = site.url.replace(/\/$/, '');
  const login = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: site.createdPassword }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const post = (params: unknown) =>
    fetch(`${base}/api/call/photos.check`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(params) });

  // a real photo padded after its end-of-image marker up to exactly the limit
  const jpeg = face('obama2.jpg');
  const padded = Buffer.concat([jpeg, Buffer.alloc(PHOTO_MAX_BYTES - jpeg.length)]);
  const res = await post({ data: padded.toString('base64'), level: 'middle' });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { result: PhotoCheckOutcome };
  const a = analysisOf(body.result);
  assert.equal(a.image.bytes, PHOTO_MAX_BYTES);
  assert.equal(a.passed, true);
  assert.equal(a.data.length, 1);

  const bad = await post({ data: '%%%' });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /data: is not valid base64/);
});
