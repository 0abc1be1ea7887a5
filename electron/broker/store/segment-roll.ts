// Rolling the message log's tail to its next segment (store/message-store.ts). While the tail
// fills, the next segment is prepared on the libuv pool
// (store/segment-prep.ts); a roll then switches to it and the rolled-out segment's data is
// fdatasynced on the pool (its unused zeros are cut at close or recovery, not now: see
// Segment.finishPooled) — the store settles no durability waiter while that runs
// (`finishing`), so a confirm still implies that every earlier record is on disk. A preparation
// not ready in time is abandoned and the roll is done inline: the rolled-out segment cut and
// synced, the next file created and the directory synced, all on the event loop.
import { constants, fdatasyncSync, fstatSync, ftruncateSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { mutableFields } from '../shape';
import { fsyncDir } from './records';
import { Segment, segName } from './segment';
import { PreparedSegment } from './segment-prep';

export interface RollOptions {
  /** Segments are synced (false: a scratch store; nothing is prepared either). */
  sync: boolean;
  segmentBytes: number;
  /** false: no segment is prepared, every roll is inline (the baseline of `npm run bench:broker-roll`). */
  prepare?: boolean;
  /** Observer (tests): a sync for durability of segment `seg` up to byte `upTo` has returned. */
  onSync?: (seg: number, upTo: number) => void;
}

export class SegmentRoller {
  /** The next segment, being prepared on the libuv pool (or ready). */
  private prep: PreparedSegment | null = null;
  /** Rolled-out segments whose truncation and fdatasync on the pool are still running. */
  finishing = 0;
  private closed = false;
  /** Rolls to a segment prepared on the pool / inline (no segment before, or not ready in time). */
  readonly counts = { prepared: 0, inline: 0 };

  constructor(
    private readonly dir: string,
    private readonly opts: RollOptions,
    /** A rolled-out segment is on disk: durability waiters may be synced now. */
    private readonly finished: () => void,
  ) {
    mutableFields(this, 'closed');
  }

  /** The file name of the next segment while one is being prepared or ready (not yet a segment). */
  preparedFile(): string | null {
    return this.prep?.created ? segName(this.prep.n) : null;
  }

  /** Starts preparing the segment after `tail` (one preparation at a time) as soon as the tail
   *  takes records: the preparation writes a whole segment of zeros while the tail takes one
   *  segment of records, so it keeps up as long as the disk writes twice the record rate (started
   *  at half the tail, it had to write at four times that rate, and fell behind in a fast
   *  pipelined run). A tail that was not prepared itself (a fresh store's first segment, the tail
   *  after a restart, an inline roll) is left as soon as the next is ready (leaveEarly()). */
  prepareNext(tail: Segment | undefined): void {
    if (this.prep || !this.opts.sync || this.closed || !tail || this.opts.prepare === false) return;
    this.prep = new PreparedSegment(this.dir, tail.n + 1, this.opts.segmentBytes);
  }

  /** An unprepared tail (zero-filled only 1 MiB at a time, on the event loop) is left for the
   *  next segment as soon as that is prepared: from then on, no zero-fill turns. */
  leaveEarly(tail: Segment): boolean {
    return this.prep !== null && this.prep.ready && this.prep.n === tail.n + 1 && unprepared(tail, this.opts.segmentBytes);
  }

  /** The segment after `seg` (the first one when there is none); everything buffered for `seg` is written. */
  roll(seg: Segment | undefined): Segment {
    const prep = this.prep;
    this.prep = null;
    if (seg && prep?.ready && prep.n === seg.n + 1) {
      this.finishRolledOut(seg);
      this.counts.prepared++;
      return new Segment(prep.n, prep.fd, 0, prep.bytes);
    }
    prep?.abandon(); // not ready (a slow disk): roll inline, as before preparation existed
    if (seg) {
      if (seg.fileSize > seg.written) ftruncateSync(seg.fd, (seg.fileSize = seg.written)); // unused zeros
      if (this.opts.sync) {
        fdatasyncSync(seg.fd);
        this.opts.onSync?.(seg.n, seg.written);
      }
    }
    this.counts.inline++;
    const n = seg ? seg.n + 1 : 1;
    // O_CREAT without O_APPEND (records are written at their offset); a file already there
    // (a store written to without recover(), as the legacy migration does) is continued.
    const fd = openSync(join(this.dir, segName(n)), constants.O_RDWR | constants.O_CREAT, 0o600);
    const end = fstatSync(fd).size;
    if (this.opts.sync) fsyncDir(this.dir);
    return new Segment(n, fd, end);
  }

  /** The store closes (it truncates and syncs every segment itself): a preparation is given up. */
  close(): void {
    this.closed = true;
    this.prep?.abandon(); // its file goes now; its fd closes once its pool work ends
    this.prep = null;
  }

  private finishRolledOut(seg: Segment): void {
    this.finishing++;
    seg.finishPooled((err) => {
      this.finishing--;
      if (this.closed) return; // close() truncated and synced it itself
      if (err) throw err; // as fdatasyncSync would: no confirm may follow a failed sync
      this.opts.onSync?.(seg.n, seg.written);
      this.finished();
    });
  }
}

/** A segment whose file was not zero-filled to the full segment size ahead of its records. */
const unprepared = (seg: Segment, segmentBytes: number) => seg.fileSize < segmentBytes;
