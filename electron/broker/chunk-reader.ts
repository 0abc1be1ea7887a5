// Incoming bytes as a list of chunks: frames are cut out without re-concatenating the whole
// buffer on every read (a client dripping a large frame byte by byte costs O(n), not O(n²)).
// The first chunk is read from an offset (pos) rather than re-sliced after every frame, and a
// frame's head and end byte are read in place: one Buffer view per frame, its payload
// (issue 13 profile: three views per frame before).
import { objectList } from './shape';

export class ChunkReader {
  private chunks: Buffer[] = objectList();
  /** Bytes of chunks[0] already consumed. */
  private pos = 0;
  length = 0;
  /** Type and channel of the frame takeFrame last cut out. */
  frameType = 0;
  frameChannel = 0;
  /** Its end byte (206 in a well-formed frame). */
  frameEnd = 0;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Drops everything buffered. */
  clear(): void {
    this.chunks = objectList();
    this.pos = 0;
    this.length = 0;
  }

  unshift(b: Buffer): void {
    this.compact();
    this.chunks.unshift(b);
    this.length += b.length;
  }

  /** The first n bytes without consuming them (n <= length). */
  peek(n: number): Buffer {
    this.contiguous(n);
    return this.chunks[0]!.subarray(this.pos, this.pos + n);
  }

  /** The big-endian u32 at byte o of the buffered input (o + 4 <= length). */
  u32At(o: number): number {
    this.contiguous(o + 4);
    return this.chunks[0]!.readUInt32BE(this.pos + o);
  }

  /** Removes and returns the first n bytes (n <= length). */
  take(n: number): Buffer {
    this.contiguous(n);
    const out = this.chunks[0]!.subarray(this.pos, this.pos + n);
    this.consume(n);
    return out;
  }

  /** Removes a whole frame of `size` payload bytes (size + 8 <= length) and returns its payload;
   *  its type, channel and end byte are left in frameType, frameChannel, frameEnd. */
  takeFrame(size: number): Buffer {
    const n = size + 8;
    this.contiguous(n);
    const c = this.chunks[0]!;
    const p = this.pos;
    this.frameType = c[p]!;
    this.frameChannel = (c[p + 1]! << 8) | c[p + 2]!;
    this.frameEnd = c[p + n - 1]!;
    const payload = c.subarray(p + 7, p + 7 + size);
    this.consume(n);
    return payload;
  }

  /** Makes the first n bytes one run in chunks[0] (from pos). */
  private contiguous(n: number): void {
    if (this.chunks[0]!.length - this.pos >= n) return;
    this.chunks = [Buffer.concat(this.pos ? [this.chunks[0]!.subarray(this.pos), ...this.chunks.slice(1)] : this.chunks, this.length)];
    this.pos = 0;
  }

  private consume(n: number): void {
    this.length -= n;
    this.pos += n;
    if (this.pos === this.chunks[0]!.length) {
      this.chunks.shift();
      this.pos = 0;
    }
  }

  /** Drops the consumed part of chunks[0] (before an unshift). */
  private compact(): void {
    if (this.pos > 0) {
      this.chunks[0] = this.chunks[0]!.subarray(this.pos);
      this.pos = 0;
    }
  }
}
