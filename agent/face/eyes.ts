// Are the eyes visible? FaceMesh places eye landmarks even under a bar or dark sunglasses (it
// predicts where the eyes should be), so the eye-opening ratio alone cannot see a cover. An
// uncovered eye region is the most contrasted part of a face (white sclera, dark iris and
// lashes, lid creases); a cover of any colour is flat. This samples an upright crop around
// both eyes at up to 64 px and measures the luma spread inside each eye's region (the eye
// contour widened to take in the lids), to be compared with the spread of the whole face.
import { lumaOf, sampleCropSmooth, type Crop, type Pyramid } from './image';
import { centroid, dist, IDX, type Mesh } from './landmarks';
import { forEachPolygonSpan, toCrop, validMask } from './regions';

/** Luma standard deviation inside each eye's region: [right, left]. */
export function eyeRegionStd(pyr: Pyramid, mesh: Mesh, img: { width: number; height: number }): [number, number] {
  const p = mesh.points;
  const eR = centroid(p, IDX.eyeR.contour);
  const eL = centroid(p, IDX.eyeL.contour);
  const ied = dist(eR, eL) || 1;
  const crop: Crop = { cx: (eR[0] + eL[0]) / 2, cy: (eR[1] + eL[1]) / 2, size: 2 * ied, angle: Math.atan2(eL[1] - eR[1], eL[0] - eR[0]) };
  // widen 1.3× along the eye and 2.2× across it (lids and lashes)
  const [r, l] = regionStd(pyr, mesh, img, crop, [IDX.eyeR.contour, IDX.eyeL.contour], 1.3, 2.2);
  return [r!, l!];
}

/**
 * Luma standard deviation inside the outer lips, widened to take in the lip line and the skin
 * just around it: lips and a beard are textured, a face mask or scarf over them is flat.
 */
export function mouthRegionStd(pyr: Pyramid, mesh: Mesh, img: { width: number; height: number }): number {
  const p = mesh.points;
  const eR = centroid(p, IDX.eyeR.contour);
  const eL = centroid(p, IDX.eyeL.contour);
  const ied = dist(eR, eL) || 1;
  const c = centroid(p, IDX.lipsOuter);
  const crop: Crop = { cx: c[0], cy: c[1], size: 1.6 * ied, angle: Math.atan2(eL[1] - eR[1], eL[0] - eR[0]) };
  return regionStd(pyr, mesh, img, crop, [IDX.lipsOuter], 1.1, 1.4)[0]!;
}

/** Luma spread inside each contour (scaled about its centre by sx, sy) in an upright crop of ≤ 64 px. */
function regionStd(pyr: Pyramid, mesh: Mesh, img: { width: number; height: number }, crop: Crop, contours: number[][], sx: number, sy: number): number[] {
  const p = mesh.points;
  const n = Math.max(32, Math.min(64, Math.round(crop.size)));
  const Y = lumaOf(sampleCropSmooth(pyr, crop, n));
  const valid = validMask(crop, n, img.width, img.height);
  return contours.map((contour) => {
    const pts = contour.map((i) => toCrop(crop, n, p[i]!));
    const cx = pts.reduce((a, q) => a + q[0], 0) / pts.length;
    const cy = pts.reduce((a, q) => a + q[1], 0) / pts.length;
    const h = Math.max(...pts.map((q) => Math.abs(q[1] - cy))) || 1;
    const ky = Math.max(sy, 3 / h); // at least 3 px across
    return polygonStd(pts.map((q) => [cx + (q[0] - cx) * sx, cy + (q[1] - cy) * ky] as [number, number]), Y, valid, n);
  });
}

/** Standard deviation of Y over the pixels whose centres lie inside the polygon (scanlines over its rows only). */
function polygonStd(poly: Array<[number, number]>, Y: Float32Array, valid: Uint8Array, n: number): number {
  const ys = poly.map((q) => q[1]);
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(n - 1, Math.ceil(Math.max(...ys)));
  let count = 0;
  let sum = 0;
  let sum2 = 0;
  forEachPolygonSpan(poly, n, y0, y1, (y, from, to) => {
    for (let x = from; x <= to; x++) {
      const i = y * n + x;
      if (!valid[i]) continue;
      const v = Y[i]!;
      count++;
      sum += v;
      sum2 += v * v;
    }
  });
  if (count < 8) return 0;
  return Math.sqrt(Math.max(0, sum2 / count - (sum / count) ** 2));
}
