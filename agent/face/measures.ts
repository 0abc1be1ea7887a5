// Image-quality measures of one face, computed on crops aligned to the eye line at a fixed
// resolution (so values do not depend on the photo's pixel count): brightness, clarity,
// exposure, dynamic range, illumination uniformity, mask likelihood, background uniformity,
// and geometric ones from the landmarks (eyes open, mouth closed, inter-eye distance, crop
// margins, partial face, occlusion).
import { lumaOf, sampleCrop, sampleCropSmooth, type Crop, type Pyramid } from './image';
import { centroid, dist, IDX, type Mesh, type Vec3 } from './landmarks';

export const MEASURE_SIZE = 128;

export interface RawMeasures {
  brightness: number;
  clarity: number;
  under_exposure: number;
  over_exposure: number;
  dynamic_range: number;
  illumination_uniformity: number;
  mask: number;
  background_uniformity: number;
  eyes_open: number;
  mouth_open: number;
  inter_eye_distance: number; // original px
  crop_margins: { left: number; right: number; top: number; bottom: number };
  partial: boolean;
  occlusion: [boolean, boolean, boolean];
  face_width: number; // original px
}

/** Maps a working-image point into crop pixel coordinates. */
function toCrop(crop: Crop, n: number, p: Vec3 | [number, number]): [number, number] {
  const dx = p[0] - crop.cx;
  const dy = p[1] - crop.cy;
  const c = Math.cos(-crop.angle);
  const s = Math.sin(-crop.angle);
  const k = n / crop.size;
  return [(c * dx - s * dy) * k + n / 2, (s * dx + c * dy) * k + n / 2];
}

function polygonMask(poly: Array<[number, number]>, n: number): Uint8Array {
  const m = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) {
    const py = y + 0.5;
    const xs: number[] = [];
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i]!;
      const [xj, yj] = poly[j]!;
      if (yi > py !== yj > py) xs.push(xi + ((py - yi) * (xj - xi)) / (yj - yi));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const to = Math.min(n - 1, Math.floor(xs[k + 1]! - 0.5));
      for (let x = from; x <= to; x++) m[y * n + x] = 1;
    }
  }
  return m;
}

/** Pixels of the crop that lie inside the working image. */
function validMask(crop: Crop, n: number, w: number, h: number): Uint8Array {
  const m = new Uint8Array(n * n);
  const s = crop.size / n;
  const c = Math.cos(crop.angle);
  const si = Math.sin(crop.angle);
  // the usual case, the whole crop inside the image: its four corner pixels are
  const corner = (u: number, v: number) => {
    const dx = (u + 0.5 - n / 2) * s;
    const dy = (v + 0.5 - n / 2) * s;
    const x = crop.cx + c * dx - si * dy;
    const y = crop.cy + si * dx + c * dy;
    return x >= 0 && y >= 0 && x < w && y < h;
  };
  if (corner(0, 0) && corner(n - 1, 0) && corner(0, n - 1) && corner(n - 1, n - 1)) return m.fill(1);
  for (let v = 0; v < n; v++) {
    for (let u = 0; u < n; u++) {
      const dx = (u + 0.5 - n / 2) * s;
      const dy = (v + 0.5 - n / 2) * s;
      const x = crop.cx + c * dx - si * dy;
      const y = crop.cy + si * dx + c * dy;
      m[v * n + u] = x >= 0 && y >= 0 && x < w && y < h ? 1 : 0;
    }
  }
  return m;
}

function entropy(hist: Float64Array, total: number): number {
  let e = 0;
  for (const c of hist) if (c > 0) e -= (c / total) * Math.log2(c / total);
  return e;
}

function meanStd(values: number[]): [number, number] {
  if (values.length === 0) return [0, 0];
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const v = values.reduce((a, b) => a + (b - m) * (b - m), 0) / values.length;
  return [m, Math.sqrt(v)];
}

