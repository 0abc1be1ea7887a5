// Whether a box takes a photo for enrolment, as the face engine judged it: the level a user's
// register_type asks for (1 → high, 2 → custom) and the refusal (code and plain reasons) of a
// face that fails it. The box (enrol.ts) and the site platform (electron/platform/photos.ts)
// both judge with this, so the platform never sends a photo the box would refuse.
import type { FiqaEntry, FiqaLevel } from '../face';
import { Codes } from '../protocol/codes';

export const levelFor = (registerType: number): FiqaLevel => (registerType === 2 ? 'custom' : 'high');

/** Why a face failed, in plain words: the failed checks' reasons. */
export function failedReasons(face: FiqaEntry): string {
  const reasons = face.checks.filter((c) => c.enforced && !c.passed).map((c) => c.reason ?? `${c.name} check failed`);
  return reasons.length ? reasons.join('; ') : `failed ${face.fails.join(', ')}`;
}

/** null when the box enrols this face (the photo's largest); else the §8 code (40009 face too small, 40006 quality) and why. */
export function enrolRefusal(face: FiqaEntry): { code: number; message: string } | null {
  if (face.fiqa_result) return null;
  const code = face.fails.length === 1 && face.fails[0] === 'face_size' ? Codes.ENROLL_FACE_SIZE_NOT_ENOUGH_ERROR : Codes.LOW_QUALITY_ERROR;
  return { code, message: `photo rejected at level ${face.level}: ${failedReasons(face)}` };
}
