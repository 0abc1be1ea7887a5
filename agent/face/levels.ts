// FIQA levels: the threshold table, and judging one face's measures against it, with a
// plain-language reason and a fix hint for every failed check. `no` measures without judging.
import { EYES_VISIBLE_MIN } from './measures';
import type { CheckName, CheckResult, ExtraCheck, FiqaInfo, FiqaLevel, FiqaMeasures, Thresholds } from './types';

export const BOX_CHECKS = ['face_size', 'headpose', 'occlusion', 'clarity', 'mask', 'partial', 'brightness'] as const;
export const EXTRA_CHECKS: ExtraCheck[] = [
  'single_face',
  'eyes_open',
  'mouth_closed',
  'exposure',
  'dynamic_range',
  'illumination',
  'inter_eye_distance',
  'crop',
  'compression',
  'background',
];

/**
 * The inter-eye minimum is set from the face-size minimum: on frontal portraits the distance
 * between the eye centres is 0.45–0.50 of the face width (measured on the evaluation set, see
 * README), so `inter_eye_min` = 0.4 × `face_size_min` lets the face size decide for a frontal
 * face and catches only faces whose eyes look closer than their width says (turned heads).
 */
export const INTER_EYE_PER_FACE_WIDTH = 0.4;
const ied = (faceMin: number) => Math.round(faceMin * INTER_EYE_PER_FACE_WIDTH);

const base: Thresholds = {
  face_size_min: 100,
  inter_eye_min: ied(100),
  yaw_max: 20,
  pitch_max: 20,
  roll_max: 15,
  clarity_min: 0.26,
  brightness_min: 0.45,
  brightness_max: 1.6,
  mask_max: 0.5,
  eyes_open_min: 0.12,
  mouth_open_max: 0.3,
  under_exposure_max: 0.1,
  over_exposure_max: 0.1,
  dynamic_range_min: 5,
  illumination_min: 0.45,
  crop_side_min: 1.0,
  crop_top_min: 1.0,
  crop_bottom_min: 1.5,
  compression_max: 30, // minimum estimated JPEG quality (named _max for symmetry: the worst allowed)
  dominance_min: 2,
  background_max: 0.3,
  enforce: ['single_face', 'eyes_open', 'exposure', 'inter_eye_distance', 'compression'],
};

/** The documented threshold table (README). `custom` starts from these and takes overrides. */
export const LEVELS: Record<Exclude<FiqaLevel, 'no'>, Thresholds> = {
  high: base,
  custom: {
    ...base,
    face_size_min: 80,
    inter_eye_min: ied(80),
    yaw_max: 25,
    pitch_max: 25,
    roll_max: 20,
    clarity_min: 0.23,
    brightness_min: 0.38,
    brightness_max: 1.7,
    compression_max: 25,
    enforce: ['single_face', 'eyes_open', 'exposure', 'inter_eye_distance', 'compression'],
  },
  middle: {
    ...base,
    face_size_min: 64,
    inter_eye_min: ied(64),
    yaw_max: 30,
    pitch_max: 30,
    roll_max: 25,
    clarity_min: 0.18,
    brightness_min: 0.3,
    brightness_max: 1.8,
    mask_max: 0.6,
    eyes_open_min: 0.08,
    under_exposure_max: 0.2,
    over_exposure_max: 0.2,
    compression_max: 20,
    enforce: ['single_face', 'exposure', 'compression'],
  },
  low: {
    ...base,
    face_size_min: 40,
    inter_eye_min: ied(40),
    yaw_max: 45,
    pitch_max: 40,
    roll_max: 35,
    clarity_min: 0.12,
    brightness_min: 0.2,
    brightness_max: 1.9,
    mask_max: 0.75,
    eyes_open_min: 0.05,
    under_exposure_max: 0.35,
    over_exposure_max: 0.35,
    compression_max: 10,
    enforce: ['single_face'],
  },
};

const f1 = (v: number) => (Math.round(v * 10) / 10).toString();
const f2 = (v: number) => (Math.round(v * 100) / 100).toString();
const pct = (v: number) => `${Math.round(v * 100)} %`;

/** `eyes_visible` of a flat cover (bars and dark glasses read ≤ 0.07; blurred eyes from 0.08). */
const EYES_FLAT = 0.1;

/** |roll| above which the face lies on its side: the photo itself is turned. */
export const SIDEWAYS_ROLL = 60;

/** The order failed checks are named in (the first is the reason a technician reads first). */
const PRIORITY: CheckName[] = [
  'partial', // then a sideways photo's headpose
  'single_face',
  'face_size',
  'inter_eye_distance',
  'brightness',
  'compression',
  'clarity',
  'occlusion',
  'mask',
  'exposure',
  'eyes_open',
  'headpose',
  'mouth_closed',
  'dynamic_range',
  'illumination',
  'crop',
  'background',
];

