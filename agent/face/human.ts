// Is a face a human face? BlazeFace and FaceMesh also take a dog's or a cat's face, a painted
// portrait or a statue for a face. These cues tell them apart, each computed on what the engine
// already has (no extra model run, but for the second look below):
// - the landmark model's own face-presence confidence, as log-odds: every one of the 284
//   evaluation portraits reads ≥ 15.2 (the float32 sigmoid saturates at 16.6), the animal
//   faces the detector takes for faces 0.8–9.5. In a black-and-white or toned print, where it
//   is the only cue, a face it is unsure of gets a second look on wider crops (old bearded,
//   halftone prints), and a head turned beyond every level fails on its pose instead;
// - the colour texture of the skin: the spread of the red-difference chroma (Cr) over the
//   inner face. Skin in a photo is mottled (blood under the skin, pores, light); paint, stone
//   and drawings are smooth. Calibrated on every second portrait (minimum 4.09, limit 0.8× of
//   it); the other half, held out, reads ≥ 3.73; 15 of the 26 painted portraits read < 3.3.
// - the colour of the skin (OFIQ's "natural colour" measure looks at the same thing): live
//   skin is red-orange, blood under it (CIELAB hue h_ab of the inner face's mean colour
//   21–63° over the 293 evaluation portraits in colour), while old paintings are yellow (varnish, ochre
//   and lead-white flesh: 22 of 26 read 71–100°). A photo taken under a strong yellow or green
//   light reads as yellow too, so a yellow face is refused only if it is not red against the
//   light of the rest of the photo either (skin_red, scene-light.ts), and only if its colour
//   also varies like paint (skin_axis: along yellow–blue, not along red as blood makes skin
//   vary; unchanged by any light's colour), since a scene that is itself warm makes a real
//   face read hardly red against it.
// A black-and-white or toned (sepia, brown, green) print has no colour to judge: its colour
// follows its tone (photo_colour, the chroma the photo's tone curve leaves unexplained, is
// small) and its face has no colour of its own against that curve (skin_tint); a painting,
// even a nearly colourless one, has flesh of a pigment of its own (see README).
// A cue is only trusted when nothing else explains it (a dark, blurred, over-compressed or
// tiny face, covered eyes or mouth, a face cut by the border also read less confident or
// smoother; blur alone leaves the skin's mean colour): such a photo fails on that instead.
import { sampleCrop, type Pyramid } from './image';
import { centroid, IDX, meshCrop, type Mesh } from './landmarks';
import { LEVELS } from './levels';
import { EYES_VISIBLE_MIN } from './measures';
import { polygonMask, toCrop } from './regions';
import { skinRedUnderSceneLight, srgbToLinear } from './scene-light';
import { srgbToLab, untonedColour, ycc } from './tone';

export interface HumanLook {
  /** the landmark model's face-presence confidence as log-odds (capped at 16.6) */
  landmark_confidence: number;
  /** standard deviation of Cr over the inner face (8-bit units), or null in a colourless photo */
  skin_texture: number | null;
  /**
   * hue angle h_ab (CIELAB, degrees) of the inner face's mean colour, or null in a colourless
   * photo or a face with hardly any colour (chroma C*ab < 3)
   */
  skin_hue: number | null;
  /**
   * CIELAB a* of the inner face's mean colour with the scene's light discounted (see
   * scene-light.ts), or null (no colour, or too little of the photo around the head)
   */
  skin_red: number | null;
  /**
   * how the inner face's colour varies: the spread of log(B/G) over the spread of log(R/G)
   * (linear RGB), or null (no colour). A light's colour multiplies each channel, which only
   * shifts these logs: the ratio is the same under any light. Live skin varies along red
   * (blood: lips, cheeks) and reads below 1; paint varies along yellow–blue (ochre and
   * varnish in the shading) and reads above 1.
   */
  skin_axis: number | null;
  /**
   * the whole photo's colour that its tone does not explain: the spread of its chroma (Cb, Cr,
   * 8-bit units) around the mean chroma of pixels of the same luma. A black-and-white photo
   * reads about 0, a sepia or otherwise toned print (one tint that follows the tone) hardly
   * more; a colour photo or a painting, even a faded one, has colours of its own.
   */
  photo_colour: number;
  /**
   * the skin's own colour apart from the photo's tone: the size of the inner face's mean chroma
   * minus the mean chroma of the photo's pixels of the same luma (8-bit units). In a toned
   * print the face is the same paper and toner as the rest (about 0); painted flesh has a
   * pigment of its own.
   */
  skin_tint: number;
  /** no colour cue: a black-and-white or toned print (photo_colour, skin_tint), see below */
  toned: boolean;
  /**
   * the landmark model's face-presence log-odds on wider crops of the face (the larger of
   * WIDE_CROP_SCALES), measured by the engine only in a toned photo whose landmark_confidence
   * is under LANDMARK_CONFIDENCE_MIN; null otherwise
   */
  landmark_confidence_wide: number | null;
}

