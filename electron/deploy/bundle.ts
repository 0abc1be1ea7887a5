// Reading an agent bundle on the desktop side: se3-agent-<version>-linux-<arch>.tar (a plain tar:
// manifest.json, then payload.tar.xz) or .tar.gz (the release tree, manifest.json first). Either
// way the manifest is the first entry, so it is read without unpacking the whole file.
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { DeployError } from './errors';

/**
 * A plain version string: letters and digits, with single . _ + - between them ("1.2.0",
 * "2.0.0-rc.1+b7"); never "." or ".." or anything else that would be a path on the box
 * (releases/<version>).
 */
export const VERSION_RE = /^[0-9A-Za-z]+(?:[._+-][0-9A-Za-z]+)*$/;
export const versionSchema = z
  .string()
  .max(64, 'version: at most 64 characters')
  .regex(VERSION_RE, 'version must be a plain version such as 1.2.0 (letters and digits joined by single . _ + -)');

/** A file of the release: a relative path without empty, "." or ".." parts or control characters. */
const releasePath = (p: string) => p.length > 0 && p.length <= 1024 && !/[\0-\x1f\x7f\\]/.test(p) && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');

export const manifestSchema = z.object({
  name: z.literal('se3-agent'),
  version: versionSchema,
  platform: z.literal('linux'),
  arch: z.enum(['arm64', 'x64']),
  /** Minimum glibc version the native parts need, "2.28". */
  minGlibc: z.string().regex(/^\d+\.\d+$/),
  node: z.string(),
  builtAt: z.string(),
  /** Total size of the unpacked files in bytes. */
  unpackedSize: z.number().int().nonnegative(),
  /** sha256 (hex) of every file, by path relative to the release dir. */
  files: z.record(z.string().refine(releasePath, 'files: a path is not a plain relative path'), z.string().regex(/^[0-9a-f]{64}$/)),
  /** xz bundles: the outer manifest pins the compressed payload (the release tree inside it has its own manifest). */
  payload: z.strictObject({ file: z.literal('payload.tar.xz'), sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() }).optional(),
});
export type BundleManifest = z.infer<typeof manifestSchema>;

export interface BundleInfo {
  path: string;
  fileName: string;
  size: number;
  sha256: string;
  manifest: BundleManifest;
  format: BundleFormat;
}

/** `uname -m` names of the bundle architectures. */
export const UNAME_ARCH: Record<BundleManifest['arch'], string> = { arm64: 'aarch64', x64: 'x86_64' };

function parseOctal(buf: Buffer): number {
  const s = buf.toString('latin1').replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

export type BundleFormat = 'tar.gz' | 'tar+xz';

/**
 * Reads manifest.json, the bundle's first tar entry: either straight from a plain tar (the xz
 * format: [manifest.json, payload.tar.xz]) or from the start of a gzip'd tarball.
 */
export async function readManifestAndFormat(path: string): Promise<{ manifest: BundleManifest; format: BundleFormat; signatureText: string | null }> {
  const bad = (why: string) => new DeployError('bad-bundle', `${basename(path)} is not an agent bundle: ${why} (build one with \`npm run build:agent\`)`);
  const head = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(path, { start: 0, end: 1 })
      .on('data', (c) => chunks.push(c as Buffer))
      .on('error', (e) => reject(new DeployError('bad-bundle', `cannot read the bundle ${path}: ${e.message}`)))
      .on('end', () => resolve(Buffer.concat(chunks)));
  });
  const format: BundleFormat = head[0] === 0x1f && head[1] === 0x8b ? 'tar.gz' : 'tar+xz';
  // manifest.json, and manifest.sig when it is the second entry (as build:agent writes it)
  const [raw, signatureText] = await new Promise<[string, string | null]>((resolve, reject) => {
    const input = createReadStream(path);
    const gunzip = format === 'tar.gz' ? createGunzip() : null;
    let buf = Buffer.alloc(0);
    let done = false;
    const stop = (fn: () => void) => {
      if (done) return;
      done = true;
      input.destroy();
      gunzip?.destroy();
      fn();
    };
    input.on('error', (e) => stop(() => reject(new DeployError('bad-bundle', `cannot read the bundle ${path}: ${e.message}`))));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 512) return;
      if (buf.subarray(257, 262).toString('latin1') !== 'ustar') return stop(() => reject(bad(format === 'tar.gz' ? 'the gzip data is not a tar archive' : 'not a tar or gzip file')));
      const name = buf.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '').replace(/^\.\//, '');
      if (name !== 'manifest.json') return stop(() => reject(bad(`its first entry is "${name}", not manifest.json`)));
      const size = parseOctal(buf.subarray(124, 136));
      if (size > 64 * 1024 * 1024) return stop(() => reject(bad('manifest.json is implausibly large')));
      if (buf.length < 512 + size) return;
      const manifestText = buf.subarray(512, 512 + size).toString('utf8');
      const next = 512 + Math.ceil(size / 512) * 512;
      if (buf.length < next + 512) return;
      const name2 = buf.subarray(next, next + 100).toString('latin1').replace(/\0.*$/s, '').replace(/^\.\//, '');
      const size2 = parseOctal(buf.subarray(next + 124, next + 136));
      if (name2 !== 'manifest.sig' || size2 > 4096) return stop(() => resolve([manifestText, null]));
      if (buf.length >= next + 512 + size2) stop(() => resolve([manifestText, buf.subarray(next + 512, next + 512 + size2).toString('utf8')]));
    };
    const onEnd = () =>
      stop(() => {
        const size = buf.length >= 512 ? parseOctal(buf.subarray(124, 136)) : Infinity;
        if (buf.length >= 512 + size) resolve([buf.subarray(512, 512 + size).toString('utf8'), null]);
        else reject(bad('the file ended before manifest.json was complete'));
      });
    if (gunzip) {
      gunzip.on('error', () => stop(() => reject(bad('broken gzip data'))));
      gunzip.on('data', onData);
      gunzip.on('end', onEnd);
      input.pipe(gunzip);
    } else {
      input.on('data', (c) => onData(c as Buffer));
      input.on('end', onEnd);
    }
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
  return { manifest: parsed.data, format, signatureText };
}

export async function readManifest(path: string): Promise<BundleManifest> {
  return (await readManifestAndFormat(path)).manifest;
}
