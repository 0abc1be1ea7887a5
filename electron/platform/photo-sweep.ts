// Photo files no row names: a photo is stored (content-addressed, photos.ts) before the row that
// names it is written, so a rolled-back enrolment / import / added photo, or a crash in between,
// leaves a file nobody refers to. The sweep deletes such files — and temporary files a crash
// left mid-write — once they are older than a grace period, under the write lock: a file written
// for a write still in progress is young (put() touches a file it finds already there), and a
// row committed before the sweep took the lock is seen by it.
import type { PlatformCore } from './core';

/** Default grace period: a file this young is never swept (a write may be about to name it). */
export const PHOTO_GRACE_MS = 3600_000;

/** Deletes unreferenced photo files older than `graceMs`; returns how many went. */
export async function sweepPhotos(core: PlatformCore, graceMs = core.o.photoGraceMs ?? PHOTO_GRACE_MS): Promise<number> {
  return core.serial(async () => {
    const cut = Date.now() - graceMs;
    const old = (await core.photos.list()).filter((f) => f.mtimeMs < cut);
    if (old.length === 0) return 0;
    const named = new Set((await core.db.all<{ sha256: string; ext: string }>('SELECT DISTINCT sha256, ext FROM photos')).map((r) => `${r.sha256}.${r.ext}`));
    let n = 0;
    for (const f of old) {
      if (f.sha256 && named.has(`${f.sha256}.${f.ext}`)) continue;
      await core.photos.removeFile(f.path);
      n++;
    }
    return n;
  });
}