/** Landmark log-odds below this: not a human face (animal faces 0.8–9.5, portraits ≥ 15.2). */
export const LANDMARK_CONFIDENCE_MIN = 12;
/**
 * Landmark log-odds below this: not a human face even in a light the other cues do not trust
 * (up to level low's brightness limits, any share of black or white: level low does not judge
 * exposure). A line drawing on white paper reads 2.4 with 67 % of its "face" white; the real
 * faces of the evaluation set and their degraded copies read ≥ 11.7 (80 % blown out), the one
 * exception a copy with a black bar over the eyes (5.0), which no level should accept.
 */
export const LANDMARK_CONFIDENCE_ANY_LIGHT_MIN = 6;
/**
 * Landmark log-odds below this: no face at all (a false detection); left out of the face count
 * when the photo has a clear face (variant photos of the fixtures: false detections beside the
 * face read 0.65, real faces ≥ 15.2).
 */
export const NOT_A_FACE_CONFIDENCE = 3;
/** Skin Cr spread below this: painted, drawn or carved (calibration portraits ≥ 4.09; × 0.8). */
export const SKIN_TEXTURE_MIN = 3.3;
/**
 * Skin hue above this (CIELAB h_ab of the inner face's mean colour, degrees): yellow, not live
 * skin. Calibrated on every second evaluation portrait (21.3–62.8°; limit = that maximum +
 * about 7°, room for a warm light); held out, the other portraits read ≤ 57.7°, the identity
 * set's ≤ 57.6°, the bearded ≤ 51.7°; 22 of the 26 painted portraits read above 70 (the six
 * that passed at level middle 74.3–88.0°).
 */
export const SKIN_HUE_MAX = 70;
/**
 * A face whose hue reads above SKIN_HUE_MAX is refused only if, with the scene's light
 * discounted (scene-light.ts), its CIELAB a* is below this: no red of its own, only the light's
 * yellow or green. The 23 painted portraits over 70° read 0.2–7.2; real faces under a strong
 * green or yellow light read mostly 10–30 (see README).
 */
export const SKIN_RED_MIN = 8;
/**
 * A face refused on its colour (hue above SKIN_HUE_MAX, skin_red below SKIN_RED_MIN) is
 * refused only if its colour also varies like paint: `skin_axis` at or above this. Every real
 * face of the evaluation sets at full size that the two colour cues refuse under a tinted light
 * (strong green or yellow; mild green, yellow; strong tungsten; Flickr portraits) reads
 * 0.36–0.96 (the calibration half, every second portrait: 0.38–0.92), the paintings refused on
 * their colour 1.05–3.8 (see README).
 */
export const SKIN_AXIS_MIN = 1.0;
/**
 * Below SKIN_HUE_MAX, down to this hue, a face whose colour varies like paint is refused when
 * it is clearly not red against the scene's light (skin_red below SKIN_RED_MIN_LOW_HUE): two
 * small paintings of 58 and 61 px (hue 69.2° and 66.5°, skin_red 6.7 and 3.2, axis 1.09 and
 * 1.10) passed at level low. Real faces in that band with an axis ≥ 1 read skin_red ≥ 7.55
 * (6,012 copies of the real faces: lit, shrunk to 45–60 px, JPEG quality 30); one
 * portrait at 60–61° read under 7.2 next to another portrait (a two-people copy), hence 63°.
 * The margins are thin (see README).
 */
