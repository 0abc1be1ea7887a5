// The broker's message store: one append-only segment log shared by every durable queue
// (records in store/records.ts, each tagged with its queue's key). All records written in one
// event-loop turn go out in one write, and everyone waiting for durability in that turn shares
// one fdatasync (group commit): 1,000 queues published to in one turn cost one sync, not 1,000.
// A lone waiter (one-at-a-time publishing) is synced on the event loop itself (fdatasyncSync):
// no thread hand-off between a publish and its confirm. A batch is synced on the libuv pool
// (fdatasync) so deliveries, acks and the next batch go on meanwhile; the waiters that gather
// during it share the next sync. A turn that needs no durability (acks, deliveries) never syncs.
// Space: a segment is deleted from the head once none of its messages is live; a head segment
// holding little live data (or any head while the log is over twice the live data) has its live
// messages re-appended at the tail (compaction), so the disk footprint follows the live data.
// Only head segments are ever deleted, so an ACKS record never outlives the PUB it cancels.
// Records are written at their offset into a tail segment whose file is already zero-filled
// (and synced) past them: the fdatasync behind a confirm then writes data blocks only — no size
// change, no block allocation, so no filesystem journal commit (which also waits for other
// processes' pending writes). While a segment fills, the next one is prepared on the libuv pool
// at its full size (store/segment-prep.ts); a roll switches to it, and the rolled-out segment's
// data is synced on the pool — every later sync for durability waits for that, so
// a confirm still implies every earlier record is on disk. A tail that was not prepared (the
// first segment, the recovered one, an inline roll when the preparation was late) is zero-filled
// up to 1 MiB ahead of the data instead, in a turn of its own after the confirms went out. A zero
// length ends the records of a segment (walkRecords); the zeros are cut off at close and recovery.
import { fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mutableFields, objectList } from '../shape';
import { encodeAcks, encodeDrop, encodePubHead, type Loc, type StoredRecord } from './records';
import { recoverSegments } from './recovery';
import { Segment, segName, type StoredMsg } from './segment';
import { SegmentRoller, type RollOptions } from './segment-roll';
import { UnlinkQueue } from './unlink-queue';

export type { Loc, StoredMsg, StoredRecord };

/** sync: fdatasync before durability callbacks (false: a scratch store for paged-out bodies). */
export type StoreOptions = RollOptions;

const RECORD_OVERHEAD = 64;
/** How far ahead of the data an unprepared tail segment's file is zero-filled. */
const PREALLOC_BYTES = 1024 * 1024;
/** Up to this many durability waiters are synced inline on the event loop; more on the libuv pool. */
const INLINE_SYNC_MAX = 1;

export class MessageStore {
  private segs: Segment[] = objectList();
  private readonly byN = new Map<number, Segment>();
  private pending: Buffer[] = objectList();
  private pendingBytes = 0;
  private waiters: Array<() => void> = objectList();
  private acks = new Map<string, number[]>();
  private readonly keyBytes = new Map<string, number>();
  private liveTotal = 0;
  private scheduled = false;
  /** The segment an fdatasync on the libuv pool is running for (its fd stays open until it ends). */
  private syncing: Segment | null = null;
  /** Waiters covered by that running fdatasync. */
  private syncingWaiters: Array<() => void> = objectList();
  private preallocScheduled = false;
  /** Rolls the tail to the next segment, prepared on the libuv pool while the tail fills. */
  private readonly roller: SegmentRoller;
  /** Spent segment files still to delete, oldest first. */
  private readonly unlinks = new UnlinkQueue();
  private closed = false;
  /** Group commits done (fdatasync calls for durability waiters); for tests and stats. */
  syncs = 0;

  constructor(
    readonly dir: string,
    private readonly opts: StoreOptions,
  ) {
    mutableFields(this, 'scheduled', 'preallocScheduled', 'closed');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.roller = new SegmentRoller(dir, opts, () => this.run());
  }

  /** Reads every segment; returns each queue key's live persistent messages (sorted by id).
   *  Register the ones kept with adopt(), then call recovered(). */
  recover(): Map<string, StoredRecord[]> {
    const { segs, live } = recoverSegments(this.dir, this.opts.sync);
    for (const seg of segs) this.addSegment(seg);
    return live;
  }

  /** Registers a recovered message (its loc from recover()) as live under `key`. */
  adopt(key: string, m: StoredMsg): void {
    const seg = m.loc ? this.byN.get(m.loc.seg) : undefined;
    if (!seg) throw new Error(`message ${m.id} of ${key}: segment ${m.loc?.seg} is not in ${this.dir}`);
    this.track(seg, key, m);
  }

  /** After recovery: drops segments nothing live needs. */
  recovered(): void {
    this.dropHeadSegments();
  }

