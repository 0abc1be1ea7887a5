// Reading an agent bundle (se3-agent-<version>-linux-<arch>.tar.gz) on the desktop side: its
// manifest is the tarball's first entry, so it is read without unpacking the whole file.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { DeployError } from './errors';

export const manifestSchema = z.object({
  name: z.literal('se3-agent'),
  version: z.string().regex(/^[0-9A-Za-z._+-]{1,64}$/, 'version: letters, digits and ._+- only'),
  platform: z.literal('linux'),
  arch: z.enum(['arm64', 'x64']),
  /** Minimum glibc version the native parts need, "2.28". */
  minGlibc: z.string().regex(/^\d+\.\d+$/),
  node: z.string(),
  builtAt: z.string(),
  /** Total size of the unpacked files in bytes. */
  unpackedSize: z.number().int().nonnegative(),
  /** sha256 (hex) of every file, by path relative to the release dir. */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});
export type BundleManifest = z.infer<typeof manifestSchema>;

export interface BundleInfo {
  path: string;
  fileName: string;
  size: number;
  sha256: string;
  manifest: BundleManifest;
}

/** `uname -m` names of the bundle architectures. */
export const UNAME_ARCH: Record<BundleManifest['arch'], string> = { arm64: 'aarch64', x64: 'x86_64' };

function parseOctal(buf: Buffer): number {
  const s = buf.toString('latin1').replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

/** Reads the first tar entry of a gzip'd tarball; it must be manifest.json. */
export async function readManifest(path: string): Promise<BundleManifest> {
  const raw = await new Promise<string>((resolve, reject) => {
    const input = createReadStream(path);
    const gunzip = createGunzip();
    let buf = Buffer.alloc(0);
    let done = false;
    const stop = (fn: () => void) => {
      if (done) return;
      done = true;
      input.destroy();
      gunzip.destroy();
      fn();
    };
    const bad = (why: string) => new DeployError('bad-bundle', `${basename(path)} is not an agent bundle: ${why} (build one with \`npm run build:agent\`)`);
    input.on('error', (e) => stop(() => reject(new DeployError('bad-bundle', `cannot read the bundle ${path}: ${e.message}`))));
    gunzip.on('error', () => stop(() => reject(bad('not a gzip file'))));
    gunzip.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 512) return;
      const name = buf.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '').replace(/^\.\//, '');
      if (name !== 'manifest.json') return stop(() => reject(bad(`its first entry is "${name}", not manifest.json`)));
      const size = parseOctal(buf.subarray(124, 136));
      if (size > 64 * 1024 * 1024) return stop(() => reject(bad('manifest.json is implausibly large')));
      if (buf.length >= 512 + size) stop(() => resolve(buf.subarray(512, 512 + size).toString('utf8')));
    });
    gunzip.on('end', () => stop(() => reject(bad('the archive ended before manifest.json was complete'))));
    input.pipe(gunzip);
  });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new DeployError('bad-bundle', `${basename(path)}: manifest.json is not valid JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new DeployError('bad-bundle', `${basename(path)}: manifest.json is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

const infoCache = new Map<string, { mtimeMs: number; size: number; info: BundleInfo }>();

export async function readBundle(path: string): Promise<BundleInfo> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new DeployError('bad-bundle', `bundle ${path} does not exist (build one with \`npm run build:agent -- --arch arm64\`)`);
  }
  const cached = infoCache.get(path);
  if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.info;
  const [manifest, sha256] = await Promise.all([readManifest(path), sha256File(path)]);
  const info: BundleInfo = { path, fileName: basename(path), size: st.size, sha256, manifest };
  infoCache.set(path, { mtimeMs: st.mtimeMs, size: st.size, info });
  return info;
}
