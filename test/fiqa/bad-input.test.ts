// Bad input gets a clear §8 error code, never a crash, and the engine keeps working after it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { createFaceEngine, createFacePool, type FaceEngine, type FiqaError } from '../../agent/face';
import { face } from './fixtures';

let engine: FaceEngine;
before(async () => {
  engine = await createFaceEngine();
});
after(async () => {
  await engine.close();
});

const O = { timeout: 60_000 };
const code = (c: number, re?: RegExp) => (err: FiqaError) => {
  assert.equal(err.code, c, `${err.code}: ${err.message}`);
  if (re) assert.match(err.message, re);
  assert.ok(err.hint, 'every error says what to do');
  return true;
};

/** A PNG whose header declares width x height; the pixel data is a tiny zlib stream. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('0-byte file → 40003', O, async () => {
  await assert.rejects(engine.analyze(new Uint8Array(0)), code(40003, /empty/));
});

test('not an image → 40003', O, async () => {
  // plain words, not the library's "Input buffer contains unsupported image format"
  await assert.rejects(engine.analyze(Buffer.from('this is a text file, not a photo\n'.repeat(20))), (e: FiqaError) => {
    code(40003, /^not a readable image: this file is not a photo, or it is damaged \(JPEG, PNG and WebP photos can be checked\)$/)(e);
    assert.doesNotMatch(e.message, /buffer|vips/i);
    return true;
  });
  const gif = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).gif().toBuffer();
  await assert.rejects(engine.analyze(gif), code(40003, /^unsupported image format "gif" \(GIF\): JPEG, PNG and WebP photos can be checked$/));
});

test('truncated JPEG → 40003', O, async () => {
  const full = face('obama.jpg');
  // said once, in plain words (libvips repeats its line for every failed scanline)
  await assert.rejects(engine.analyze(full.subarray(0, Math.floor(full.length * 0.6))), code(40003, /^image is truncated or damaged: the file ends before the picture does$/));
  await assert.rejects(engine.analyze(full.subarray(0, 300)), code(40003));
});

test('image bomb (huge declared dimensions, tiny file) → 40007 before decoding', O, async () => {
  const bomb = pngHeaderOnly(100_000, 100_000);
  assert.ok(bomb.length < 2000);
  const rss0 = process.memoryUsage().rss;
  await assert.rejects(engine.analyze(bomb), code(40007, /too large: 100000x100000/));
  // refused from the header: nowhere near the 30 GB the pixels would take
  assert.ok(process.memoryUsage().rss - rss0 < 200 * 1024 * 1024);
});

test('a 50-megapixel JPEG is decoded shrunk on load and checked; a 50-megapixel PNG (decoded whole) → 40007', O, async () => {
  // a phone's 50 MP photo: the portrait scaled up to 8200x6100, decoded at 1/8 scale
  const portrait = await sharp(face('obama.jpg')).resize(8200, 6100, { fit: 'contain', background: '#7a8a9a' }).jpeg({ quality: 80 }).toBuffer();
  const r = await engine.analyze(portrait, { attributes: false });
  assert.deepEqual([r.image.width, r.image.height], [8200, 6100]);
  assert.equal(r.data.length, 1);
  assert.ok(r.data[0]!.info.face_size > 1000, `face ${r.data[0]!.info.face_size} px in original pixels`);
  const png = await sharp({ create: { width: 8200, height: 6100, channels: 3, background: '#7a8a9a' } }).png({ compressionLevel: 1 }).toBuffer();
  await assert.rejects(engine.analyze(png), code(40007, /8200x6100 = 50\.0 MP, limit 40 MP for PNG/));
  // the limit for what is decoded shrunk stays: a JPEG declaring 300 MP is refused from its header
  const huge = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888' } }).jpeg().toBuffer());
  const sof = huge.indexOf(Buffer.from([0xff, 0xc0]));
  huge.writeUInt16BE(15000, sof + 5);
  huge.writeUInt16BE(20000, sof + 7);
  await assert.rejects(engine.analyze(huge), code(40007, /20000x15000 = 300\.0 MP, limit 210 MP/));
});

test('the engine still works after every bad input, and in worker threads too', O, async () => {
  const r = await engine.analyze(face('obama.jpg'));
  assert.equal(r.data[0]!.fiqa_result, true);
  const pool = await createFacePool({ jobs: 2 });
  try {
    assert.equal(pool.threaded, true);
    const results = await Promise.allSettled([
      pool.analyze(face('obama.jpg'), { attributes: false }),
      pool.analyze(new Uint8Array(0)),
      pool.analyze(pngHeaderOnly(50_000, 50_000)),
      pool.analyze(face('two_people.jpg'), { attributes: false }),
    ]);
    assert.equal(results[0]!.status, 'fulfilled');
    assert.equal((results[1] as PromiseRejectedResult).reason.code, 40003);
    assert.equal((results[2] as PromiseRejectedResult).reason.code, 40007);
    assert.equal(results[3]!.status === 'fulfilled' && results[3]!.value.data.length, 2);
  } finally {
    await pool.close();
  }
});

test('photos in flight together (the next one decoding while the models run) give the results one at a time gives; bad ones fail alone', O, async () => {
  const truncated = face('obama2.jpg').subarray(0, 40_000);
  const batch: Uint8Array[] = [face('obama.jpg'), truncated, face('two_people.jpg'), new Uint8Array(0), face('biden.jpg'), pngHeaderOnly(50_000, 50_000), face('obama3.jpg')];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const together = await Promise.allSettled(batch.map((b) => engine.analyze(b, { attributes: false })));
    const alone: Array<PromiseSettledResult<Awaited<ReturnType<FaceEngine['analyze']>>>> = [];
    for (const b of batch) alone.push(...(await Promise.allSettled([engine.analyze(b, { attributes: false })])));
    assert.deepEqual(
      together.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as FiqaError).code)),
      ['ok', 40003, 'ok', 40003, 'ok', 40007, 'ok'],
    );
    together.forEach((r, i) => {
      const a = alone[i]!;
      if (r.status === 'fulfilled' && a.status === 'fulfilled') assert.deepEqual({ ...r.value, ms: 0 }, { ...a.value, ms: 0 }, `photo ${i}`);
      else assert.equal(r.status === 'rejected' && a.status === 'rejected' && (r.reason as FiqaError).code, (a as PromiseRejectedResult).reason.code);
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, [], 'no unhandled rejections');
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
