// Checking an agent bundle on the desktop before anything is uploaded, in one pass over the file:
// the sha256 of the whole file (the transfer checksum the box compares), the signature
// (manifest.sig over manifest.json's exact bytes), and that every byte matches the signed
// manifest — for a .tar.gz every file of the release tree against its sha256 in the manifest,
// for an xz bundle the compressed payload against the sha256 the (outer) manifest pins. Then
// whether the signing key is one this installation trusts (./trust.ts).
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { readManifestAndFormat, type BundleInfo, type BundleManifest } from './bundle';
import { DeployError } from './errors';
import { parseSignature, publicKeyInfo, signatureValid, SIGNATURE_FILE, type BundleSignature, type PublicKeyInfo } from './signing';
import { TarParser, type EntryReader } from './tar-entries';
import { isTrusted, trustKey } from './trust';

/** What one pass over a bundle found (independent of which keys are trusted). */
export interface BundleInspection {
  sha256: string;
  manifestBytes: Buffer;
  /** sha256 of manifest.json's bytes. */
  manifestSha256: string;
  signature: BundleSignature | null;
  /** Why the contents do not match the signed manifest (null: they match, signature valid). */
  problem: string | null;
}

export interface VerifiedBundleInfo extends BundleInfo {
  inspection: BundleInspection;
}

const sha = () => createHash('sha256');

/** The SHA256SUMS text build:agent writes for a manifest. */
export function sumsText(files: Record<string, string>): string {
  return `${Object.entries(files)
    .map(([f, h]) => `${h}  ${f}`)
    .join('\n')}\n`;
}

function checkEntries(manifest: BundleManifest, format: BundleInfo['format']) {
  const problems: string[] = [];
  const seen = new Set<string>();
  let manifestBytes: Buffer | null = null;
  let sigText: string | null = null;
  let index = 0;
  const collect = (onEnd: (b: Buffer) => void): EntryReader => {
    const chunks: Buffer[] = [];
    return { data: (c) => chunks.push(Buffer.from(c)), end: () => onEnd(Buffer.concat(chunks)) };
  };
  const hashTo = (onEnd: (hex: string) => void): EntryReader => {
    const h = sha();
    return { data: (c) => h.update(c), end: () => onEnd(h.digest('hex')) };
  };
  const parser = new TarParser({
    entry(e) {
      const name = e.name.replace(/^\.\//, '');
      const first = index++ === 0;
      if (e.type === 'dir') return;
      if (e.type !== 'file') {
        problems.push(`it contains a ${e.type} (${name}), which the manifest cannot vouch for`);
        return;
      }
      if (seen.has(name)) {
        problems.push(`${name} appears twice in it`);
        return;
      }
      seen.add(name);
      if (name === 'manifest.json') {
        if (!first) problems.push('manifest.json is not its first entry');
        if (e.size > 64 * 1024 * 1024) {
          problems.push('manifest.json is implausibly large');
          return;
        }
        return collect((b) => (manifestBytes = b));
      }
      if (name === SIGNATURE_FILE) {
        if (e.size > 4096) {
          problems.push('manifest.sig is implausibly large');
          return;
        }
        return collect((b) => (sigText = b.toString('utf8')));
      }
      if (format === 'tar+xz') {
        if (name !== 'payload.tar.xz') {
          problems.push(`it holds ${name}, which an xz bundle has no place for`);
          return;
        }
        return hashTo((hex) => {
          if (!manifest.payload) problems.push('its manifest does not pin the payload');
          else if (hex !== manifest.payload.sha256 || e.size !== manifest.payload.size) problems.push('payload.tar.xz does not match the sha256 in its signed manifest');
        });
      }
      if (name === 'SHA256SUMS') {
        return collect((b) => {
          if (b.toString('utf8') !== sumsText(manifest.files)) problems.push('SHA256SUMS does not match its signed manifest');
        });
      }
      const want = Object.prototype.hasOwnProperty.call(manifest.files, name) ? manifest.files[name] : undefined;
      if (!want) {
        problems.push(`it holds ${name}, which its manifest does not list`);
        return;
      }
      return hashTo((hex) => {
        if (hex !== want) problems.push(`${name} does not match the sha256 in its signed manifest`);
      });
    },
  });
  const finish = () => {
    if (!parser.complete) problems.push('the archive ends early');
    if (format === 'tar.gz') {
      const missing = Object.keys(manifest.files).filter((f) => !seen.has(f));
      if (missing.length) problems.push(`${missing.length} file(s) of its manifest are missing (${missing.slice(0, 3).join(', ')})`);
    } else if (!seen.has('payload.tar.xz')) problems.push('payload.tar.xz is missing');
    return { problems, manifestBytes: manifestBytes as Buffer | null, sigText: sigText as string | null };
  };
  return { parser, finish };
}

/** Reads the whole bundle once; see the file comment. */
export async function inspectBundle(path: string, manifest: BundleManifest, format: BundleInfo['format']): Promise<BundleInspection> {
  const whole = sha();
  const { parser, finish } = checkEntries(manifest, format);
  let parseError: string | null = null;
  const feed = (c: Buffer) => {
    if (parseError || parser.ended) return;
    try {
      parser.push(c);
    } catch (err) {
      parseError = (err as Error).message;
    }
  };
  await new Promise<void>((resolve, reject) => {
    const input = createReadStream(path, { highWaterMark: 1 << 20 });
    input.on('error', (e) => reject(new DeployError('bad-bundle', `cannot read the bundle ${path}: ${e.message}`)));
    if (format === 'tar.gz') {
      const gunzip = createGunzip();
      gunzip.on('data', feed);
      gunzip.on('error', () => {
        parseError = 'its gzip data is damaged';
        input.resume();
      });
      input.on('data', (c) => {
        whole.update(c as Buffer);
        if (!parseError && !gunzip.write(c)) {
          input.pause();
          gunzip.once('drain', () => input.resume());
        }
      });
      input.on('end', () => {
        if (parseError) return resolve();
        gunzip.end();
        gunzip.once('end', resolve);
        gunzip.once('error', () => resolve());
      });
    } else {
      input.on('data', (c) => {
        whole.update(c as Buffer);
        feed(c as Buffer);
      });
      input.on('end', () => resolve());
    }
  });
  const found = finish();
  const problems = parseError ? [parseError, ...found.problems] : found.problems;
  const manifestBytes = found.manifestBytes ?? Buffer.alloc(0);
  let signature: BundleSignature | null = null;
  if (found.sigText !== null) {
    try {
      signature = parseSignature(found.sigText);
      if (!signatureValid(manifestBytes, signature)) problems.unshift('its signature does not match manifest.json (the manifest was changed after signing)');
    } catch (err) {
      problems.unshift((err as Error).message);
    }
  }
  return { sha256: whole.digest('hex'), manifestBytes, manifestSha256: sha().update(manifestBytes).digest('hex'), signature, problem: problems.length ? problems.join('; ') : null };
}

const cache = new Map<string, { key: string; info: VerifiedBundleInfo }>();

/** The bundle's manifest, format, transfer checksum and integrity (cached while the file is unchanged). */
export async function readBundle(path: string): Promise<VerifiedBundleInfo> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new DeployError('bad-bundle', `bundle ${path} does not exist (build one with \`npm run build:agent -- --arch arm64\`)`);
  }
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  const hit = cache.get(path);
  if (hit && hit.key === key) return hit.info;
  const { manifest, format } = await readManifestAndFormat(path);
  const inspection = await inspectBundle(path, manifest, format);
  const info: VerifiedBundleInfo = { path, fileName: basename(path), size: st.size, sha256: inspection.sha256, manifest, format, inspection };
  cache.set(path, { key, info });
  return info;
}

