// Is a face a human face? BlazeFace and FaceMesh also take a dog's or a cat's face, a painted
// portrait or a statue for a face. Two cues tell them apart, each computed on what the engine
// already has (no extra model run):
// - the landmark model's own face-presence confidence, as log-odds: every one of the 284
//   evaluation portraits reads ≥ 15.2 (the float32 sigmoid saturates at 16.6), the animal
//   faces the detector takes for faces 0.8–9.5;
// - the colour texture of the skin: the spread of the red-difference chroma (Cr) over the
//   inner face. Skin in a photo is mottled (blood under the skin, pores, light); paint, stone
//   and drawings are smooth. Calibrated on every second portrait (minimum 4.09, limit 0.8× of
//   it); the other half, held out, reads ≥ 3.73; 15 of the 26 painted portraits read < 3.3.
// A cue is only trusted when nothing else explains it (a dark, blurred, over-compressed or
// tiny face, covered eyes or mouth, a face cut by the border also read less confident or
// smoother): such a photo fails on that instead.
import { sampleCrop, type Pyramid } from './image';
import { centroid, IDX, meshCrop, type Mesh } from './landmarks';
import { EYES_VISIBLE_MIN } from './measures';
import { polygonMask, toCrop } from './regions';

export interface HumanLook {
  /** the landmark model's face-presence confidence as log-odds (capped at 16.6) */
  landmark_confidence: number;
  /** standard deviation of Cr over the inner face (8-bit units), or null in a colourless photo */
  skin_texture: number | null;
}

/** Landmark log-odds below this: not a human face (animal faces 0.8–9.5, portraits ≥ 15.2). */
export const LANDMARK_CONFIDENCE_MIN = 12;
/**
 * Landmark log-odds below this: no face at all (a false detection); left out of the face count
 * when the photo has a clear face (variant photos of the fixtures: false detections beside the
 * face read 0.65, real faces ≥ 15.2).
 */
export const NOT_A_FACE_CONFIDENCE = 3;
/** Skin Cr spread below this: painted, drawn or carved (calibration portraits ≥ 4.09; × 0.8). */
export const SKIN_TEXTURE_MIN = 3.3;
/** Mean chroma of the whole photo below this: a black-and-white photo (no colour cue). */
const COLOURLESS = 2.5;

const N = 64;

export function humanLook(pyr: Pyramid, mesh: Mesh, img: { width: number; height: number }): HumanLook {
  const s = Math.min(mesh.score, 1 - 6e-8);
  const landmark_confidence = Math.min(16.6, Math.log(s / (1 - s)));
  // is the photo in colour at all? (a black-and-white portrait has no colour texture to judge)
  const whole = sampleCrop(pyr, { cx: img.width / 2, cy: img.height / 2, size: Math.max(img.width, img.height), angle: 0 }, 32, 1, 0);
  let chroma = 0;
  for (let i = 0; i < whole.length; i += 3) {
    const r = whole[i]!;
    const g = whole[i + 1]!;
    const b = whole[i + 2]!;
    chroma += Math.abs(-0.168736 * r - 0.331264 * g + 0.5 * b) + Math.abs(0.5 * r - 0.418688 * g - 0.081312 * b);
  }
  if (chroma / (whole.length / 3) < COLOURLESS) return { landmark_confidence, skin_texture: null };
  // inner face: the outline shrunk to 80 % around its centre (cheeks, forehead, nose, lips)
  const c = meshCrop(mesh, 1.0);
  const rgb = sampleCrop(pyr, c, N, 1, 0);
  const fc = centroid(mesh.points, IDX.silhouette);
  const poly = IDX.silhouette.map((i) => {
    const q = mesh.points[i]!;
    return toCrop(c, N, [fc[0] + 0.8 * (q[0] - fc[0]), fc[1] + 0.8 * (q[1] - fc[1]), 0]);
  });
  const inner = polygonMask(poly, N);
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < N * N; i++) {
    if (!inner[i]) continue;
    const cr = 0.5 * rgb[3 * i]! - 0.418688 * rgb[3 * i + 1]! - 0.081312 * rgb[3 * i + 2]!;
    n++;
    sum += cr;
    sum2 += cr * cr;
  }
  if (n < 50) return { landmark_confidence, skin_texture: null };
  return { landmark_confidence, skin_texture: Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2)) };
}

/** What the quality checks measured, enough to know whether the cues can be trusted. */
export interface QualityGate {
  brightness: number;
  clarity: number;
  under_exposure: number;
  over_exposure: number;
  face_width: number; // original px
  compression: number | null; // JPEG quality estimate, null for lossless formats
  eyes_visible: number;
  mask: number;
  partial: boolean;
}

/**
 * Why this face is not a human face, or null (a human face, or a photo too poor to tell: it
 * fails on its light, sharpness, size or compression instead).
 */
export function notHumanReason(look: HumanLook, q: QualityGate): string | null {
  // light as level high wants it (a darker face has proportionally less colour spread)
  const fair =
    q.brightness >= 0.45 && q.brightness <= 1.8 && q.clarity >= 0.18 && q.under_exposure <= 0.2 && q.over_exposure <= 0.2 && (q.compression === null || q.compression >= 30);
  // covered eyes or mouth and a face cut by the border also lower the landmark confidence
  const whole = !q.partial && q.eyes_visible >= EYES_VISIBLE_MIN && q.mask < 0.5;
  if (!fair || !whole) return null;
  if (look.landmark_confidence < LANDMARK_CONFIDENCE_MIN) return 'the face found does not look like a human face (an animal?)';
  // the colour texture needs a face of some size (smaller faces fail on size anyway)
  if (q.face_width >= 64 && look.skin_texture !== null && look.skin_texture < SKIN_TEXTURE_MIN) {
    return 'the face found does not look like a live human face (a painting, a drawing or a statue?)';
  }
  return null;
}
