// A push parser for the tar streams of agent bundles (GNU and POSIX ustar, as GNU tar writes
// them): it reports each entry's name, type and size and hands its data on in slices, so a
// bundle is checked in one pass without unpacking it. Long names (GNU 'L' entries, pax 'path')
// are applied to the entry that follows.

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  name: string;
  type: TarEntryType;
  size: number;
}

export interface EntryReader {
  data(chunk: Buffer): void;
  end(): void;
}

export interface TarSink {
  /** Called for each entry; the returned handlers (if any) receive its data, then its end. */
  entry(e: TarEntry): EntryReader | void;
}

function octal(buf: Buffer): number {
  // GNU base-256 for sizes ≥ 8 GiB: never valid in a bundle
  if (buf[0]! & 0x80) return Number.NaN;
  const s = buf.toString('latin1').replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

function cstr(buf: Buffer): string {
  const i = buf.indexOf(0);
  return (i < 0 ? buf : buf.subarray(0, i)).toString('utf8');
}

function typeOf(flag: string): TarEntryType {
  if (flag === '0' || flag === '\0' || flag === '7') return 'file';
  if (flag === '5') return 'dir';
  if (flag === '2') return 'symlink';
  if (flag === '1') return 'hardlink';
  return 'other';
}

export class TarParser {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Bytes of the current entry's data still to come, then the padding to skip. */
  private dataLeft = 0;
  private padLeft = 0;
  private reader: EntryReader | null = null;
  /** Collected data of a GNU long-name or pax header entry. */
  private meta: { kind: 'L' | 'x' | 'skip'; chunks: Buffer[] } | null = null;
  private longName: string | null = null;
  private zeroBlocks = 0;
  ended = false;

  constructor(private readonly sink: TarSink) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length && !this.ended) {
      if (this.dataLeft > 0) {
        const n = Math.min(this.dataLeft, chunk.length - off);
        const part = chunk.subarray(off, off + n);
        if (this.meta) this.meta.chunks.push(Buffer.from(part));
        else this.reader?.data(part);
        this.dataLeft -= n;
        off += n;
        if (this.dataLeft === 0) this.endData();
        continue;
      }
      if (this.padLeft > 0) {
        const n = Math.min(this.padLeft, chunk.length - off);
        this.padLeft -= n;
        off += n;
        continue;
      }
      // a header: gather 512 bytes
      const n = Math.min(512 - this.pendingLen, chunk.length - off);
      this.pending.push(chunk.subarray(off, off + n));
      this.pendingLen += n;
      off += n;
      if (this.pendingLen === 512) {
        const block = Buffer.concat(this.pending);
        this.pending = [];
        this.pendingLen = 0;
        this.header(block);
      }
    }
  }

  /** True when the stream ended cleanly (two zero blocks seen, nothing half read). */
  get complete(): boolean {
    return this.ended;
  }

  private header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      if (++this.zeroBlocks >= 2) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
    if (octal(block.subarray(148, 156)) !== sum) throw new Error('a tar header checksum is wrong');
    const flag = String.fromCharCode(block[156]!);
    const size = octal(block.subarray(124, 136));
    if (!Number.isFinite(size) || size < 0) throw new Error('a tar entry has an impossible size');
    let name = cstr(block.subarray(0, 100));
    const magic = block.subarray(257, 263).toString('latin1');
    if (magic === 'ustar\0') {
      const prefix = cstr(block.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    this.dataLeft = size;
    this.padLeft = (512 - (size % 512)) % 512;
    if (flag === 'L' || flag === 'x' || flag === 'g' || flag === 'K') {
      if (size > 1024 * 1024) throw new Error('a tar extended header is implausibly large');
      this.meta = { kind: flag === 'L' ? 'L' : flag === 'x' ? 'x' : 'skip', chunks: [] };
    } else {
      if (this.longName !== null) name = this.longName;
      this.longName = null;
      const type = typeOf(flag);
      this.reader = this.sink.entry({ name, type, size }) ?? null;
    }
    if (this.dataLeft === 0) this.endData();
  }

  private endData(): void {
    if (this.meta) {
      const data = Buffer.concat(this.meta.chunks);
      if (this.meta.kind === 'L') this.longName = cstr(data);
      else if (this.meta.kind === 'x') {
        for (const rec of data.toString('utf8').split('\n')) {
          const m = /^\d+ path=(.*)$/s.exec(rec);
          if (m) this.longName = m[1]!;
        }
      }
      this.meta = null;
    }
    const r = this.reader;
    this.reader = null;
    r?.end();
  }
}