  /** Appends a message's record; sets m.loc. */
  append(key: string, m: StoredMsg, body: Buffer): void {
    const head = encodePubHead(key, m, body);
    const seg = this.tail(head.length + body.length);
    m.loc = { seg: seg.n, off: seg.size + head.length };
    seg.size += head.length + body.length;
    this.track(seg, key, m);
    this.push(head);
    this.push(body);
  }

  /** Records that a persistent message is gone (acked, dropped, purged); written with the next write. */
  ack(key: string, id: number): void {
    let ids = this.acks.get(key);
    if (!ids) this.acks.set(key, (ids = []));
    ids.push(id);
    this.schedule();
  }

  /** The message no longer needs its record (settled or deleted). */
  release(m: StoredMsg): void {
    if (!m.loc) return;
    const seg = this.byN.get(m.loc.seg);
    if (!seg) return;
    const key = seg.live.get(m);
    if (key === undefined) return;
    seg.live.delete(m);
    const bytes = m.size + RECORD_OVERHEAD;
    seg.liveBytes -= bytes;
    this.liveTotal -= bytes;
    const kb = (this.keyBytes.get(key) ?? 0) - m.size;
    if (kb <= 0) this.keyBytes.delete(key);
    else this.keyBytes.set(key, kb);
    if (seg === this.segs[0]) this.schedule(); // maybe the head can go now
  }

  /** A queue is deleted: one DROP record instead of an ACK per message; its messages are released. */
  drop(key: string, msgs: Iterable<StoredMsg>): void {
    this.acks.delete(key);
    for (const m of msgs) this.release(m);
    this.keyBytes.delete(key);
    this.appendRaw(encodeDrop(key));
  }

