// How each face-descriptor model wants to see a face: which crop of the photo (taken from the
// FaceMesh landmarks), at what input size, with what pixel scaling — each as the model's
// authors feed it. Used by the engine (the chosen descriptor, ./descriptor.ts) and by the
// descriptor benchmark (every candidate, test/bench/recognition.ts).
import { sampleCrop, type Crop, type Pyramid } from './image';
import { centroid, IDX, meshCrop, type Mesh } from './landmarks';

export type DescriptorCrop =
  /** the landmark box, squared, enlarged `scale`×, not rotated (Human's crop for FaceRes) */
  | { kind: 'box'; scale: number }
  /**
   * a similarity transform (scale, rotation, shift; least squares) taking the five points
   * (eye centres, nose tip, mouth corners — image-left first) onto `template` (input pixels)
   */
  | { kind: 'align'; template: Array<[number, number]> }
  /**
   * face-api's crop: the landmark box (eyebrows to chin, cheek to cheek, as its 68 points span)
   * padded by `padding` of its width and height, squared around its centre, not rotated
   */
  | { kind: 'faceapi'; padding: number };

export interface DescriptorInput {
  /** model input side in pixels (NHWC, 1×size×size×3) */
  size: number;
  crop: DescriptorCrop;
  /** input value = RGB (0..255) · mul + add */
  mul: number;
  add: number;
}

/**
 * InsightFace's ArcFace template for 112×112 crops (the alignment MobileFaceNet and other
 * InsightFace-trained models are trained on): left eye, right eye, nose tip, left and right
 * mouth corner, as seen in the image.
 */
export const ARCFACE_112: Array<[number, number]> = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

/**
 * dlib's face chip (get_face_chip_details, 150×150, padding 0.25 — how dlib feeds its ResNet
 * face descriptor): the five points of dlib's mean face shape (eye centres = the mean of each
 * eye's six points, nose tip, mouth corners) at (m + 0.25) / 1.5 · 150.
 */
export const DLIB_150: Array<[number, number]> = [
  [47.57, 46.6],
  [100.48, 46.6],
  [74.01, 76.56],
  [50.41, 103.02],
  [97.61, 103.02],
];

/** The five alignment points in working pixels, image-left first (the subject's right). */
export function fivePoints(m: Mesh): Array<[number, number]> {
  const p = m.points;
  const eR = centroid(p, IDX.eyeR.contour);
  const eL = centroid(p, IDX.eyeL.contour);
  const xy = (q: readonly number[]): [number, number] => [q[0]!, q[1]!];
  return [xy(eR), xy(eL), xy(p[IDX.noseTip]!), xy(p[IDX.mouthR]!), xy(p[IDX.mouthL]!)];
}

/**
 * The least-squares similarity transform taking `src` (template, input pixels) to `dst`
 * (image points), as the square rotated crop the samplers take: an n-pixel input whose pixel
 * (u, v) maps to cx + s·R(angle)·(u − n/2, v − n/2).
 */
export function alignCrop(dst: Array<[number, number]>, template: Array<[number, number]>, n: number): Crop {
  const k = template.length;
  let sx = 0;
  let sy = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < k; i++) {
    sx += template[i]![0];
    sy += template[i]![1];
    dx += dst[i]![0];
    dy += dst[i]![1];
  }
  sx /= k;
  sy /= k;
  dx /= k;
  dy /= k;
  // dst − dmean ≈ [a −b; b a] (src − smean): a = s·cos, b = s·sin
  let num_a = 0;
  let num_b = 0;
  let den = 0;
  for (let i = 0; i < k; i++) {
    const u = template[i]![0] - sx;
    const v = template[i]![1] - sy;
    const x = dst[i]![0] - dx;
    const y = dst[i]![1] - dy;
    num_a += u * x + v * y;
    num_b += u * y - v * x;
    den += u * u + v * v;
  }
  const a = num_a / den;
  const b = num_b / den;
  const scale = Math.hypot(a, b);
  const angle = Math.atan2(b, a);
  // image position of the input's centre (n/2, n/2)
  const u0 = n / 2 - sx;
  const v0 = n / 2 - sy;
  return { cx: dx + a * u0 - b * v0, cy: dy + b * u0 + a * v0, size: scale * n, angle };
}

/** The crop `input` describes, on the face `m`. */
export function descriptorCrop(m: Mesh, input: DescriptorInput): Crop {
  const c = input.crop;
  if (c.kind === 'box') return { ...meshCrop(m, c.scale), angle: 0 };
  if (c.kind === 'align') return alignCrop(fivePoints(m), c.template, input.size);
  // face-api: min box of its 68 landmarks ≈ eyebrow tops to chin, cheek to cheek
  const p = m.points;
  const brows = [70, 63, 105, 66, 107, 336, 296, 334, 293, 300];
  const xs = [p[IDX.cheekR]![0], p[IDX.cheekL]![0], p[IDX.chin]![0]];
  const ys = [...brows.map((i) => p[i]![1]), p[IDX.chin]![1]];
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const w = (x1 - x0) * (1 + c.padding);
  const h = (y1 - y0) * (1 + c.padding);
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, size: Math.max(w, h), angle: 0 };
}

/** The model input for face `m` (NHWC float32), written into `out` when given. */
export function descriptorInput(pyr: Pyramid, m: Mesh, input: DescriptorInput, out?: Float32Array<ArrayBuffer>): Float32Array {
  return sampleCrop(pyr, descriptorCrop(m, input), input.size, input.mul, input.add, out);
}

/** Unit length, rounded to 6 decimals (what is stored and sent). */
export function unitEmbedding(v: ArrayLike<number>): number[] {
  let l = 0;
  for (let i = 0; i < v.length; i++) l += v[i]! * v[i]!;
  l = Math.sqrt(l) || 1;
  return Array.from(v as ArrayLike<number>, (x) => Math.round((x / l) * 1e6) / 1e6);
}