export function thresholdsFor(level: FiqaLevel, overrides?: Partial<Thresholds>): Thresholds {
  const t = LEVELS[level === 'no' ? 'high' : level];
  return { ...t, ...(overrides ?? {}) };
}

export function judge(
  info: FiqaInfo,
  m: FiqaMeasures,
  level: FiqaLevel,
  overrides?: Partial<Thresholds>,
): { success: CheckName[]; fails: CheckName[]; checks: CheckResult[] } {
  const t = thresholdsFor(level, overrides);
  const hp = info.headpose;
  const checks: Array<CheckResult & { enforced: boolean }> = [];
  const add = (name: CheckName, passed: boolean, value: CheckResult['value'], requirement: string, reason: string, hint: string) => {
    const enforced = (BOX_CHECKS as readonly string[]).includes(name) || t.enforce.includes(name as ExtraCheck);
    checks.push({ name, passed, value, requirement, enforced, ...(passed ? {} : { reason, hint }) });
  };

  add('face_size', info.face_size >= t.face_size_min, info.face_size, `≥ ${t.face_size_min} px face width`,
    `face too small: ${info.face_size} px wide, need ${t.face_size_min}`, 'crop less or move closer to the person');
  // A face lying on its side is a photo turned by 90° (no EXIF orientation), not a pose: say
  // so, and leave yaw and pitch out (they mean nothing at that roll).
  const sideways = Math.abs(hp.roll_angle) > SIDEWAYS_ROLL;
  const turned = sideways
    ? []
    : [
        Math.abs(hp.yaw_angle) > t.yaw_max ? `turned ${f1(Math.abs(hp.yaw_angle))}° sideways (max ${t.yaw_max}°)` : '',
        Math.abs(hp.pitch_angle) > t.pitch_max ? `tilted ${f1(Math.abs(hp.pitch_angle))}° up/down (max ${t.pitch_max}°)` : '',
        Math.abs(hp.roll_angle) > t.roll_max ? `leaning ${f1(Math.abs(hp.roll_angle))}° (max ${t.roll_max}°)` : '',
      ].filter(Boolean);
  add('headpose', !sideways && turned.length === 0, `yaw ${f1(hp.yaw_angle)}°, pitch ${f1(hp.pitch_angle)}°, roll ${f1(hp.roll_angle)}°`,
    `|yaw| ≤ ${t.yaw_max}°, |pitch| ≤ ${t.pitch_max}°, |roll| ≤ ${t.roll_max}°`,
    sideways ? `the photo is sideways (the face lies at ${Math.round(Math.abs(hp.roll_angle))}°): rotate it upright` : `head ${turned.join(', ')}`,
    sideways ? 'rotate the photo so the person stands upright (the camera did not record how it was held), then check it again'
      : 'ask the person to look straight into the camera with the head upright; hold the camera level');
  const hidden = ['eyes', 'nose', 'mouth'].filter((_, i) => !info.occlusion[i]);
  const eyesCovered = !info.occlusion[0] && !info.partial && m.eyes_visible < EYES_VISIBLE_MIN;
  add('occlusion', hidden.length === 0, info.occlusion.join(','), 'eyes, nose and mouth visible',
    eyesCovered ? `eyes covered or hidden (dark glasses, hair, a hand or a bar over them)${hidden.length > 1 ? `; ${hidden.slice(1).join(', ')} not visible` : ''}` : `${hidden.join(', ')} not visible`,
    eyesCovered ? 'take off sunglasses and anything over the eyes: both eyes must be clearly visible'
      : 'remove anything covering the face (hair, hands, glasses, mask) and keep the whole face in the picture');
  add('clarity', info.clarity >= t.clarity_min, info.clarity, `≥ ${t.clarity_min}`, `photo blurred: clarity ${f2(info.clarity)}, need ${t.clarity_min}`,
    'hold the camera still, focus on the eyes, and use more light so the shutter is faster');
  add('mask', info.mask <= t.mask_max, info.mask, `≤ ${t.mask_max}`, `the lower face looks covered (mask score ${f2(info.mask)})`,
    'ask the person to take off the face mask or scarf');
  add('partial', !info.partial, info.partial, 'whole face inside the photo', 'face cut off by the photo border',
    'step back or re-frame so the whole head is in the picture, with some space around it');
  const bOk = info.brightness >= t.brightness_min && info.brightness <= t.brightness_max;
  add('brightness', bOk, info.brightness, `${t.brightness_min}–${t.brightness_max}`,
    info.brightness < t.brightness_min ? `face too dark: brightness ${f2(info.brightness)}, need ≥ ${t.brightness_min}` : `face too bright: brightness ${f2(info.brightness)}, need ≤ ${t.brightness_max}`,
    info.brightness < t.brightness_min ? 'turn on more light in front of the person or move to a brighter place; avoid a bright window behind' : 'reduce direct light or flash on the face; avoid direct sun');

  const dom = m.main_face_dominance;
  const single = m.face_count <= 1 || (dom !== null && dom >= t.dominance_min);
  add('single_face', single, m.face_count, `one face, or one face ≥ ${t.dominance_min}× the area of any other`,
    `${m.face_count} faces in the photo, of comparable size: it is not clear whom to enrol`, 'crop the photo to the one person to enrol');
  add('eyes_open', m.eyes_open >= t.eyes_open_min, m.eyes_open, `eye opening ≥ ${t.eyes_open_min}`, `eyes closed or nearly closed (opening ${f2(m.eyes_open)})`,
    'take the photo again with the eyes open, looking into the camera');
  add('mouth_closed', m.mouth_open <= t.mouth_open_max, m.mouth_open, `mouth opening ≤ ${t.mouth_open_max}`, `mouth open (opening ${f2(m.mouth_open)})`,
    'ask for a neutral expression with the mouth closed');
  const expOk = m.under_exposure <= t.under_exposure_max && m.over_exposure <= t.over_exposure_max;
  add('exposure', expOk, `under ${pct(m.under_exposure)}, over ${pct(m.over_exposure)}`, `≤ ${pct(t.under_exposure_max)} black, ≤ ${pct(t.over_exposure_max)} white`,
    m.under_exposure > t.under_exposure_max ? `${pct(m.under_exposure)} of the face is black (under-exposed)` : `${pct(m.over_exposure)} of the face is burnt-out white (over-exposed)`,
    m.under_exposure > t.under_exposure_max ? 'add light on the face or increase exposure' : 'reduce light/flash or lower the exposure');
  add('dynamic_range', m.dynamic_range >= t.dynamic_range_min, m.dynamic_range, `≥ ${t.dynamic_range_min} bits`, `flat, low-contrast face (${f1(m.dynamic_range)} bits of tone)`,
    'use even, brighter light; avoid fog, haze or heavy filters');
  add('illumination', m.illumination_uniformity >= t.illumination_min, m.illumination_uniformity, `≥ ${t.illumination_min}`,
    `uneven light: the two halves of the face differ (uniformity ${f2(m.illumination_uniformity)})`, 'light the face from the front; avoid light from one side only');
  add('inter_eye_distance', m.inter_eye_distance >= t.inter_eye_min, m.inter_eye_distance, `≥ ${t.inter_eye_min} px`,
    `face too small: ${m.inter_eye_distance} px between the eyes, need ${t.inter_eye_min}`, 'crop less or move closer');
  const cm = m.crop_margins;
  const tight = [
    Math.min(cm.left, cm.right) < t.crop_side_min ? 'side' : '',
    cm.top < t.crop_top_min ? 'top' : '',
    cm.bottom < t.crop_bottom_min ? 'bottom' : '',
  ].filter(Boolean);
  add('crop', tight.length === 0, `left ${cm.left}, right ${cm.right}, top ${cm.top}, bottom ${cm.bottom} eye distances`,
    `sides ≥ ${t.crop_side_min}, top ≥ ${t.crop_top_min}, bottom ≥ ${t.crop_bottom_min} eye distances`, `photo cropped too tight at the ${tight.join(', ')}`,
    'leave space around the head: crop less tightly or step back');
  add('compression', m.compression >= t.compression_max, m.compression, `JPEG quality ≥ ${t.compression_max}`, `heavily compressed JPEG (quality about ${m.compression})`,
    'send the original photo, not a compressed copy from a messenger; save at quality 80 or more');
  add('background', m.background_uniformity <= t.background_max, m.background_uniformity, `≤ ${t.background_max}`, `busy background (variation ${f2(m.background_uniformity)})`,
    'use a plain, evenly lit wall behind the person');

  if (level === 'no') {
    // measure only: nothing is judged; checks show how the photo would fare at `high`
    return { success: [...BOX_CHECKS], fails: [], checks: checks.map((c) => ({ ...c, enforced: false })) };
  }
  // The reason that explains the rest comes first (a cut-off or sideways face, two people, a
  // tiny face, a dark or bright face, compression and blur, then covers and the rest), so a
  // technician reads the real problem before its side effects: a dark photo also reads
  // blurred, a blurred one has flat eye regions, a black bar over the eyes is black pixels.
  // eye regions as flat as a cover (not merely soft, as in a blurred photo) are named before
  // light, compression and blur (a bar over the eyes also darkens the face and lowers clarity)
  const flatEyes = eyesCovered && m.eyes_visible < EYES_FLAT;
  const rank = (c: CheckResult) =>
    c.name === 'headpose' && sideways ? 0.5 : c.name === 'occlusion' && flatEyes ? PRIORITY.indexOf('brightness') - 0.5 : PRIORITY.indexOf(c.name);
  checks.sort((a, b) => rank(a) - rank(b));
  const counted = checks.filter((c) => c.enforced);
  return {
    success: counted.filter((c) => c.passed).map((c) => c.name),
    fails: counted.filter((c) => !c.passed).map((c) => c.name),
    checks,
  };
}
