// API contract, "photos" area: Photo Check (face image quality, FIQA) of enrolment photos.
// Types and name lists only (shared by the services, both transports and the renderer; no
// runtime dependencies: the sandboxed preload imports this).
import type { FiqaAnalysis, FiqaLevel } from '../../agent/face/types';

export type { FiqaAnalysis, FiqaEntry, FiqaLevel } from '../../agent/face/types';

/**
 * The largest photo file accepted: the face engine's own limit (DEFAULT_LIMITS.maxBytes in
 * agent/face/decode.ts; test/fiqa/photos-api.test.ts checks they agree). The page refuses
 * larger files before reading them.
 */
export const PHOTO_MAX_BYTES = 30 * 1024 * 1024;

export interface PhotoCheckRequest {
  /** The photo file's bytes, base64 (standard alphabet, padded). At most PHOTO_MAX_BYTES decoded. */
  data: string;
  /** Strictness (default `high`); `no` measures without judging. */
  level?: FiqaLevel;
}

/** Why a photo could not be checked: a PROTOCOL §8 code (40003 unreadable, 40004 no face, 40007 too large, 50072 internal). */
export interface PhotoCheckError {
  code: number;
  /** What went wrong, from the engine. */
  message: string;
  /** What the technician can do about it. */
  hint?: string;
}

/**
 * One photo's outcome. A photo that cannot be checked is an answer, not a failed call: the
 * page shows it in that photo's card.
 */
export type PhotoCheckOutcome = { ok: true; analysis: FiqaAnalysis } | { ok: false; error: PhotoCheckError };

/** Methods of this area: name → [params, result]. */
export interface PhotosMethods {
  /** Checks one photo in the face worker pool (off the UI and main threads). */
  'photos.check': [PhotoCheckRequest, PhotoCheckOutcome];
}

/** Events of this area: name → payload. (None: the page sends one photo per call and counts the answers.) */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PhotosEvents {}

/** Runtime name lists (typed as Records so the compiler checks they match the interfaces). */
export const PHOTOS_METHODS: Record<keyof PhotosMethods, true> = { 'photos.check': true };
export const PHOTOS_EVENTS: Record<keyof PhotosEvents, true> = {};
