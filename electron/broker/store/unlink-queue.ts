// Spent segment files of the message log deleted on the libuv pool, one at a time and oldest
// first: a crash between two of them leaves a newer spent segment, never an older one without
// the newer one whose ACKS cancel its records.
// A deletion first renames the file out of the log (`NNNNNNNN.log.spent`: recovery never reads
// it, only removes it), then cuts it down 1 MiB at a time, each cut synced, and unlinks what is
// left. One unlink of a whole 16 MiB segment frees all its blocks at once, and the group commits
// running beside it (the fdatasyncs behind confirms) waited several ms for the disk (a
// pipelined publisher's confirms stopped meanwhile); cut in synced 1 MiB steps, far less. The rename comes first so that a crash mid-way never leaves a segment
// whose front is there without its end (where the ACKS of its own records may be).
import { close, fdatasync, fstat, fsync, ftruncate, open, rename, unlink, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { mutableFields, objectList } from '../shape';

/** The name a segment file takes once it is being deleted (store/recovery.ts removes leftovers). */
export const spentName = (path: string) => `${path}.spent`;
/** How much of a spent file one cut frees. */
const STEP = 1024 * 1024;
/** A pause between cuts (ms), so that the group commits beside them go first. */
const PAUSE_MS = 2;

export class UnlinkQueue {
  private readonly paths: string[] = objectList();
  private running = false;

  constructor() {
    mutableFields(this, 'running');
  }

  /** Deletions queued or running. */
  get length(): number {
    return this.paths.length;
  }

  push(path: string): void {
    this.paths.push(path);
    this.next();
  }

  /** The deletions still queued, now and in order (the one running too; ENOENT is fine). */
  finish(): void {
    for (const path of this.paths) {
      for (const p of [path, spentName(path)]) {
        try {
          unlinkSync(p);
        } catch {
          /* already gone */
        }
      }
    }
    this.paths.length = 0;
  }

  private next(): void {
    if (this.running || this.paths.length === 0) return;
    this.running = true;
    const path = this.paths[0]!;
    const done = () => {
      if (this.paths[0] === path) this.paths.shift();
      this.running = false;
      this.next();
    };
    const spent = spentName(path);
    rename(path, spent, (err) => {
      if (err) return unlink(path, done); // as before (e.g. gone already: finish() ran)
      // The rename must be on disk before the first cut is (so no crash shows the cut file
      // under its segment name): the directory is synced first.
      syncDir(dirname(spent), () => open(spent, 'r+', (err2, fd) => {
        if (err2) return unlink(spent, done);
        const cut = (size: number): void => {
          if (size <= 0 || this.paths[0] !== path) return close(fd, () => unlink(spent, () => done()));
          const to = Math.max(0, size - STEP);
          ftruncate(fd, to, (e) => {
            if (e) return close(fd, () => unlink(spent, () => done()));
            fdatasync(fd, () => setTimeout(() => cut(to), PAUSE_MS));
          });
        };
        fstat(fd, (e, st) => cut(e ? 0 : st.size));
      }));
    });
  }
}

/** fsync of a directory on the pool; a filesystem that refuses it is let be (as fsyncDir). */
function syncDir(dir: string, cb: () => void): void {
  open(dir, 'r', (err, fd) => {
    if (err) return cb();
    fsync(fd, () => close(fd, () => cb()));
  });
}
