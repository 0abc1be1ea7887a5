// The snapshot spool: pictures uploaded by FTP land in <data>/spool/<ftp user>/ and wait there
// (so a restart loses none) until recognised, then they are removed. Bounded: beyond maxFiles
// or maxBytes the oldest waiting pictures are dropped, with a log line each. One picture is
// recognised at a time per spool, oldest first. An upload still in progress has a temporary
// name (PARTIAL_PREFIX…, see ./ftp-fs): one left by a crash is removed, never recognised.
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The name prefix of an upload still in progress; a camera may not upload a file named so. */
export const PARTIAL_PREFIX = '.partial-';

export interface SpoolOptions {
  dir: string;
  maxFiles: number;
  maxBytes: number;
  maxFileBytes: number;
  /** recognise one picture; `user` is the FTP user directory it came in */
  process(file: string, user: string): Promise<void>;
  log(line: string): void;
}

interface Entry {
  path: string;
  size: number;
  mtime: number;
}

export class Spool {
  private queue: Entry[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  processed = 0;
  dropped = 0;

  constructor(private readonly o: SpoolOptions) {}

  /** The directory an FTP user's uploads go to (created). */
  async dirFor(user: string): Promise<string> {
    const d = join(this.o.dir, user);
    await mkdir(d, { recursive: true });
    return d;
  }

  /** Picks up what a previous run left. */
  async recover(): Promise<void> {
    await mkdir(this.o.dir, { recursive: true });
    const found: Entry[] = [];
    let partial = 0;
    for (const user of await readdir(this.o.dir)) {
      const d = join(this.o.dir, user);
      const files = await readdir(d).catch(() => [] as string[]);
      for (const f of files) {
        if (f.startsWith(PARTIAL_PREFIX)) {
          partial++;
          await rm(join(d, f), { force: true });
          continue;
        }
        const s = await stat(join(d, f)).catch(() => null);
        if (s?.isFile()) found.push({ path: join(d, f), size: s.size, mtime: s.mtimeMs });
      }
    }
    if (partial) this.o.log(`snapshot spool: removed ${partial} upload(s) cut short by the last run's end (never recognised)`);
    if (found.length) this.o.log(`snapshot spool: ${found.length} pictures left from the last run; recognising them`);
    for (const e of found.sort((a, b) => a.mtime - b.mtime)) await this.admit(e);
  }

  /** A finished upload. */
  async add(path: string): Promise<void> {
    const s = await stat(path).catch(() => null);
    if (!s?.isFile()) return;
    await this.admit({ path, size: s.size, mtime: s.mtimeMs });
  }

  private async admit(e: Entry): Promise<void> {
    if (e.size > this.o.maxFileBytes) {
      this.o.log(`snapshot spool: ${basename(e.path)} is ${e.size} bytes, over the ${this.o.maxFileBytes} a picture may have; dropped`);
      this.dropped++;
      await rm(e.path, { force: true });
      return;
    }
    this.queue = this.queue.filter((q) => q.path !== e.path);
    this.queue.push(e);
    let bytes = this.queue.reduce((n, q) => n + q.size, 0);
    while (this.queue.length > this.o.maxFiles || bytes > this.o.maxBytes) {
      const old = this.queue.shift()!;
      bytes -= old.size;
      this.dropped++;
      this.o.log(`snapshot spool full (${this.o.maxFiles} pictures / ${this.o.maxBytes} bytes): dropped the oldest, ${basename(old.path)}`);
      await rm(old.path, { force: true });
    }
    this.kick();
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = (async () => {
      while (!this.stopped && this.queue.length) {
        const e = this.queue.shift()!;
        try {
          await this.o.process(e.path, basename(dirname(e.path)));
          this.processed++;
        } catch (err) {
          // a picture that cannot be recognised (damaged, no such camera) is not kept for ever
          this.o.log(`snapshot ${basename(e.path)}: ${(err as Error).message}; removed`);
        }
        if (this.stopped) {
          this.queue.unshift(e); // stopping mid-picture: it stays on disk for the next run
          break;
        }
        await rm(e.path, { force: true });
      }
    })().finally(() => {
      this.running = null;
    });
  }

  waiting(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
