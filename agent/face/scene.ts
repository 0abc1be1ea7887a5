// How a whole photo looks, for saying why no face was found: mostly burnt-out white, mostly
// black, or badly blurred (a face may be there, but the detector cannot see it). Measured on
// the whole photo sampled at 128 px on its long side.
import type { DecodedImage } from './decode';
import { lumaOf, sampleCropSmooth, type Pyramid } from './image';
import { validMask } from './regions';

export interface SceneLooks {
  /** fraction of pixels nearly white (luma > 240) */
  over: number;
  /** fraction of pixels nearly black (luma < 25) */
  under: number;
  /** RMS of the Laplacian over the luma spread (+8), as the face clarity measure, on the whole photo */
  sharpness: number;
  /** luma standard deviation (0..128) */
  contrast: number;
}

export function sceneLooks(img: DecodedImage, pyr: Pyramid): SceneLooks {
  const n = 128;
  const side = Math.max(img.width, img.height);
  const crop = { cx: img.width / 2, cy: img.height / 2, size: side, angle: 0 };
  const Y = lumaOf(sampleCropSmooth(pyr, crop, n));
  const valid = validMask(crop, n, img.width, img.height);
  let count = 0;
  let over = 0;
  let under = 0;
  let sum = 0;
  let sum2 = 0;
  let lap2 = 0;
  let lc = 0;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const i = y * n + x;
      if (!valid[i]) continue;
      const v = Y[i]!;
      count++;
      sum += v;
      sum2 += v * v;
      if (v > 240) over++;
      if (v < 25) under++;
      if (x > 0 && y > 0 && x < n - 1 && y < n - 1 && valid[i - 1] && valid[i + 1] && valid[i - n] && valid[i + n]) {
        const l = 4 * v - Y[i - 1]! - Y[i + 1]! - Y[i - n]! - Y[i + n]!;
        lap2 += l * l;
        lc++;
      }
    }
  }
  const c = Math.max(1, count);
  const contrast = Math.sqrt(Math.max(0, sum2 / c - (sum / c) ** 2));
  return { over: over / c, under: under / c, sharpness: lc ? Math.sqrt(lap2 / lc) / (contrast + 8) : 0, contrast };
}
