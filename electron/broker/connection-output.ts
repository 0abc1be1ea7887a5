// A connection's outgoing frames: everything sent in one turn leaves in one socket write (on the
// next tick), only once the definitions it depends on are on disk; tracks a client that stops
// reading (stalledSince, for the write-stall timeout) and when output has room again (kick).
import type { Socket } from 'node:net';
import { mutableFields, NOT_YET, objectList } from './shape';

/** Output buffered beyond this (ours plus the socket's) makes writable() false. */
export const HIGH_WATER = 1 << 20;

export class ConnectionOutput {
  private out: Buffer[] = objectList();
  private outBytes = 0;
  private flushQueued = false;
  /** When the last write went out (heartbeats are sent after half a heartbeat of silence). */
  lastSend = Date.now();
  /** Since when the socket has refused more (0: it has not). */
  stalledSince = NOT_YET;
  /** Someone found the output full and wants onKick once there is room. */
  private wantKick = false;

  constructor(
    private readonly socket: Socket,
    /** Whether output may still be written (false once the connection is closed). */
    private readonly open: () => boolean,
    /** True when the definitions on disk are current; else false, and cb runs once they are. */
    private readonly whenDefinitionsSaved: (cb: () => void) => boolean,
    /** Output has room again (our buffer or the socket's drained). */
    private readonly onKick: () => void,
  ) {
    mutableFields(this, 'flushQueued', 'wantKick');
  }

  get empty(): boolean {
    return this.out.length === 0;
  }

  send(bufs: Buffer[]): void {
    for (const b of bufs) {
      this.out.push(b);
      this.outBytes += b.length;
    }
    this.queueFlush();
  }

  /** Room for more deliveries (else onKick follows once there is). */
  hasRoom(): boolean {
    const ok = this.socket.writableLength + this.outBytes < HIGH_WATER;
    if (!ok) this.wantKick = true;
    return ok;
  }

  /** The socket drained. */
  drained(): void {
    this.wantKick = false;
    this.stalledSince = NOT_YET;
  }

  /** Takes what is buffered (for a final socket.end), plus `extra`. */
  takeAll(...extra: Buffer[]): Buffer {
    const buf = Buffer.concat([...this.out, ...extra]);
    this.out = objectList();
    this.outBytes = 0;
    return buf;
  }

  private queueFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.out.length === 0 || !this.open() || this.socket.destroyed) return;
    // Replies (declare-ok, confirms…) leave only once the definitions they depend on are on disk.
    if (!this.whenDefinitionsSaved(() => this.queueFlush())) return;
    const buf = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outBytes);
    this.out = objectList();
    this.outBytes = 0;
    this.lastSend = Date.now();
    if (this.socket.write(buf)) {
      // Deliveries paused on our own output buffer (not the socket's): resume them now.
      if (this.wantKick) setImmediate(() => this.onKick());
    } else if (!this.stalledSince) this.stalledSince = Date.now();
  }
}
