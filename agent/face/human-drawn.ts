// A drawn face on white paper (an engraving, a pen or pencil drawing, a printed portrait):
// BlazeFace finds a face, but the landmark model, which judges the whole face crop, sees no
// face at all (log-odds under NOT_A_FACE_CONFIDENCE, the level at which the engine already
// drops a detection beside a clear face as no face). human.ts trusts its landmark cue only in
// fair light, and the paper makes a drawing read as an over-exposed face (two thirds of it
// "burnt-out white"), so such a drawing fell through every cue and passed at level low
// (the 1830 Johannot engraving of the evaluation set: log-odds 2.44, over-exposure 0.67).
// This cue needs no fair light, only what makes a real face read as no face:
// - the face sharp (clarity ≥ 0.18: blur lowers the log-odds of real faces to 0.45),
// - its eyes visible and no mask (bars over the eyes lower them to 1.9),
// - the whole face in the photo (half-cropped faces read down to 0.11),
// - a mean brightness a lit face can have, 0.45–1.8 (blown-out real faces read 0.4–2.9,
//   but at brightness 1.96–1.99: their whole face is white, a drawing's lines are not).
// Photo Check only: the recogniser's camera snapshots (explainNoFace false) skip it, as they
// skip the colour cue, so recognition at the door is as before.
// On the evaluation bench (402 photos, 266 portraits degraded 14 ways, 2026-11-27) only that
// engraving meets all of these; every portrait, bearded, Flickr and sunglasses face reads
// log-odds ≥ 15.0.
import { NOT_A_FACE_CONFIDENCE, type HumanLook, type QualityGate } from './human';
import { EYES_VISIBLE_MIN } from './measures';

/** Clarity at which a face is sharp enough for its landmark confidence to count (as in human.ts). */
const SHARP = 0.18;
/** Mean face brightness of a lit face (level middle's upper limit; blown-out faces read ≥ 1.96). */
const BRIGHTNESS = [0.45, 1.8] as const;

/**
 * Why this face is a drawing rather than a face, or null. Only for faces the landmark model
 * sees no face in at all; the other cues are human.ts's.
 */
export function drawnFaceReason(look: HumanLook, q: QualityGate): { reason: string; hint: string } | null {
  if (look.landmark_confidence >= NOT_A_FACE_CONFIDENCE) return null;
  const sharp = q.clarity >= SHARP;
  const whole = !q.partial && q.eyes_visible >= EYES_VISIBLE_MIN && q.mask < 0.5;
  const lit = q.brightness >= BRIGHTNESS[0] && q.brightness <= BRIGHTNESS[1];
  if (!sharp || !whole || !lit) return null;
  return {
    reason: 'the face found does not look like a human face (a drawing, an engraving or a print?)',
    hint: 'use a photo of the person: a live face, not a drawing, a print, a painting or a statue',
  };
}
