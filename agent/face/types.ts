// Public types of the face engine. `FiqaEntry` is exactly one PROTOCOL §4.4 `result.data`
// entry (bbox, fails, fiqa_result, info, score, success) plus our extension fields.

export type FiqaLevel = 'high' | 'custom' | 'middle' | 'low' | 'no';
export const FIQA_LEVELS: readonly FiqaLevel[] = ['high', 'custom', 'middle', 'low', 'no'];

/** The checks the SE3 box applies (§4.4 `success` / `fails` names). */
export type BoxCheck = 'face_size' | 'headpose' | 'occlusion' | 'clarity' | 'mask' | 'partial' | 'brightness';
/** Our additional checks in the spirit of ISO/IEC 29794-5 (OFIQ). */
export type ExtraCheck =
  | 'single_face'
  | 'eyes_open'
  | 'mouth_closed'
  | 'exposure'
  | 'dynamic_range'
  | 'illumination'
  | 'inter_eye_distance'
  | 'crop'
  | 'compression'
  | 'background';
export type CheckName = BoxCheck | ExtraCheck;

export type Point = [number, number];

/** §4.4 `info`, byte-exact field names. */
export interface FiqaInfo {
  brightness: number;
  clarity: number;
  face_size: number;
  headpose: { pitch_angle: number; roll_angle: number; yaw_angle: number };
  mask: number;
  occlusion: [boolean, boolean, boolean]; // [eyes, nose, mouth] visible
  partial: boolean;
}

/** OFIQ-style measures (extension). Distances in original-image pixels. */
export interface FiqaMeasures {
  face_count: number;
  /** the largest face's area over the next largest's (null when there is one face) */
  main_face_dominance: number | null;
  /** eye aspect ratio (lid gap / eye width), both eyes' minimum; open eyes ≈ 0.2–0.35 */
  eyes_open: number;
  /** luma spread inside the flatter eye's region over the whole face's: a cover (bar, dark glasses) is flat, ≈ 0–0.3; open eyes ≈ 0.6–1.5 */
  eyes_visible: number;
  /** the same for the lips and the skin around them: lips and beards are textured, a mask or scarf is flat */
  mouth_visible: number;
  /** inner-lip gap / mouth width; closed ≈ 0–0.05 */
  mouth_open: number;
  /** fraction of face pixels that are nearly black (luma < 25) */
  under_exposure: number;
  /** fraction of face pixels that are nearly white (luma > 240) */
  over_exposure: number;
  /** luma histogram entropy of the face in bits (0..8) */
  dynamic_range: number;
  /** histogram intersection of left and right face halves (1 = evenly lit) */
  illumination_uniformity: number;
  inter_eye_distance: number;
  /** distances from the eye midpoint to each image border, in inter-eye distances */
  crop_margins: { left: number; right: number; top: number; bottom: number };
  /** estimated JPEG quality 1..100 from the quantisation table (100 for lossless formats) */
  compression: number;
  /** luma standard deviation of the background next to the head, 0..1 (0 = uniform) */
  background_uniformity: number;
  /** detector and landmark confidence */
  detector_score: number;
  landmark_score: number;
  /** the landmark model's face-presence confidence as log-odds (human faces ≥ 12; see human.ts) */
  landmark_confidence: number;
  /** spread of the skin's red-difference chroma over the inner face (null: black-and-white photo); painted, drawn and carved faces are smooth */
  skin_texture: number | null;
  /** hue angle h_ab (CIELAB, degrees) of the inner face's mean colour (null: no colour); live skin is red-orange, old paintings yellow (see human.ts) */
  skin_hue: number | null;
  /** CIELAB a* of the inner face's mean colour with the scene's light discounted (null: no colour, or the face fills the photo); live skin stays red under a tinted light, painted flesh does not (see scene-light.ts) */
  skin_red: number | null;
  /** spread of log(B/G) over spread of log(R/G) across the inner face (null: no colour); the same under any light's colour: live skin varies along red (< 1), paint along yellow–blue (see human.ts) */
  skin_axis: number | null;
  /** the whole photo's chroma that its tone does not explain (8-bit units): about 0 in a black-and-white or toned (sepia) print, more in a colour photo or a painting (see human.ts) */
  photo_colour: number;
  /** the inner face's mean chroma apart from the photo's tone curve (8-bit units): about 0 in a toned print, where the face has no colour of its own (see human.ts) */
  skin_tint: number;
  /** in a black-and-white or toned print whose landmark_confidence is under 12: the landmark log-odds on wider crops of the face (beard, hair in view), else null (see human.ts) */
  landmark_confidence_wide: number | null;
}