export interface TrustOptions {
  /** Fingerprints (SHA256:...) the technician trusts explicitly for this deploy; remembered. */
  trustBundleKeys?: string[];
}

/**
 * The signing key of a bundle that is intact, signed and trusted; otherwise a DeployError that
 * says what is wrong and what to do. A key named in `trustBundleKeys` is remembered as trusted.
 */
export function requireTrustedBundle(info: VerifiedBundleInfo, dataDir: string, o: TrustOptions = {}): PublicKeyInfo {
  const name = info.fileName;
  const ins = info.inspection;
  if (!ins.signature) {
    throw new DeployError(
      'untrusted-bundle',
      `${name} is not signed, so nothing shows it is a genuine release; nothing was sent to any box. Deploy a bundle built with \`npm run build:agent\` (it signs with the release key), or ask whoever built it for a signed one`,
    );
  }
  if (ins.problem) {
    throw new DeployError('bad-bundle', `${name} was altered after it was signed (${ins.problem}); nothing was sent to any box. Use an intact copy of the bundle`);
  }
  const signer = publicKeyInfo(ins.signature.publicKey);
  if (isTrusted(dataDir, signer.publicKey)) return signer;
  if (o.trustBundleKeys?.includes(signer.fingerprint)) {
    trustKey(dataDir, signer.publicKey);
    return signer;
  }
  throw new DeployError(
    'untrusted-bundle',
    `${name} is signed by a key this installation does not trust (${signer.fingerprint}); nothing was sent to any box. ` +
      `If you know that key belongs to whoever builds your releases, trust it once with --trust-bundle-key ${signer.fingerprint}`,
    { fingerprint: signer.fingerprint },
  );
}
