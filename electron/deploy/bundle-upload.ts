// Adding an agent bundle from the Deploy page: the file travels in chunks (a bundle is 40–50
// MiB, larger than one API call may carry), is written beside the listed ones under a name the
// list ignores, checked to be a bundle (its manifest readable) and only then renamed into
// <data dir>/bundles/, where deploy.bundles lists it. Whether it is signed and trusted is
// judged there and by deploy, exactly as for a bundle copied into the folder by hand.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../api/errors';
import type { BundleChunk, BundleChunkResult } from '../api/deploy';
import { readManifestAndFormat } from './bundle';
import { BUNDLE_FILE, listBundles } from './bundle-list';

/** Largest chunk one call carries (decoded); base64 makes it 4/3 of this on the wire. */
export const BUNDLE_CHUNK_MAX = 8 * 1024 * 1024;
/** Largest bundle accepted (today's are 40–50 MiB). */
export const BUNDLE_MAX = 512 * 1024 * 1024;
/** An upload left without a chunk this long is dropped (its partial file removed). */
const IDLE_MS = 10 * 60 * 1000;

interface Upload {
  fileName: string;
  part: string;
  file: FileHandle;
  received: number;
  busy: boolean;
  timer: ReturnType<typeof setTimeout>;
}

const bad = (message: string) => new ApiError(message, 'bad_request', 400);

export function bundleNameProblem(fileName: string): string | null {
  if (!BUNDLE_FILE.test(fileName) || fileName.includes('/') || fileName.includes('\\'))
    return `"${fileName}" is not named like an agent bundle: expected se3-agent-<version>-linux-<arm64|x64>.tar.gz (keep the name the release came with)`;
  return null;
}

export class BundleUploads {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly dataDir: string) {}

  private get dir(): string {
    return join(this.dataDir, 'bundles');
  }

  async chunk(c: BundleChunk): Promise<BundleChunkResult> {
    const problem = bundleNameProblem(c.fileName);
    if (problem) throw bad(problem);
    const bytes = Buffer.from(c.data, 'base64');
    if (bytes.length > BUNDLE_CHUNK_MAX) throw bad(`a chunk may hold at most ${BUNDLE_CHUNK_MAX / 1024 / 1024} MiB`);
    let up: Upload | undefined;
    let id = c.uploadId;
    if (!id) {
      if (c.offset !== 0) throw bad('a new upload starts at offset 0');
      id = randomBytes(8).toString('hex');
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const part = join(this.dir, `.upload-${id}.part`);
      up = { fileName: c.fileName, part, file: await open(part, 'wx', 0o600), received: 0, busy: false, timer: setTimeout(() => undefined, 0) };
      this.uploads.set(id, up);
    } else {
      up = this.uploads.get(id);
      if (!up) throw bad('this upload is not known (it was finished, or dropped after 10 minutes without data); start it again');
      if (up.fileName !== c.fileName) throw bad('the file name changed during the upload; start it again');
    }
    if (up.busy) throw bad('the previous chunk of this upload is still being written; send chunks one after the other');
    if (c.offset !== up.received) throw bad(`upload out of step: ${up.received} bytes received, the chunk starts at ${c.offset}; start it again`);
    if (up.received + bytes.length > BUNDLE_MAX) {
      await this.drop(id);
      throw bad(`the file is larger than ${BUNDLE_MAX / 1024 / 1024} MiB; that is not an agent bundle`);
    }
    up.busy = true;
    clearTimeout(up.timer);
    try {
      await up.file.write(bytes, 0, bytes.length, up.received);
      up.received += bytes.length;
    } catch (err) {
      await this.drop(id);
      throw new ApiError(`writing the bundle failed: ${(err as Error).message} — check the free disk space of the data folder`, 'internal', 500);
    } finally {
      up.busy = false;
    }
    if (!c.done) {
      const uid = id;
      up.timer = setTimeout(() => void this.drop(uid), IDLE_MS);
      up.timer.unref?.();
      return { uploadId: id, received: up.received };
    }
    // The last chunk: close, check it is a bundle, then put it where the list looks.
    this.uploads.delete(id);
    await up.file.close();
    try {
      await readManifestAndFormat(up.part);
    } catch (err) {
      await rm(up.part, { force: true });
      throw bad(`${c.fileName} is not an agent bundle (${(err as Error).message.replace(/^\S+ is not an agent bundle: /, '').replace(/ \(build one with .*\)$/, '')}); nothing was added`);
    }
    const target = join(this.dir, c.fileName);
    await rename(up.part, target);
    const bundle = (await listBundles(this.dataDir)).find((b) => b.path === target);
    return { uploadId: id, received: up.received, bundle };
  }

  private async drop(id: string): Promise<void> {
    const up = this.uploads.get(id);
    if (!up) return;
    this.uploads.delete(id);
    clearTimeout(up.timer);
    await up.file.close().catch(() => undefined);
    rmSync(up.part, { force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.uploads.keys()].map((id) => this.drop(id)));
  }
}

const perDataDir = new Map<string, BundleUploads>();

/** The uploads of one data folder (one per process). */
export function bundleUploads(dataDir: string): BundleUploads {
  let u = perDataDir.get(dataDir);
  if (!u) perDataDir.set(dataDir, (u = new BundleUploads(dataDir)));
  return u;
}