export interface CheckResult {
  name: CheckName;
  passed: boolean;
  /** counts towards fiqa_result at this level (box checks always; extra checks per level) */
  enforced: boolean;
  /** the value that was judged (number, or a summary string) */
  value: number | string | boolean;
  /** the threshold at the requested level, human-readable */
  requirement: string;
  /** plain-language reason (present when failed) */
  reason?: string;
  /** what the technician can do about it (present when failed) */
  hint?: string;
}

export interface FaceAttributes {
  /**
   * unit-length face descriptor (agent/face/descriptor.ts: DESCRIPTOR.dims values); compare
   * with cosineSimilarity, only with embeddings of the same `embedding_model`
   */
  embedding: number[];
  /** the descriptor's model id (DESCRIPTOR.modelId), stored with the embedding */
  embedding_model: string;
  age: number;
  sex: 'male' | 'female' | 'unknown';
  sex_score: number;
}

export interface FiqaEntry {
  // ---- PROTOCOL §4.4 fields ----
  bbox: [number, number, number, number]; // x1, y1, x2, y2 in original-image pixels
  fails: CheckName[];
  fiqa_result: boolean;
  info: FiqaInfo;
  score: number;
  success: CheckName[];
  // ---- extension ----
  level: FiqaLevel;
  measures: FiqaMeasures;
  checks: CheckResult[];
  /** eyes, nose tip, mouth corners in original-image pixels: [rightEye, leftEye, nose, mouthRight, mouthLeft] */
  landmarks: Point[];
  attributes?: FaceAttributes;
}

export interface FiqaImageInfo {
  width: number; // after EXIF orientation
  height: number;
  format: string;
  bytes: number;
}

export interface FiqaAnalysis {
  image: FiqaImageInfo;
  /** §4.4 `result.data` (one per face, largest face first) */
  data: FiqaEntry[];
  /** true when there is at least one face and every face passed */
  passed: boolean;
  /** milliseconds spent on this photo: its decode plus its models and measures (waits for other photos not counted) */
  ms: number;
}

export interface AnalyzeOptions {
  level?: FiqaLevel;
  /** thresholds overriding the level's (used by `custom`) */
  thresholds?: Partial<Thresholds>;
  /** compute embedding, age and sex (default true) */
  attributes?: boolean;
  /** keep only the N largest faces (default 10) */
  maxFaces?: number;
  /**
   * when no face is found, say why (a face cut by the border, over/under-exposed, blurred):
   * default true; costs another detector run and up to six landmark runs. The recogniser, which
   * makes no event without a face, turns it off.
   */
  explainNoFace?: boolean;
  /**
   * refuse a face whose skin reads yellow, not red (a painting; see agent/face/human.ts).
   * Default: on when photos are checked, off when `explainNoFace` is false (the recogniser's
   * camera snapshots, whose white balance can tint live faces; recognition is as before it).
   */
  skinColourCheck?: boolean;
}

export interface Thresholds {
  face_size_min: number; // px, face box width
  inter_eye_min: number; // px
  yaw_max: number; // degrees
  pitch_max: number;
  roll_max: number;
  clarity_min: number;
  brightness_min: number;
  brightness_max: number;
  mask_max: number;
  eyes_open_min: number;
  mouth_open_max: number;
  under_exposure_max: number;
  over_exposure_max: number;
  dynamic_range_min: number;
  illumination_min: number;
  crop_side_min: number; // inter-eye distances from eye midpoint to left/right border
  crop_top_min: number;
  crop_bottom_min: number;
  compression_max: number;
  background_max: number;
  /** single_face passes with several faces when the largest is this many times the next one's area */
  dominance_min: number;
  /** extra checks that count towards fiqa_result at this level (others are advisory) */
  enforce: ExtraCheck[];
}
