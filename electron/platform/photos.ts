// Enrolment photos, stored content-addressed under <data>/platform-photos/ab/<sha256>.<ext>,
// each checked by the face engine when it arrives (the verdict is stored with it and shown at
// once). Only JPEG and PNG are taken: what every box decodes.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { enrolRefusal } from '../../agent/commands/enrol-check';
import type { FiqaAnalysis, FiqaLevel } from '../../agent/face/types';
import { PlatformError } from './errors';

export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

export interface PhotoVerdict {
  passed: boolean;
  /** FIQA score of the largest face (0 without a face): the best photo of a person is sent */
  score: number;
  /** 0 passed; 40003 unreadable, 40004 no face, 40006 quality too low, 40007 too large, 40009 face too small */
  code: number;
  /** the level it was judged at: the one the person's register_type asks of the box (1 high, 2 custom) */
  level?: FiqaLevel;
  /** plain-language summary */
  message: string;
  /** names of the failed checks */
  fails: string[];
  /** plain reasons and hints of the failed checks */
  reasons: Array<{ check: string; reason: string; hint?: string }>;
}

/** Analyses a photo with the face engine at `level` (default high). */
export type CheckPhoto = (bytes: Uint8Array, level?: FiqaLevel) => Promise<FiqaAnalysis>;

export function photoType(bytes: Uint8Array): { ext: 'jpg' | 'png'; mime: string } | null {
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { ext: 'jpg', mime: 'image/jpeg' };
  if (bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return { ext: 'png', mime: 'image/png' };
  return null;
}

/**
 * The verdict on a photo, by the rule the box enrols with (agent/commands/enrol-check.ts): the
 * photo's largest face must pass at the level; the reasons are Photo Check's words.
 */
export function verdictOf(a: FiqaAnalysis, level?: FiqaLevel): PhotoVerdict {
  const face = a.data[0];
  const at = level ? { level } : {};
  if (!face) return { passed: false, score: 0, code: 40004, message: 'no face detected', fails: [], reasons: [{ check: 'face', reason: 'no face detected', hint: 'use a photo in which the face is clearly visible' }], ...at };
  const reasons = face.checks.filter((c) => c.enforced && !c.passed).map((c) => ({ check: c.name, reason: c.reason ?? c.name, ...(c.hint ? { hint: c.hint } : {}) }));
  const refusal = enrolRefusal(face);
  return {
    passed: !refusal,
    score: face.score,
    code: refusal?.code ?? 0,
    message: !refusal ? 'ok' : reasons.map((r) => r.reason).join('; ') || 'photo quality too low',
    fails: face.fails,
    reasons,
    ...at,
  };
}

export function verdictOfError(err: unknown): PhotoVerdict {
  const e = err as { code?: unknown; message?: string; hint?: string };
  const code = typeof e.code === 'number' ? e.code : 50072;
  const message = e.message ?? String(err);
  return { passed: false, score: 0, code, message, fails: [], reasons: [{ check: 'image', reason: message, ...(e.hint ? { hint: e.hint } : {}) }] };
}

/** Checks a photo at `level` and returns its verdict; a photo the engine cannot take (unreadable, no face…) is a failing verdict, not an error. */
export async function judgePhoto(check: CheckPhoto, bytes: Uint8Array, level?: FiqaLevel): Promise<PhotoVerdict> {
  try {
    return verdictOf(await check(bytes, level), level);
  } catch (err) {
    return { ...verdictOfError(err), ...(level ? { level } : {}) };
  }
}

export class PhotoStore {
  readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, 'platform-photos');
  }

  pathOf(sha256: string, ext: string): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.${ext}`);
  }

  /** Stores the bytes (once per content) and returns their address. */
  async put(bytes: Uint8Array): Promise<{ sha256: string; ext: string; mime: string; bytes: number }> {
    if (bytes.length === 0) throw new PlatformError('the photo file is empty (0 bytes: a copy that did not finish, or a cloud placeholder); copy it again from the camera or computer, or choose another photo', 'bad_photo', 400);
    if (bytes.length > MAX_PHOTO_BYTES) throw new PlatformError(`the photo is ${(bytes.length / 1048576).toFixed(1)} MB; at most ${MAX_PHOTO_BYTES / 1048576} MB are taken — save it smaller`, 'bad_photo', 413);
    const t = photoType(bytes);
    if (!t) throw new PlatformError('the photo is not a JPEG or PNG file; save it as JPEG', 'bad_photo', 415);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = this.pathOf(sha256, t.ext);
    const have = await stat(path).then((s) => s.size === bytes.length, () => false);
    if (have) {
      // fresh again: the sweep (photo-sweep.ts) leaves young files alone while their row is being written
      const now = new Date();
      await utimes(path, now, now).catch(() => undefined);
    } else {
      await mkdir(join(this.dir, sha256.slice(0, 2)), { recursive: true });
      // a name of its own: two stores of the same photo at once (a double click) must not share one
      const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, path);
    }
    return { sha256, ext: t.ext, mime: t.mime, bytes: bytes.length };
  }

  /** The files on disk (photos and temporary files a crash left mid-write), with their age. */
  async list(): Promise<Array<{ path: string; sha256: string | null; ext: string | null; mtimeMs: number }>> {
    const out: Array<{ path: string; sha256: string | null; ext: string | null; mtimeMs: number }> = [];
    for (const sub of await readdir(this.dir).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const name of await readdir(join(this.dir, sub)).catch(() => [] as string[])) {
        const m = /^([0-9a-f]{64})\.(jpg|png)$/.exec(name);
        if (!m && !name.endsWith('.tmp')) continue;
        const path = join(this.dir, sub, name);
        const st = await stat(path).catch(() => null);
        if (st) out.push({ path, sha256: m?.[1] ?? null, ext: m?.[2] ?? null, mtimeMs: st.mtimeMs });
      }
    }
    return out;
  }

  async removeFile(path: string): Promise<void> {
    await unlink(path).catch(() => undefined);
  }

  async read(sha256: string, ext: string): Promise<Buffer | null> {
    return readFile(this.pathOf(sha256, ext)).catch(() => null);
  }
}
