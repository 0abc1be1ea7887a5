// Event pictures (spot pictures, the box's reg_pic), content-addressed under
// <data>/platform-events/ab/<sha256>.<ext>: one file per content, deleted when no stored event
// refers to it any more (retention).
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Picture } from './parse';

export class EventPictures {
  readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, 'platform-events');
  }

  pathOf(sha256: string, ext: string): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.${ext}`);
  }

  /** Writes the picture unless it is there already; true when this call wrote it. */
  async put(p: Picture): Promise<boolean> {
    const path = this.pathOf(p.sha256, p.ext);
    if (await stat(path).then((s) => s.size === p.bytes.length, () => false)) return false;
    await mkdir(join(this.dir, p.sha256.slice(0, 2)), { recursive: true });
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, p.bytes);
    await rename(tmp, path);
    return true;
  }

  read(sha256: string, ext: string): Promise<Buffer | null> {
    return readFile(this.pathOf(sha256, ext)).catch(() => null);
  }

  async remove(sha256: string, ext: string): Promise<void> {
    await unlink(this.pathOf(sha256, ext)).catch(() => undefined);
  }

  /** What is on disk: the pictures, and temporary files a crash left mid-write (full paths). */
  async list(): Promise<{ pictures: Array<{ sha256: string; ext: string }>; temps: string[] }> {
    const pictures: Array<{ sha256: string; ext: string }> = [];
    const temps: string[] = [];
    const subs = await readdir(this.dir).catch(() => [] as string[]);
    for (const sub of subs) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const name of await readdir(join(this.dir, sub)).catch(() => [] as string[])) {
        const m = /^([0-9a-f]{64})\.(jpg|png)$/.exec(name);
        if (m) pictures.push({ sha256: m[1]!, ext: m[2]! });
        else if (name.endsWith('.tmp')) temps.push(join(this.dir, sub, name));
      }
    }
    return { pictures, temps };
  }

  async removeTemp(path: string): Promise<void> {
    await unlink(path).catch(() => undefined);
  }
}