  readBody(loc: Loc, size: number): Buffer {
    this.writePending();
    const seg = this.byN.get(loc.seg);
    if (!seg) throw new Error(`message body lost: segment ${loc.seg} of ${this.dir} is gone`);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(seg.fd, buf, got, size - got, loc.off + got);
      if (n === 0) throw new Error(`message body truncated in ${this.dir}`);
      got += n;
    }
    return buf;
  }

  /** Calls back once everything appended so far is on disk. */
  whenDurable(cb: () => void): void {
    if (!this.opts.sync || this.closed) {
      cb();
      return;
    }
    this.waiters.push(cb);
    this.schedule();
  }

  /** Message bytes a queue key holds in the store. */
  queueBytes(key: string): number {
    return this.keyBytes.get(key) ?? 0;
  }

  diskBytes(): number {
    return this.segs.reduce((a, s) => a + s.size, 0);
  }

  /** Segment rolls: to a segment prepared on the pool, or inline (none before it, or not ready in time). */
  get rolls(): { prepared: number; inline: number } {
    return this.roller.counts;
  }

  segmentCount(): number {
    return this.segs.length;
  }

  /** Writes what is buffered, syncs for the waiters, compacts; normally run once per turn. */
  run(): void {
    this.scheduled = false;
    if (this.closed) return;
    this.compact();
    this.writePending();
    this.roller.prepareNext(this.segs[this.segs.length - 1]);
    // While a pooled fdatasync runs, new waiters gather for the next one (started when it ends);
    // so they do while a rolled-out segment is synced (its end runs this again).
    if (this.waiters.length === 0 || !this.opts.sync || this.syncing || this.roller.finishing > 0) return;
    const waiters = this.waiters;
    this.waiters = objectList();
    const tail = this.segs[this.segs.length - 1]!; // older segments were synced when rolled out
    if (waiters.length <= INLINE_SYNC_MAX) {
      // A lone confirm (one-at-a-time publishing): sync right here, no thread hand-off.
      const upTo = tail.written;
      fdatasyncSync(tail.fd);
      this.opts.onSync?.(tail.n, upTo);
      this.synced(waiters);
      return;
    }
    // A batch: sync on the libuv pool, so that deliveries, acks and the next batch's reads and
    // writes go on meanwhile (an inline sync would stall every consumer for its duration).
    this.syncing = tail;
    this.syncingWaiters = waiters;
    const upTo = tail.written;
    tail.syncPooled((err) => {
      const ws = this.syncingWaiters;
      this.syncing = null;
      this.syncingWaiters = objectList();
      if (this.closed) return; // close() settled its waiters (and the segment closed its fd)
      if (err) throw err; // as fdatasyncSync would: a confirm must never follow a failed sync
      this.opts.onSync?.(tail.n, upTo);
      this.synced(ws);
      this.run(); // the waiters that gathered meanwhile
    });
  }

  private synced(waiters: Array<() => void>): void {
    this.syncs++;
    for (const w of waiters) w();
    const tail = this.segs[this.segs.length - 1]!;
    if (tail.fileSize < this.opts.segmentBytes && tail.fileSize - tail.written < PREALLOC_BYTES / 2 && !this.preallocScheduled) {
      // Not now: the confirms just settled leave first (they go out on the next tick).
      this.preallocScheduled = true;
      setImmediate(() => this.preallocate());
    }
  }

  close(): void {
    if (this.closed) return;
    this.writePending();
    this.roller.close();
    for (const s of this.segs) {
      if (s.fileSize > s.written) ftruncateSync(s.fd, s.written); // the preallocated zeros
      if (this.opts.sync) fsyncSync(s.fd);
      s.close(); // a pooled sync still running closes it when it returns
    }
    this.unlinks.finish();
    this.closed = true;
    const w = [...this.syncingWaiters, ...this.waiters];
    this.syncingWaiters = objectList();
    this.waiters = objectList();
    for (const cb of w) cb();
  }

  /** Closes and removes the store's files (the scratch store of paged-out bodies). */
  destroy(): void {
    this.pending = objectList();
    this.pendingBytes = 0;
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Zero-fills the tail segment's file up to PREALLOC_BYTES past its data (at most to the
   *  segment size) and syncs that, so later fdatasyncs change no file metadata. */
  private preallocate(): void {
    this.preallocScheduled = false;
    if (this.closed || !this.opts.sync) return;
    this.writePending();
    const seg = this.segs[this.segs.length - 1];
    if (!seg) return;
    const target = Math.min(seg.written + PREALLOC_BYTES, Math.max(this.opts.segmentBytes, seg.written));
    if (seg.fileSize >= target || this.syncing) return; // a group commit running: its synced() asks again
    seg.zeroFill(target);
    // Synced on the libuv pool: writing back a megabyte of zeros and the size change took the
    // event loop ~1–4 ms every ~500 pipelined messages (issue 13 profile). It holds the sync slot
    // like a group commit: the durability waiters that gather meanwhile get their own fdatasync
    // once it ends (run()), so that one never has to write back the zeros and the size change.
    // No confirm depends on this sync itself: the zeros are only a run-way.
    this.syncing = seg;
    seg.syncPooled((err) => {
      this.syncing = null;
      if (this.closed) return;
      if (err) throw err;
      this.run();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => this.run());
  }

  private appendRaw(b: Buffer): void {
    const seg = this.tail(b.length);
    seg.size += b.length;
    this.push(b);
  }

  private push(b: Buffer): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
    this.schedule();
  }

  private track(seg: Segment, key: string, m: StoredMsg): void {
    seg.live.set(m, key);
    const bytes = m.size + RECORD_OVERHEAD;
    seg.liveBytes += bytes;
    this.liveTotal += bytes;
    this.keyBytes.set(key, (this.keyBytes.get(key) ?? 0) + m.size);
  }

  private writePending(): void {
    if (this.closed) return;
    if (this.acks.size > 0) {
      const acks = this.acks;
      this.acks = new Map();
      for (const [key, ids] of acks) this.appendRaw(encodeAcks(key, ids));
    }
    if (this.pending.length === 0) return;
    const bufs = this.pending;
    const total = this.pendingBytes;
    this.pending = objectList();
    this.pendingBytes = 0;
    this.segs[this.segs.length - 1]!.write(bufs, total);
  }

  /** The segment the next `need` bytes go to (a new one once the current is full, or once the
   *  next is prepared while the current was not). */
  private tail(need: number): Segment {
    for (;;) {
      const seg = this.segs[this.segs.length - 1];
      if (seg && !(seg.size > 0 && seg.size + need > this.opts.segmentBytes) && !this.roller.leaveEarly(seg)) return seg;
      if (seg && !this.closed && (this.pending.length > 0 || this.acks.size > 0)) {
        // What is buffered belongs to the full segment: write it there first (writing the
        // batched acks may itself start the next segment, so look again afterwards).
        this.writePending();
        continue;
      }
      const next = this.roller.roll(seg);
      this.addSegment(next);
      return next;
    }
  }

  private addSegment(seg: Segment): void {
    this.segs.push(seg);
    this.byN.set(seg.n, seg);
  }

  /** Copies the head segment's live messages to the tail when that frees a segment cheaply
   *  (little live data in it) or the log has grown past twice its live data. */
  private compact(): void {
    this.dropHeadSegments();
    const head = this.segs[0];
    if (!head || head.relocating || this.segs.length < 3 || head.live.size === 0) return;
    const seg = this.opts.segmentBytes;
    const bloated = this.diskBytes() > 2 * this.liveTotal + 2 * seg;
    if (head.liveBytes * 2 > seg && !bloated) return;
    const moving = [...head.live];
    for (const [m, key] of moving) {
      const body = m.body ?? this.readBody(m.loc!, m.size);
      this.release(m);
      this.append(key, m, body);
    }
    head.relocating = true;
    this.whenDurable(() => {
      head.relocating = false;
      this.dropHeadSegments();
    });
  }

  private dropHeadSegments(): void {
    while (this.segs.length > 1 && this.segs[0]!.live.size === 0 && !this.segs[0]!.relocating) {
      const s = this.segs.shift()!;
      this.byN.delete(s.n);
      s.close();
      this.unlinks.push(join(this.dir, segName(s.n)));
    }
  }
}