export const SKIN_HUE_MIN_PAINT = 63;
export const SKIN_RED_MIN_LOW_HUE = 7.2;
/**
 * Does the face's colour say paint rather than live skin? Yellow (hue above SKIN_HUE_MAX), not
 * red against the scene's light, and varying like paint; or, down to SKIN_HUE_MIN_PAINT,
 * varying like paint and clearly not red (skin_red below SKIN_RED_MIN_LOW_HUE). Each cue
 * alone also takes some real faces under a strongly coloured light (see README).
 */
export function paintColour(look: HumanLook): boolean {
  if (look.skin_hue === null || look.skin_hue <= SKIN_HUE_MIN_PAINT) return false;
  if ((look.skin_axis ?? Infinity) < SKIN_AXIS_MIN) return false;
  if (look.skin_hue > SKIN_HUE_MAX) return look.skin_red === null || look.skin_red < SKIN_RED_MIN;
  return look.skin_red !== null && look.skin_red < SKIN_RED_MIN_LOW_HUE;
}
/** Mean chroma of the whole photo below this: a black-and-white photo (no colour cue), unless its face has a colour of its own. */
const COLOURLESS = 2.5;
/**
 * skin_tint below this: the face has no colour of its own against the photo's tone curve. The
 * 87 black-and-white and toned photos of real people of the evaluation set read ≤ 1.83 (one
 * 34 px face 3.22), mounted prints of the same source up to 2.45; paintings ≥ 2.86 except one
 * very colourful one (1.40, photo_colour 8.93), a marble bust 2.32 (photo_colour 3.85); the
 * nearly colourless painting SK-A-4491 6.41. Thin margins, no held-out set (see README).
 */
export const SKIN_TINT_MIN = 2.6;
/**
 * photo_colour below this (and skin_tint below SKIN_TINT_MIN): a toned print, no colour cue.
 * Real prints ≤ 3.47 (a print in a card mount of another tint), the marble bust 3.85.
 */
export const PHOTO_COLOUR_TONED = 3.6;

/**
 * A toned print whose landmark confidence is under LANDMARK_CONFIDENCE_MIN gets a second look
 * on wider crops (meshCrop at these scales, the first look's is 1.5): old prints of bearded
 * men, halftone or vignetted, read 5.8–11 on the face alone and 13–14 with the beard, hair
 * and shoulders in view; the animal faces of the evaluation set made grey or sepia read at
 * most 9.9 on either crop. Only in toned photos: in colour a dog's face read 13 on the wider
 * crop, and the colour cues judge colour photos (see README).
 */
export const WIDE_CROP_SCALES = [1.7, 2.0];
/**
 * Yaw beyond which no level accepts a head (level low's 45°): a face turned that far that the
 * landmark model is unsure of is judged on its pose, not refused as not human (the model is
 * unsure of profiles; two real prints in profile read 3.4 and 11.3).
 */
export const YAW_EVERY_LEVEL_REFUSES = Math.max(...Object.values(LEVELS).map((t) => t.yaw_max));
/**
 * The colour cue judges faces at least this wide (level low's face minimum) or, under a custom
 * level, as small as that level accepts: a smaller face fails on its size at the level first (a
 * 34 px face of a real toned print read skin_tint 3.22, over SKIN_TINT_MIN).
 */
export const COLOUR_FACE_MIN = LEVELS.low.face_size_min;

const N = 64;

/** The landmark model's face-presence score as log-odds (the float32 sigmoid saturates at 16.6). */
export function landmarkLogOdds(score: number): number {
  const s = Math.min(score, 1 - 6e-8);
  return Math.min(16.6, Math.log(s / (1 - s)));
}

