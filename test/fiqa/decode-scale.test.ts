// The working image: a photo scaled down by a power of two so its longest side stays at least
// the working size (960) — a JPEG decoded straight at that scale, EXIF orientation applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, shrinkFactor } from '../../agent/face/decode';

test('shrink factor: the largest power of two up to 8 that keeps the longest side ≥ the working size', () => {
  assert.equal(shrinkFactor(800, 960), 1);
  assert.equal(shrinkFactor(1919, 960), 1);
  assert.equal(shrinkFactor(1920, 960), 2);
  assert.equal(shrinkFactor(3839, 960), 2);
  assert.equal(shrinkFactor(4000, 960), 4);
  assert.equal(shrinkFactor(20000, 960), 8);
});

async function photo(w: number, h: number, format: 'jpeg' | 'png', orientation?: number): Promise<Buffer> {
  // left half dark, right half light, so orientation and scale show in the pixels
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.fill(x < w / 2 ? 40 : 210, (y * w + x) * 3, (y * w + x) * 3 + 3);
  let s = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  if (orientation) s = s.withMetadata({ orientation });
  return format === 'jpeg' ? s.jpeg({ quality: 90 }).toBuffer() : s.png().toBuffer();
}

test('a 4000x3000 JPEG is decoded at 1/4 scale: 1000x750, scale 4', async () => {
  const d = await decodeImage(await photo(4000, 3000, 'jpeg'));
  assert.deepEqual([d.width, d.height, d.origWidth, d.origHeight, d.scale], [1000, 750, 4000, 3000, 4]);
  assert.equal(d.rgb.length, 1000 * 750 * 3);
  assert.ok(d.rgb[0]! < 60 && d.rgb[(1000 - 1) * 3]! > 190, 'dark left, light right');
});

test('a 2875x2003 JPEG turned by EXIF orientation 6 comes out upright at half scale, rounded up', async () => {
  const d = await decodeImage(await photo(2875, 2003, 'jpeg', 6));
  // stored 2875x2003, shown turned 90° clockwise: 2003x2875, halved (the long side ≥ 1920)
  assert.deepEqual([d.origWidth, d.origHeight, d.width, d.height], [2003, 2875, 1002, 1438]);
  assert.equal(d.rgb.length, 1002 * 1438 * 3);
  // the stored left (dark) half is now the top half
  assert.ok(d.rgb[0]! < 60 && d.rgb[(1438 - 1) * 1002 * 3]! > 190, 'dark top, light bottom');
});

test('a 1500x1000 photo keeps its size; a 2500x1000 PNG is halved too', async () => {
  const j = await decodeImage(await photo(1500, 1000, 'jpeg'));
  assert.deepEqual([j.width, j.height, j.scale], [1500, 1000, 1]);
  const p = await decodeImage(await photo(2500, 1000, 'png'));
  assert.deepEqual([p.width, p.height, p.scale, p.format], [1250, 500, 2, 'png']);
});
