// Incoming bytes as a list of chunks: frames are cut out without re-concatenating the whole
// buffer on every read (a client dripping a large frame byte by byte costs O(n), not O(n²)).
import { objectList } from './shape';

export class ChunkReader {
  private chunks: Buffer[] = objectList();
  length = 0;

  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Drops everything buffered. */
  clear(): void {
    this.chunks = objectList();
    this.length = 0;
  }

  unshift(b: Buffer): void {
    this.chunks.unshift(b);
    this.length += b.length;
  }

  /** The first n bytes without consuming them (n <= length). */
  peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0]!.subarray(0, n);
  }

  /** Removes and returns the first n bytes (n <= length). */
  take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks, this.length);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : objectList<Buffer>();
    }
    this.length -= n;
    return out;
  }
}
