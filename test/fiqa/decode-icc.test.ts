// Colour profiles in decoding: an embedded sRGB profile is an identity (skipped, same pixels as
// converting), any other profile (Display P3 here) is still converted to sRGB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, isSrgbProfile } from '../../agent/face/decode';
import { face } from './fixtures';

const O = { timeout: 60_000 };
// both photos are portraits: decodeImage resizes them by height

/** Largest per-byte difference of two equally sized RGB buffers. */
function maxDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('an sRGB profile (the fixtures carry IEC61966-2.1) decodes to the pixels a full colour conversion gives', O, async () => {
  const buf = face('obama.jpg');
  const meta = await sharp(buf).metadata();
  assert.ok(meta.icc, 'fixture has an embedded profile');
  assert.equal(isSrgbProfile(meta.icc), true);
  const img = await decodeImage(buf);
  const converted = await sharp(buf).rotate().resize(null, img.height, { kernel: 'linear' }).raw().toBuffer();
  assert.ok(maxDiff(img.rgb, converted) <= 1, 'same pixels within rounding');
});

test('a Display P3 photo is still converted to sRGB', O, async () => {
  const p3 = await sharp(face('obama2.jpg')).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
  const meta = await sharp(p3).metadata();
  assert.ok(meta.icc);
  assert.equal(isSrgbProfile(meta.icc), false);
  const img = await decodeImage(p3);
  const raw = await sharp(p3, { ignoreIcc: true }).resize(null, img.height, { kernel: 'linear' }).raw().toBuffer();
  const converted = await sharp(p3).resize(null, img.height, { kernel: 'linear' }).raw().toBuffer();
  assert.ok(maxDiff(raw, converted) > 8, 'P3 and sRGB values differ for this photo');
  assert.ok(maxDiff(img.rgb, converted) <= 1, 'decoded through the profile');
});

test('profile check: sRGB yes, P3/CMYK/garbage no', O, async () => {
  const withProfile = async (p: string) => (await sharp(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).withIccProfile(p).jpeg().toBuffer()).metadata()).icc!;
  assert.equal(isSrgbProfile(await withProfile('srgb')), true);
  assert.equal(isSrgbProfile(await withProfile('p3')), false);
  assert.equal(isSrgbProfile(await withProfile('cmyk')), false);
  assert.equal(isSrgbProfile(new Uint8Array(10)), false);
  assert.equal(isSrgbProfile(new Uint8Array(400)), false);
});
