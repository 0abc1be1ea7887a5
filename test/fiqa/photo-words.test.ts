// The Photo Check page's words for photos that could not be checked: a face cut by the photo
// edge is named as such (not "no face"), from the engine's real error for such a photo.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { createFaceEngine, type FaceEngine, type FiqaError } from '../../agent/face';
import { badgeOf, problemTitle } from '../../renderer/src/pages/photos/photo-words';
import type { PhotoItem } from '../../renderer/src/pages/photos/check-store';
import { face } from './fixtures';

let engine: FaceEngine;
before(async () => {
  engine = await createFaceEngine();
});
after(async () => {
  await engine?.close();
});

const errorOf = (p: Promise<unknown>) => p.then(() => assert.fail('expected an error'), (e: FiqaError) => ({ code: e.code, message: e.message, hint: e.hint }));
const item = (error: { code: number; message: string }) => ({ status: 'error', error }) as unknown as PhotoItem;

test('a face cut off by the edge is titled and badged as cut off; no face and unreadable files keep their words', { timeout: 60_000 }, async () => {
  const r = await engine.analyze(face('obama.jpg'), { attributes: false });
  // cut a tenth of the face width left of the nose: no whole face left for the detector
  const [x1, , x2] = r.data[0]!.bbox;
  const noseX = r.data[0]!.landmarks[2]![0];
  const half = await sharp(face('obama.jpg')).extract({ left: 0, top: 0, width: Math.round(noseX - 0.1 * (x2 - x1)), height: r.image.height }).jpeg().toBuffer();
  const cut = await errorOf(engine.analyze(half));
  assert.equal(cut.code, 40004);
  assert.equal(problemTitle(cut.code, cut.message), 'The face is cut off by the edge of the photo.');
  assert.deepEqual(badgeOf(item(cut)), { label: 'Face cut off', tone: 'error' });

  const grey = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#888' } }).jpeg().toBuffer();
  const none = await errorOf(engine.analyze(grey));
  assert.equal(problemTitle(none.code, none.message), 'No face was found in this photo.');
  assert.deepEqual(badgeOf(item(none)), { label: 'No face', tone: 'error' });

  const text = await errorOf(engine.analyze(Buffer.from('hello, not a photo')));
  assert.equal(problemTitle(text.code, text.message), 'This file cannot be read as a photo.');
  assert.match(text.message, /not a photo, or it is damaged \(JPEG, PNG and WebP photos can be checked\)/);
});