export function measureFace(pyr: Pyramid, mesh: Mesh, img: { width: number; height: number; scale: number }): RawMeasures {
  const p = mesh.points;
  const eR = centroid(p, IDX.eyeR.contour);
  const eL = centroid(p, IDX.eyeL.contour);
  const angle = Math.atan2(eL[1] - eR[1], eL[0] - eR[0]);
  const sil = IDX.silhouette.map((i) => p[i]!);
  const fc = centroid(p, IDX.silhouette);
  const faceW = dist(p[IDX.cheekR]!, p[IDX.cheekL]!);
  const faceH = dist(p[IDX.top]!, p[IDX.chin]!);
  const crop: Crop = { cx: fc[0], cy: fc[1], size: Math.max(faceW, faceH) * 1.05, angle };
  // Sample at most 128 px, and never above the face's own working resolution: upsampling
  // would make a small face look blurred.
  const n = Math.max(48, Math.min(MEASURE_SIZE, Math.round(crop.size)));

  const rgb = sampleCropSmooth(pyr, crop, n);
  const Y = lumaOf(rgb);
  const valid = validMask(crop, n, img.width, img.height);
  const face = polygonMask(
    sil.map((q) => toCrop(crop, n, q)),
    n,
  );
  for (let i = 0; i < face.length; i++) face[i] = face[i]! & valid[i]!;

  // brightness, exposure, dynamic range, illumination (face pixels)
  const hist = new Float64Array(256);
  const halves = [new Float64Array(32), new Float64Array(32)];
  let count = 0;
  let sum = 0;
  let under = 0;
  let over = 0;
  const midX = toCrop(crop, n, centroid(p, [IDX.noseTip, 168, IDX.chin]))[0];
  for (let i = 0; i < face.length; i++) {
    if (!face[i]) continue;
    const y = Y[i]!;
    const b = Math.min(255, Math.max(0, Math.round(y)));
    hist[b]! += 1;
    count++;
    sum += y;
    if (y < 25) under++;
    if (y > 240) over++;
    const x = i % n;
    halves[x < midX ? 0 : 1]![b >> 3]! += 1;
  }
  const safe = Math.max(1, count);
  const brightness = sum / safe / 128;
  const dynamic_range = entropy(hist, safe);
  const hl = halves[0]!.reduce((a, b) => a + b, 0) || 1;
  const hr = halves[1]!.reduce((a, b) => a + b, 0) || 1;
  let inter = 0;
  for (let k = 0; k < 32; k++) inter += Math.min(halves[0]![k]! / hl, halves[1]![k]! / hr);

  // clarity: RMS of the Laplacian over the inner face (eyes to mouth), relative to its contrast
  const inner = [...IDX.eyeR.contour, ...IDX.eyeL.contour, ...IDX.mouth, ...IDX.nose].map((i) => toCrop(crop, n, p[i]!));
  const ix0 = Math.max(1, Math.floor(Math.min(...inner.map((q) => q[0]))));
  const ix1 = Math.min(n - 2, Math.ceil(Math.max(...inner.map((q) => q[0]))));
  const iy0 = Math.max(1, Math.floor(Math.min(...inner.map((q) => q[1]))));
  const iy1 = Math.min(n - 2, Math.ceil(Math.max(...inner.map((q) => q[1]))));
  let lap2 = 0;
  let lc = 0;
  let sumY = 0;
  let sumY2 = 0;
  for (let y = iy0; y <= iy1; y++) {
    for (let x = ix0; x <= ix1; x++) {
      const i = y * n + x;
      if (!valid[i]) continue;
      const v = Y[i]!;
      const l = 4 * v - Y[i - 1]! - Y[i + 1]! - Y[i - n]! - Y[i + n]!;
      lap2 += l * l;
      lc++;
      sumY += v;
      sumY2 += v * v;
    }
  }
  const innerStd = lc > 0 ? Math.sqrt(Math.max(0, sumY2 / lc - (sumY / lc) ** 2)) : 0;
  const clarity = lc > 0 ? Math.sqrt(lap2 / lc) / (innerStd + 8) : 0;

  // mask: skin colour of the lower face vs the upper cheeks (CbCr distance + texture loss)
  const patch = (idx: number[]) => {
    const cb: number[] = [];
    const cr: number[] = [];
    const yy: number[] = [];
    for (const k of idx) {
      const [u, v] = toCrop(crop, n, p[k]!);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const x = Math.round(u) + dx;
          const y = Math.round(v) + dy;
          if (x < 0 || y < 0 || x >= n || y >= n || !valid[y * n + x]) continue;
          const o = (y * n + x) * 3;
          const r = rgb[o]!;
          const g = rgb[o + 1]!;
          const b = rgb[o + 2]!;
          yy.push(0.299 * r + 0.587 * g + 0.114 * b);
          cb.push(-0.1687 * r - 0.3313 * g + 0.5 * b);
          cr.push(0.5 * r - 0.4187 * g - 0.0813 * b);
        }
      }
    }
    return { cb: meanStd(cb)[0], cr: meanStd(cr)[0], y: meanStd(yy)[0], n: yy.length };
  };
  const up = patch(IDX.upperCheeks);
  const lo = patch(IDX.lowerFace);
  let mask = 0;
  if (up.n > 0 && lo.n > 0) {
    const chroma = Math.hypot(up.cb - lo.cb, up.cr - lo.cr);
    const lumaRatio = Math.abs(Math.log((lo.y + 10) / (up.y + 10)));
    const d = chroma + 40 * Math.max(0, lumaRatio - 0.25);
    mask = 1 / (1 + Math.exp(-(d - 16) / 3));
  }

  // background: a ring around the head above the shoulders, in a crop twice the face size
  const bn = 64;
  const bcrop: Crop = { cx: fc[0], cy: fc[1], size: Math.max(faceW, faceH) * 2.2, angle };
  const bY = lumaOf(sampleCrop(pyr, bcrop, bn, 1, 0));
  const bValid = validMask(bcrop, bn, img.width, img.height);
  const headPoly = sil.map((q) => {
    const [u, v] = toCrop(bcrop, bn, q);
    // inflate the silhouette by 25 % around its centre to leave hair and ears out
    return [bn / 2 + (u - bn / 2) * 1.25, bn / 2 + (v - bn / 2) * 1.35 - 2] as [number, number];
  });
  const head = polygonMask(headPoly, bn);
  const chinY = toCrop(bcrop, bn, p[IDX.chin]!)[1];
  const bg: number[] = [];
  for (let v = 0; v < Math.min(bn, Math.floor(chinY)); v++) {
    for (let u = 0; u < bn; u++) {
      const i = v * bn + u;
      if (bValid[i] && !head[i]) bg.push(bY[i]!);
    }
  }
  const background_uniformity = bg.length > 20 ? meanStd(bg)[1] / 128 : 0;

  // geometry (original pixels)
  const ear = (e: typeof IDX.eyeR) => {
    const w = dist(p[e.outer]!, p[e.inner]!) || 1;
    const gap = e.upper.reduce((a, u, k) => a + dist(p[u]!, p[e.lower[k]!]!), 0) / e.upper.length;
    return gap / w;
  };
  const eyes_open = Math.min(ear(IDX.eyeR), ear(IDX.eyeL));
  const mouthW = dist(p[IDX.lipInnerR]!, p[IDX.lipInnerL]!) || 1;
  const mouth_open = IDX.lipInnerUpper.reduce((a, u, k) => a + dist(p[u]!, p[IDX.lipInnerLower[k]!]!), 0) / IDX.lipInnerUpper.length / mouthW;
  const s = img.scale;
  const ied = dist(eR, eL) * s;
  const mid: [number, number] = [((eR[0] + eL[0]) / 2) * s, ((eR[1] + eL[1]) / 2) * s];
  const W = img.width * s;
  const H = img.height * s;
  const crop_margins = { left: mid[0] / ied, right: (W - mid[0]) / ied, top: mid[1] / ied, bottom: (H - mid[1]) / ied };

  const inside = (q: Vec3) => q[0] >= 0 && q[1] >= 0 && q[0] < img.width && q[1] < img.height;
  const outsideSil = sil.filter((q) => !inside(q)).length / sil.length;
  const partial = outsideSil > 0.08;
  const allIn = (idx: number[]) => idx.every((i) => inside(p[i]!));
  const covered = mask >= 0.5;
  const occlusion: [boolean, boolean, boolean] = [
    allIn(IDX.eyeR.contour) && allIn(IDX.eyeL.contour),
    allIn(IDX.nose) && !covered,
    allIn(IDX.mouth) && !covered,
  ];

  return {
    brightness,
    clarity,
    under_exposure: under / safe,
    over_exposure: over / safe,
    dynamic_range,
    illumination_uniformity: inter,
    mask,
    background_uniformity,
    eyes_open,
    mouth_open,
    inter_eye_distance: ied,
    crop_margins,
    partial,
    occlusion,
    face_width: faceW * s,
  };
}