export function humanLook(pyr: Pyramid, mesh: Mesh, img: { width: number; height: number }): HumanLook {
  const landmark_confidence = landmarkLogOdds(mesh.score);
  // is the photo in colour at all? (a black-and-white portrait has no colour texture to judge)
  const whole = sampleCrop(pyr, { cx: img.width / 2, cy: img.height / 2, size: Math.max(img.width, img.height), angle: 0 }, 32, 1, 0);
  let chroma = 0;
  for (let i = 0; i < whole.length; i += 3) {
    const r = whole[i]!;
    const g = whole[i + 1]!;
    const b = whole[i + 2]!;
    chroma += Math.abs(-0.168736 * r - 0.331264 * g + 0.5 * b) + Math.abs(0.5 * r - 0.418688 * g - 0.081312 * b);
  }
  const tone = untonedColour(pyr, img);
  const photo_colour = tone.spread;
  // inner face: the outline shrunk to 80 % around its centre (cheeks, forehead, nose, lips)
  const c = meshCrop(mesh, 1.0);
  const rgb = sampleCrop(pyr, c, N, 1, 0);
  const fc = centroid(mesh.points, IDX.silhouette);
  const poly = IDX.silhouette.map((i) => {
    const q = mesh.points[i]!;
    return toCrop(c, N, [fc[0] + 0.8 * (q[0] - fc[0]), fc[1] + 0.8 * (q[1] - fc[1]), 0]);
  });
  const inner = polygonMask(poly, N);
  // the skin's own colour: its mean chroma apart from the photo's tone curve
  let tb = 0;
  let tr = 0;
  let tn = 0;
  for (let i = 0; i < N * N; i++) {
    if (!inner[i]) continue;
    const [y, pb, pr] = ycc(rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!);
    const m = tone.at(y);
    if (!m) continue;
    tb += pb - m[0];
    tr += pr - m[1];
    tn++;
  }
  const skin_tint = tn < 50 ? 0 : Math.hypot(tb / tn, tr / tn);
  // a black-and-white or toned print: no colour cue (its face has no colour of its own)
  const colourless = chroma / (whole.length / 3) < COLOURLESS;
  if (skin_tint < SKIN_TINT_MIN && (colourless || photo_colour < PHOTO_COLOUR_TONED)) {
    return { landmark_confidence, skin_texture: null, skin_hue: null, skin_red: null, skin_axis: null, photo_colour, skin_tint, toned: true, landmark_confidence_wide: null };
  }
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  let mr = 0;
  let mg = 0;
  let mb = 0;
  const lin: [number, number, number] = [0, 0, 0];
  // log-chromaticities log(R/G) and log(B/G) in linear RGB: sums and sums of squares
  let lr = 0;
  let lr2 = 0;
  let lb = 0;
  let lb2 = 0;
  for (let i = 0; i < N * N; i++) {
    if (!inner[i]) continue;
    const r = rgb[3 * i]!;
    const g = rgb[3 * i + 1]!;
    const b = rgb[3 * i + 2]!;
    const cr = 0.5 * r - 0.418688 * g - 0.081312 * b;
    n++;
    sum += cr;
    sum2 += cr * cr;
    mr += r;
    mg += g;
    mb += b;
    const R = srgbToLinear(r);
    const Gl = srgbToLinear(g);
    const B = srgbToLinear(b);
    lin[0] += R;
    lin[1] += Gl;
    lin[2] += B;
    const x = Math.log((R + 1e-3) / (Gl + 1e-3));
    const y = Math.log((B + 1e-3) / (Gl + 1e-3));
    lr += x;
    lr2 += x * x;
    lb += y;
    lb2 += y * y;
  }
  if (n < 50) return { landmark_confidence, skin_texture: null, skin_hue: null, skin_red: null, skin_axis: null, photo_colour, skin_tint, toned: false, landmark_confidence_wide: null };
  const [, a, b] = srgbToLab(mr / n, mg / n, mb / n);
  const skin_hue = Math.hypot(a, b) < 3 ? null : (Math.atan2(b, a) * 180) / Math.PI;
  const sr = Math.sqrt(Math.max(0, lr2 / n - (lr / n) ** 2));
  const sb = Math.sqrt(Math.max(0, lb2 / n - (lb / n) ** 2));
  return {
    landmark_confidence,
    // (in a photo of faint colour the chroma spread is small whatever it shows: no texture cue)
    skin_texture: colourless ? null : Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2)),
    skin_hue,
    skin_red: skin_hue === null ? null : skinRedUnderSceneLight(pyr, mesh, img, [lin[0] / n, lin[1] / n, lin[2] / n]),
    skin_axis: skin_hue === null || sr < 0.01 ? null : sb / sr,
    photo_colour,
    skin_tint,
    toned: false,
    landmark_confidence_wide: null,
  };
}

