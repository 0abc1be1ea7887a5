// Spent segment files of the message log deleted on the libuv pool (an unlink of a 16 MiB
// segment held the event loop for several ms), one at a time and oldest first: a crash between
// two of them leaves a newer spent segment, never an older one without the newer one whose ACKS
// cancel its records.
import { unlink, unlinkSync } from 'node:fs';
import { mutableFields, objectList } from '../shape';

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
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
    this.paths.length = 0;
  }

  private next(): void {
    if (this.running || this.paths.length === 0) return;
    this.running = true;
    unlink(this.paths[0]!, () => {
      this.paths.shift();
      this.running = false;
      this.next();
    });
  }
}
