// Server side of the "photos" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the Photo Check service.
import { z } from 'zod';
import { asFiqaError } from '../../agent/face/errors';
import { FIQA_LEVELS, type FiqaLevel } from '../../agent/face/types';
import { PHOTO_MAX_BYTES, type PhotosMethods } from './photos';
import type { AreaParams, AreaServer } from './area';
import type { Emit } from './hub';
import type { Services } from './services';

const MIB = 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decoded size of a padded base64 string. */
export function base64Bytes(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

const photoData = z.string({ error: 'data must be the photo as a base64 string' }).superRefine((s, ctx) => {
  // the size first: a huge string is refused before it is scanned
  if (s.length > Math.ceil(PHOTO_MAX_BYTES / 3) * 4 + 4) {
    const mib = ((s.length / 4) * 3) / MIB;
    ctx.addIssue({
      code: 'custom',
      message: `the photo is ${mib.toFixed(1)} MiB, more than the ${PHOTO_MAX_BYTES / MIB} MiB limit; export it smaller (e.g. JPEG, 1920 px on the long side)`,
    });
    return;
  }
  if (s.length % 4 !== 0 || !BASE64.test(s)) {
    ctx.addIssue({ code: 'custom', message: 'is not valid base64 (standard alphabet A–Z a–z 0–9 + /, padded with =)' });
    return;
  }
  const bytes = base64Bytes(s);
  if (bytes > PHOTO_MAX_BYTES) {
    ctx.addIssue({
      code: 'custom',
      message: `the photo is ${(bytes / MIB).toFixed(1)} MiB, more than the ${PHOTO_MAX_BYTES / MIB} MiB limit; export it smaller (e.g. JPEG, 1920 px on the long side)`,
    });
  }
});

const level = z.enum(FIQA_LEVELS as readonly FiqaLevel[] as [FiqaLevel, ...FiqaLevel[]], { error: `level must be one of ${FIQA_LEVELS.join(', ')}` });

export const photosParams = {
  'photos.check': z.strictObject({ data: photoData, level: level.optional() }),
} satisfies AreaParams<PhotosMethods>;

export function photosHandlers(services: Services, _emit: Emit): AreaServer<PhotosMethods> {
  const photos = services.photos;
  return {
    handlers: {
      'photos.check': async (p) => {
        try {
          const analysis = await photos.check(Buffer.from(p.data, 'base64'), { level: p.level });
          return { ok: true, analysis };
        } catch (err) {
          // unreadable, no face, too large...: an answer for this photo's card, not a failed call
          return { ok: false, error: asFiqaError(err).toJSON() };
        }
      },
    },
    dispose() {},
  };
}
