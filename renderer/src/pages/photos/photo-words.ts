// Plain words for the Photo Check page: levels, check names, badges and error titles.
import type { FiqaLevel } from '../../../../electron/api/photos';
import type { CheckName } from '../../../../agent/face/types';
import type { PhotoItem } from './check-store';

export const LEVEL_OPTIONS: ReadonlyArray<{ value: FiqaLevel; label: string }> = [
  { value: 'high', label: 'High — strictest (default)' },
  { value: 'custom', label: 'Custom — a little more lenient' },
  { value: 'middle', label: 'Middle' },
  { value: 'low', label: 'Low — most lenient' },
  { value: 'no', label: 'No — measure only, no pass/fail' },
];

export const CHECK_LABELS: Record<CheckName, string> = {
  face_size: 'Face size',
  headpose: 'Head pose',
  occlusion: 'Face visible',
  clarity: 'Sharpness',
  mask: 'No mask',
  partial: 'Whole face',
  brightness: 'Brightness',
  single_face: 'One face',
  eyes_open: 'Eyes open',
  mouth_closed: 'Mouth closed',
  exposure: 'Exposure',
  dynamic_range: 'Contrast',
  illumination: 'Even light',
  inter_eye_distance: 'Eye distance',
  crop: 'Framing',
  compression: 'JPEG quality',
  background: 'Background',
};

export type Tone = 'pass' | 'fail' | 'error' | 'info' | 'busy';

/** The badge on a photo's thumbnail. */
export function badgeOf(it: PhotoItem): { label: string; tone: Tone } {
  switch (it.status) {
    case 'waiting':
      return { label: 'Waiting', tone: 'busy' };
    case 'checking':
      return { label: 'Checking…', tone: 'busy' };
    case 'passed':
      return { label: 'Pass', tone: 'pass' };
    case 'failed':
      return { label: 'Fail', tone: 'fail' };
    case 'measured':
      return { label: 'Measured', tone: 'info' };
    case 'error':
      return { label: errorBadge(it.error?.code, it.error?.message), tone: 'error' };
  }
}

/** The engine's 40004 for a face the photo's edge cuts (no whole face in the photo). */
const isCutOff = (code: number | string | undefined, message?: string) => code === 40004 && /^face cut off/.test(message ?? '');

function errorBadge(code: number | string | undefined, message?: string): string {
  if (isCutOff(code, message)) return 'Face cut off';
  if (code === 40004) return 'No face';
  if (code === 40003) return 'Unreadable';
  if (code === 40007) return 'Too large';
  return 'Not checked';
}

/** The headline of a photo that could not be checked. */
export function problemTitle(code: number | string, message?: string): string {
  if (isCutOff(code, message)) return 'The face is cut off by the edge of the photo.';
  switch (code) {
    case 40003:
      return 'This file cannot be read as a photo.';
    case 40004:
      return 'No face was found in this photo.';
    case 40007:
      return 'This photo is too large to check.';
    case 50072:
      return 'The face checker failed on this photo.';
    case 'read':
      return 'The file could not be read.';
    default:
      return 'This photo could not be checked.';
  }
}

/** Connection and server problems can be retried; what the engine said about the file cannot. */
export const canRetry = (it: PhotoItem): boolean => it.status === 'error' && typeof it.error?.code !== 'number';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export const sentence = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
