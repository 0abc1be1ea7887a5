// One segment file of the message log (store/message-store.ts): its fd, how far its records
// reach, its live messages, and the work on the libuv pool that still holds its fd open.
import { closeSync, fdatasync, readSync, writeSync, writevSync } from 'node:fs';
import { mutableFields } from '../shape';
import type { Loc, MessageMeta } from './records';
import { zeros } from './zeros';

/** A message as the store sees it: the queue's own Message object (loc/body updated in place). */
export interface StoredMsg extends MessageMeta {
  size: number;
  body: Buffer | null;
  loc: Loc | null;
}

export const segName = (n: number) => `${String(n).padStart(8, '0')}.log`;

// A class, not object literals: V8 widens a literal's object field types when it builds the
// literal's boilerplate on its second run (the first segment roll), which deoptimised append/settle.
export class Segment {
  size: number; // bytes of records, written or pending
  written: number; // bytes of records written to the file
  fileSize: number; // bytes of the file (≥ written: the zero-filled rest is preallocated)
  readonly live = new Map<StoredMsg, string>(); // live message → its queue key
  liveBytes = 0;
  relocating = false; // its live messages were copied forward; deleted once the copies are durable
  /** Operations on the libuv pool still using fd (it is closed only once they end). */
  pooled = 0;
  /** Closed while `pooled` > 0: the last of those operations closes fd. */
  closeAfterPool = false;
  constructor(
    readonly n: number,
    readonly fd: number,
    end: number,
    fileSize = end,
  ) {
    this.size = end;
    this.written = end;
    this.fileSize = fileSize;
    mutableFields(this, 'relocating', 'closeAfterPool');
  }

  /** Writes a turn's records at the end of the written ones: the record heads and bodies as they
   *  are, in one vectored write (no concatenated copy: issue 13 profile); a short write (never
   *  seen on a regular file) writes the rest from where it stopped (libuv itself splits more than
   *  IOV_MAX buffers into several writev calls). */
  write(bufs: Buffer[], total: number): void {
    const off = bufs.length === 1 ? 0 : writevSync(this.fd, bufs, this.written);
    if (off < total) {
      const rest = (bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs, total)).subarray(off);
      let done = 0;
      while (done < rest.length) done += writeSync(this.fd, rest, done, rest.length - done, this.written + off + done);
    }
    this.written += total;
    if (this.written > this.fileSize) this.fileSize = this.written;
  }

  /** Zero-fills the file from its end up to `target` bytes (on the event loop; not synced). */
  zeroFill(target: number): void {
    const z = zeros();
    while (this.fileSize < target) this.fileSize += writeSync(this.fd, z, 0, Math.min(z.length, target - this.fileSize), this.fileSize);
  }

  /** fdatasync on the libuv pool; fd stays open until it ends. */
  syncPooled(cb: (err: Error | null) => void): void {
    this.pooled++;
    fdatasync(this.fd, (err) => this.pooledDone(cb, err));
  }

  /** A segment rolled out of the tail: its data synced on the libuv pool (fd stays open until it
   *  ends). Nothing is written to it any more, so `written` is final. Its unused zeros (less than
   *  one record; up to 1 MiB for a tail left early) stay until the store closes or recovers,
   *  which cut them: cut here, the size change made this sync a journal commit, and the store
   *  confirms nothing while it runs. */
  finishPooled(cb: (err: Error | null) => void): void {
    this.pooled++;
    fdatasync(this.fd, (err) => this.pooledDone(cb, err));
  }

  close(): void {
    if (this.pooled > 0) this.closeAfterPool = true;
    else closeSync(this.fd);
  }

  private pooledDone(cb: (err: Error | null) => void, err: Error | null): void {
    this.pooled--;
    if (this.closeAfterPool && this.pooled === 0) closeSync(this.fd);
    cb(err);
  }
}

/** The first `size` bytes of a file (fewer if it is shorter). */
export function readWhole(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const n = readSync(fd, buf, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