const USE_A_PERSON = 'use a photo of the person: a live face, not an animal, a painting, a drawing or a statue';

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
  /** head pose yaw (degrees) */
  yaw: number;
  /** the level's face-size minimum and yaw maximum (a custom level may differ from the table) */
  face_size_min?: number;
  yaw_max?: number;
}

/**
 * Why this face is not a human face, or null (a human face, or a photo too poor to tell: it
 * fails on its light, sharpness, size or compression instead).
 */
export function notHumanReason(look: HumanLook, q: QualityGate, skinColour = true): { reason: string; hint: string } | null {
  // light as level high wants it (a darker face has proportionally less colour spread, a
  // blown-out one clipped colours) and no heavy JPEG compression
  const fair =
    q.brightness >= 0.45 && q.brightness <= 1.8 && q.under_exposure <= 0.2 && q.over_exposure <= 0.2 && (q.compression === null || q.compression >= 30);
  // covered eyes or mouth and a face cut by the border also lower the landmark confidence
  const whole = !q.partial && q.eyes_visible >= EYES_VISIBLE_MIN && q.mask < 0.5;
  // blur lowers the landmark confidence and smooths the skin, but leaves its mean colour
  const sharp = q.clarity >= 0.18;
  // a face the landmark model hardly sees is not human whatever its exposure, in any light a
  // level accepts (level low does not judge exposure: a drawing on white paper passed there)
  const anyLight = q.brightness >= 0.2 && q.brightness <= 1.9 && (q.compression === null || q.compression >= 30);
  // a toned print's face the landmark model is unsure of also counts as seen on a wider crop
  const confidence = look.toned && look.landmark_confidence_wide !== null ? Math.max(look.landmark_confidence, look.landmark_confidence_wide) : look.landmark_confidence;
  // in a toned print, a head turned further than any level accepts fails on its pose: the
  // landmark model is unsure of profiles, which says nothing about what the face is
  const turned = look.toned && Math.abs(q.yaw) > Math.max(YAW_EVERY_LEVEL_REFUSES, q.yaw_max ?? 0);
  if (!fair && anyLight && whole && sharp && !turned && confidence < LANDMARK_CONFIDENCE_ANY_LIGHT_MIN) {
    return { reason: 'the face found does not look like a human face (an animal or a drawing?)', hint: USE_A_PERSON };
  }
  if (!fair || !whole) return null;
  if (sharp && !turned && confidence < LANDMARK_CONFIDENCE_MIN) return { reason: 'the face found does not look like a human face (an animal?)', hint: USE_A_PERSON };
  // the colour texture needs a face of some size (smaller faces fail on size anyway)
  if (sharp && q.face_width >= 64 && look.skin_texture !== null && look.skin_texture < SKIN_TEXTURE_MIN) {
    return { reason: 'the face found does not look like a live human face (a painting, a drawing or a statue?)', hint: USE_A_PERSON };
  }
  // the colour of the skin needs fewer pixels: any face the level could accept
  // (a yellow face under a yellow or green light is still red against the light of the scene,
  // and its colour still varies along red)
  if (skinColour && q.face_width >= Math.min(COLOUR_FACE_MIN, q.face_size_min ?? COLOUR_FACE_MIN) && look.skin_hue !== null && paintColour(look)) {
    return {
      reason: `the face found does not look like a live human face (a painting, a drawing or a statue?): its colour is yellow like old varnish, not the red of live skin, also against the light of the rest of the photo, and it varies like paint (hue ${Math.round(look.skin_hue)}°)`,
      hint: `${USE_A_PERSON}; if it is a photo of the person, the light was strongly yellow or green: take it again in daylight or white light`,
    };
  }
  return null;
}
