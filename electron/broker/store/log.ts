// Append-only segment log of one queue's messages.
// Record: u32 payload length | u32 crc32(payload) | payload
//   PUB  payload: u8 1 | u8 flags(bit0 persistent) | f64 id | f64 expiresAt | shortstr exchange |
//                 shortstr routingKey | u32 len + props | u32 len + body
//   ACKS payload: u8 2 | u32 n | f64 id * n
// Writes are batched per event-loop turn (one write per dirty log); waiters for durability
// share one fdatasync (group commit). Segments are deleted from the head once all their
// messages are settled; a long-lived message pinning an old segment is re-appended at the
// tail (compaction), so the disk footprint follows the live data.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, ftruncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { SyncPool } from './sync-pool';

export interface Loc {
  seg: number;
  off: number; // file offset of the body bytes
}

export interface StoredRecord {
  id: number;
  persistent: boolean;
  expiresAt: number;
  exchange: string;
  routingKey: string;
  props: Buffer;
  size: number;
  loc: Loc;
}

interface Segment {
  n: number;
  fd: number;
  size: number;
  live: number;
}

const PUB = 1;
const ACKS = 2;

export class QueueLog {
  private segs: Segment[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private waiters: Array<() => void> = [];
  private ackIds: number[] = [];
  private syncing = false;
  private closed = false;

  constructor(
    readonly dir: string,
    private readonly flusher: Flusher,
    private readonly opts: { sync: boolean; segmentBytes: number },
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Reads every segment; returns the live persistent messages (sorted by id). */
  recover(): StoredRecord[] {
    const names = readdirSync(this.dir)
      .filter((f) => /^\d{8}\.log$/.test(f))
      .sort();
    const live = new Map<number, StoredRecord>();
    for (const name of names) {
      const n = Number(name.slice(0, 8));
      const path = join(this.dir, name);
      const fd = openSync(path, 'a+');
      const data = readWhole(fd, statSync(path).size);
      const seg: Segment = { n, fd, size: 0, live: 0 };
      let off = 0;
      while (off + 8 <= data.length) {
        const len = data.readUInt32BE(off);
        if (len === 0 || off + 8 + len > data.length) break;
        const payload = data.subarray(off + 8, off + 8 + len);
        if (crc32(payload) >>> 0 !== data.readUInt32BE(off + 4)) break;
        if (payload[0] === PUB) {
          const r = parsePub(payload, n, off + 8);
          if (r.persistent) live.set(r.id, r);
        } else if (payload[0] === ACKS) {
          const cnt = payload.readUInt32BE(1);
          for (let i = 0; i < cnt; i++) live.delete(payload.readDoubleBE(5 + i * 8));
        }
        off += 8 + len;
      }
      if (off < data.length) ftruncateSync(fd, off); // torn tail after a crash
      seg.size = off;
      this.segs.push(seg);
    }
    const out = [...live.values()].sort((a, b) => a.id - b.id);
    const byN = new Map(this.segs.map((s) => [s.n, s]));
    for (const r of out) byN.get(r.loc.seg)!.live++;
    this.dropHeadSegments();
    return out;
  }

  /** Appends a message; returns where its body will be. */
  appendPub(r: Omit<StoredRecord, 'loc' | 'size'>, body: Buffer): Loc {
    const ex = Buffer.from(r.exchange);
    const rk = Buffer.from(r.routingKey);
    const len = 1 + 1 + 8 + 8 + 1 + ex.length + 1 + rk.length + 4 + r.props.length + 4 + body.length;
    const head = Buffer.allocUnsafe(8 + len - body.length);
    let o = 8;
    head[o++] = PUB;
    head[o++] = r.persistent ? 1 : 0;
    head.writeDoubleBE(r.id, o);
    o += 8;
    head.writeDoubleBE(r.expiresAt, o);
    o += 8;
    head[o++] = ex.length;
    ex.copy(head, o);
    o += ex.length;
    head[o++] = rk.length;
    rk.copy(head, o);
    o += rk.length;
    head.writeUInt32BE(r.props.length, o);
    o += 4;
    r.props.copy(head, o);
    o += r.props.length;
    head.writeUInt32BE(body.length, o);
    o += 4;
    head.writeUInt32BE(len, 0);
    head.writeUInt32BE(crc32(body, crc32(head.subarray(8))) >>> 0, 4);
    const seg = this.tail(head.length + body.length);
    const loc = { seg: seg.n, off: seg.size + head.length };
    seg.size += head.length + body.length;
    seg.live++;
    this.push(head);
    this.push(body);
    return loc;
  }

  /** Records that messages are gone (acked, dropped, purged). */
  appendAcks(ids: number[]): void {
    if (ids.length === 0) return;
    const len = 5 + ids.length * 8;
    const b = Buffer.allocUnsafe(8 + len);
    b.writeUInt32BE(len, 0);
    b[8] = ACKS;
    b.writeUInt32BE(ids.length, 9);
    for (let i = 0; i < ids.length; i++) b.writeDoubleBE(ids[i]!, 13 + i * 8);
    b.writeUInt32BE(crc32(b.subarray(8)) >>> 0, 4);
    const seg = this.segs[this.segs.length - 1] ?? this.tail(b.length);
    seg.size += b.length;
    this.push(b);
  }

  /** Batched form of appendAcks: recorded with the next write, after every earlier record. */
  ack(id: number): void {
    this.ackIds.push(id);
    this.flusher.mark(this);
  }

  /** The location's segment no longer needs that message. */
  release(loc: Loc): void {
    const seg = this.segs.find((s) => s.n === loc.seg);
    if (seg) seg.live--;
    this.dropHeadSegments();
  }

  readBody(loc: Loc, size: number): Buffer {
    this.writePending();
    const seg = this.segs.find((s) => s.n === loc.seg);
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
    if (!this.opts.sync) {
      cb();
      return;
    }
    this.waiters.push(cb);
    this.flusher.mark(this);
  }

  /** Head segments that pin few live messages and should be compacted, if any. */
  compactionCandidate(): number | null {
    // A head segment holding only a handful of live messages while the log keeps growing:
    // copying those few forward lets the whole segment go.
    if (this.segs.length < 4) return null;
    const head = this.segs[0]!;
    return head.live > 0 && head.live <= 16 ? head.n : null;
  }

  segmentCount(): number {
    return this.segs.length;
  }

  diskBytes(): number {
    return this.segs.reduce((a, s) => a + s.size, 0);
  }

  /** Writes buffered records to the OS (no fsync). */
  writePending(): void {
    if (this.ackIds.length > 0 && !this.closed) {
      const ids = this.ackIds;
      this.ackIds = [];
      this.appendAcks(ids);
    }
    if (this.pending.length === 0 || this.closed) return;
    const seg = this.segs[this.segs.length - 1]!;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let off = 0;
    while (off < buf.length) off += writeSync(seg.fd, buf, off, buf.length - off);
  }

  /** Called by the flusher: write, then fdatasync for the current waiters. */
  flush(): void {
    this.writePending();
    if (this.syncing || this.waiters.length === 0 || this.closed) return;
    const waiters = this.waiters;
    this.waiters = [];
    this.syncing = true;
    const fd = this.segs[this.segs.length - 1]!.fd;
    // Older segments were synced when they were rotated out.
    this.flusher.sync(fd, (err) => {
      this.syncing = false;
      if (err && !this.closed) throw err;
      for (const w of waiters) w();
      if (this.waiters.length > 0) this.flusher.mark(this);
    });
  }

  close(): void {
    if (this.closed) return;
    this.writePending();
    for (const s of this.segs) {
      if (this.opts.sync) fsyncSync(s.fd);
      closeSync(s.fd);
    }
    this.closed = true;
    const w = this.waiters;
    this.waiters = [];
    for (const cb of w) cb();
  }

  destroy(): void {
    this.pending = [];
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private push(b: Buffer): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
    this.flusher.mark(this);
  }

  private tail(need: number): Segment {
    let seg = this.segs[this.segs.length - 1];
    if (!seg || (seg.size > 0 && seg.size + need > this.opts.segmentBytes)) {
      if (seg) {
        this.writePending();
        if (this.opts.sync) fsyncSync(seg.fd);
      }
      const n = seg ? seg.n + 1 : 1;
      const fd = openSync(join(this.dir, `${String(n).padStart(8, '0')}.log`), 'a+', 0o600);
      if (this.opts.sync) fsyncDir(this.dir);
      seg = { n, fd, size: 0, live: 0 };
      this.segs.push(seg);
    }
    return seg;
  }

  private dropHeadSegments(): void {
    while (this.segs.length > 1 && this.segs[0]!.live <= 0) {
      const s = this.segs.shift()!;
      closeSync(s.fd);
      try {
        unlinkSync(join(this.dir, `${String(s.n).padStart(8, '0')}.log`));
      } catch {
        /* already gone */
      }
    }
  }
}

function parsePub(p: Buffer, seg: number, base: number): StoredRecord {
  let o = 1;
  const persistent = (p[o++]! & 1) === 1;
  const id = p.readDoubleBE(o);
  o += 8;
  const expiresAt = p.readDoubleBE(o);
  o += 8;
  const exLen = p[o++]!;
  const exchange = p.toString('utf8', o, o + exLen);
  o += exLen;
  const rkLen = p[o++]!;
  const routingKey = p.toString('utf8', o, o + rkLen);
  o += rkLen;
  const pLen = p.readUInt32BE(o);
  o += 4;
  const props = Buffer.from(p.subarray(o, o + pLen));
  o += pLen;
  const size = p.readUInt32BE(o);
  o += 4;
  return { id, persistent, expiresAt, exchange, routingKey, props, size, loc: { seg, off: base + o } };
}

function readWhole(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const n = readSync(fd, buf, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    /* some filesystems refuse directory fsync */
  }
}

/** Batches log writes to one per event-loop turn and runs the group commits. */
export class Flusher {
  private dirty = new Set<QueueLog>();
  private scheduled = false;
  private readonly pool = new SyncPool();

  /** fdatasync(fd) off the event loop, many at once (see sync-pool.ts). */
  sync(fd: number, done: (err: NodeJS.ErrnoException | null) => void): void {
    this.pool.fdatasync(fd, done);
  }

  /** Stops the sync workers (after the last flush). */
  close(): Promise<void> {
    return this.pool.close();
  }

  mark(log: QueueLog): void {
    this.dirty.add(log);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.run());
    }
  }

  run(): void {
    this.scheduled = false;
    const logs = [...this.dirty];
    this.dirty.clear();
    for (const l of logs) l.flush();
  }
}
