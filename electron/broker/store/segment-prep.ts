// The next segment file of the message log, prepared on the libuv pool while the tail fills
// (store/message-store.ts): created (O_EXCL, on the event loop: one directory entry, no sync),
// then zero-filled to the full segment size, fsynced, and its directory fsynced, all on the pool.
// Each MiB of zeros is synced as soon as it is written: one fsync of all 16 MiB at the end kept
// the disk busy for several ms, and the group commits behind confirms waited that long (a
// pipelined publisher's confirms stopped meanwhile); a MiB at a time, each waits far less.
// A roll then only switches to it: no ftruncate, fdatasync, file creation or directory fsync on
// the event loop, and no zero-fill turns while it fills (its blocks are allocated and its size is
// final, so the fdatasync behind a confirm writes data blocks only).
// A preparation not ready when the tail is full is abandoned (its file unlinked at once, its fd
// closed once its pool work ends) and the store rolls inline as before; a crash at any point
// leaves at most an all-zero or partly zero-filled file, which recovers as an empty segment.
import { close, constants, fdatasync, fsync, open, openSync, unlinkSync, write } from 'node:fs';
import { join } from 'node:path';
import { segName } from './segment';
import { zeros } from './zeros';


export class PreparedSegment {
  /** The file was created by this preparation (its number is taken); false: creating it failed. */
  readonly created: boolean;
  readonly fd: number;
  ready = false;
  private abandoned = false;
  /** Set when a step failed (the preparation is then never ready). */
  error: Error | null = null;
  private readonly path: string;

  constructor(
    private readonly dir: string,
    readonly n: number,
    readonly bytes: number,
  ) {
    this.path = join(dir, segName(n));
    let fd = -1;
    try {
      fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (e) {
      this.error = e as Error; // e.g. EEXIST: a file of that number already there (the inline roll continues it)
    }
    this.fd = fd;
    this.created = fd >= 0;
    if (this.created) this.fill(0);
  }

  /** Gives the preparation up: its file is unlinked now; its fd is closed once no pool work uses it. */
  abandon(): void {
    if (this.abandoned || !this.created) return;
    this.abandoned = true;
    try {
      unlinkSync(this.path);
    } catch {
      /* the directory is gone already (a destroyed store) */
    }
    if (this.ready || this.error) close(this.fd, () => {});
  }

  private fill(at: number): void {
    if (at >= this.bytes) return this.syncFile();
    const len = Math.min(zeros().length, this.bytes - at);
    write(this.fd, zeros(), 0, len, at, (err, n) => {
      if (this.stopped(err)) return;
      fdatasync(this.fd, (err2) => {
        if (this.stopped(err2)) return;
        this.fill(at + n);
      });
    });
  }

  private syncFile(): void {
    fsync(this.fd, (err) => {
      if (this.stopped(err)) return;
      // The new directory entry must be durable before any record in the file is confirmed.
      open(this.dir, 'r', (err2, dfd) => {
        if (err2) return this.done(); // some filesystems refuse a directory fd (as fsyncDir)
        fsync(dfd, () => close(dfd, () => this.done())); // … or a directory fsync (ignored, as fsyncDir)
      });
    });
  }

  private done(): void {
    if (this.abandoned) close(this.fd, () => {});
    else this.ready = true;
  }

  /** After a pool step: true when the preparation ends here (abandoned meanwhile, or failed). */
  private stopped(err: Error | null): boolean {
    if (this.abandoned) {
      close(this.fd, () => {});
      return true;
    }
    if (!err) return false;
    this.error = err; // the file goes (abandon() closes the fd: no pool work uses it now)
    this.abandon();
    return true;
  }
}
