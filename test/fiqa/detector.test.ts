// The detector input: the photo at the top left of the smallest rectangle of 32-multiples that
// holds it (BlazeFace converted with free spatial dimensions), instead of a 256x256 square that
// is up to half padding. The faces found must be the ones the square finds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage } from '../../agent/face/decode';
import { decodeDetections, DETECTOR_SIZE, type Detection } from '../../agent/face/detector';
import { letterbox, Pyramid } from '../../agent/face/image';
import { defaultModelsDir, loadModels, type LoadedModel } from '../../agent/face/models';
import { face } from './fixtures';

let models: Record<string, LoadedModel>;
before(async () => {
  models = await loadModels(defaultModelsDir(), 1);
});
after(async () => {
  await Promise.all(Object.values(models).map((m) => m.session.release()));
});

test('the detector input is the photo with at most 31 pixels of padding per side', async () => {
  const cases: Array<[number, number, number, number]> = [
    // working width, height → detector width, height
    [960, 540, 256, 160], // 16:9: 144 rounded up to 160
    [540, 960, 160, 256],
    [960, 720, 256, 192], // 4:3
    [800, 800, 256, 256],
    [960, 60, 256, 32], // a strip: at least one 32-row band
  ];
  for (const [w, h, dw, dh] of cases) {
    const img = { rgb: new Uint8Array(w * h * 3).fill(200), width: w, height: h, origWidth: w, origHeight: h, scale: 1, format: 'raw', bytes: 0 };
    const pyr = new Pyramid(img);
    try {
      const { input, width, height, side } = letterbox(img, pyr, DETECTOR_SIZE, 32);
      assert.deepEqual([width, height], [dw, dh], `${w}x${h}`);
      assert.equal(side, Math.max(w, h));
      assert.equal(input.length, dw * dh * 3);
      // the image (grey 200 → 200/127.5 - 1) fills the top-left corner; the padding is black (-1)
      assert.ok(Math.abs(input[0]! - (200 / 127.5 - 1)) < 1e-6);
      const padX = dw - (w * DETECTOR_SIZE) / side;
      const padY = dh - (h * DETECTOR_SIZE) / side;
      assert.ok(padX >= 0 && padX < 32 && padY >= 0 && padY < 32, `${w}x${h}: padding ${padX}, ${padY}`);
      if (padX >= 1 || padY >= 1) assert.equal(input[input.length - 1], -1, `${w}x${h}: bottom-right is padding`);
    } finally {
      pyr.release();
    }
  }
});

async function detect(photo: Buffer, multiple: number): Promise<Detection[]> {
  const img = await decodeImage(photo);
  const pyr = new Pyramid(img);
  try {
    const { input, width, height, side } = letterbox(img, pyr, DETECTOR_SIZE, multiple);
    return decodeDetections(await models.blazeface!.run(input, [1, height, width, 3]), width, height, side, 0.5);
  } finally {
    pyr.release();
  }
}

const iou = (a: Detection, b: Detection) => {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  return (ix * iy) / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - ix * iy);
};

test('on wide, tall and square photos the rectangle finds the faces the 256x256 square finds', { timeout: 60_000 }, async () => {
  const photos: Array<[string, Buffer]> = [
    ['obama-1080p.jpg (16:9)', face('obama-1080p.jpg')],
    ['biden.jpg (tall)', face('biden.jpg')],
    ['two_people.jpg (wide, two faces)', face('two_people.jpg')],
    ['obama_and_biden.jpg (three faces)', face('obama_and_biden.jpg')],
    ['obama.jpg squared', await sharp(face('obama.jpg')).resize(900, 900, { fit: 'cover' }).jpeg().toBuffer()],
  ];
  for (const [name, photo] of photos) {
    const square = await detect(photo, DETECTOR_SIZE);
    const rect = await detect(photo, 32);
    assert.ok(square.length > 0, name);
    assert.equal(rect.length, square.length, `${name}: ${rect.length} faces vs ${square.length} in the square`);
    for (const s of square) {
      const best = Math.max(...rect.map((r) => iou(r, s)));
      assert.ok(best > 0.9, `${name}: a face of the square found again (IoU ${best.toFixed(3)})`);
    }
  }
});
