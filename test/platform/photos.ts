// Distinct enrolment photos made from the fixtures in the test (never committed): crops,
// flips, light and size changes of the good portraits; the failing ones are faces cut by the
// border and photos too dark to use.
import sharp from 'sharp';
import { face, PORTRAITS } from '../fiqa/fixtures';

/** The fixture portraits that pass FIQA `high` as they are. */
const GOOD = PORTRAITS;

/** Photo number i: a JPEG that passes FIQA `high` unless `fail`. */
export async function makePhoto(i: number, fail: boolean): Promise<Buffer> {
  if (fail) {
    if (i % 2 === 0) return face(i % 4 === 0 ? 'obama_partial_face.jpg' : 'obama_partial_face2.jpg');
    return sharp(face(GOOD[i % GOOD.length]!)).modulate({ brightness: 0.12 }).jpeg({ quality: 90 }).toBuffer();
  }
  const src = face(GOOD[i % GOOD.length]!);
  const meta = await sharp(src).metadata();
  const w = meta.width!;
  const h = meta.height!;
  const shrink = 0.04 * (i % 3); // a few percent off the sides keeps the face whole
  let img = sharp(src).extract({ left: Math.round(w * shrink), top: Math.round(h * shrink * 0.5), width: Math.round(w * (1 - 2 * shrink)), height: Math.round(h * (1 - shrink)) });
  if (i % 2 === 1) img = img.flop();
  img = img.modulate({ brightness: 0.95 + 0.02 * (i % 5) });
  return img.jpeg({ quality: 88 + (i % 7) }).toBuffer();
}
