// Release signing of agent bundles: an ed25519 key made once by `npm run build:agent` signs the
// exact bytes of a bundle's manifest.json (which holds the sha256 of every file); the signature
// travels in the bundle as manifest.sig. Deploy trusts this installation's own release key and
// the keys the technician trusted explicitly (./trust.ts).
//
// The release key is a PKCS#8 PEM file: $SE3KIT_RELEASE_KEY when set, else
// <data dir>/release-key/ed25519.pem (data dir: $SE3KIT_DATA or ~/.se3kit). It never lives in
// the repository; its public half is written beside it as ed25519.pub (one base64 line).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, linkSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { defaultDataDir, ensureDataDir, ensurePrivateDir, writeSecretFile } from '../data-dir';

/** The DER prefix of an ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export const SIGNATURE_FILE = 'manifest.sig';

export interface PublicKeyInfo {
  /** Raw 32-byte ed25519 public key, base64. */
  publicKey: string;
  /** SHA256:<base64 of sha256(raw key), no padding>, the form technicians compare and type. */
  fingerprint: string;
}

export const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;

export function fingerprintOfRaw(raw: Buffer): string {
  return `SHA256:${createHash('sha256').update(raw).digest('base64').replace(/=+$/, '')}`;
}

export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

export function publicKeyObject(rawBase64: string): KeyObject {
  const raw = Buffer.from(rawBase64, 'base64');
  if (raw.length !== 32) throw new Error('an ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function publicKeyInfo(rawBase64: string): PublicKeyInfo {
  return { publicKey: rawBase64, fingerprint: fingerprintOfRaw(Buffer.from(rawBase64, 'base64')) };
}

/** manifest.sig: which key signed, and the signature over manifest.json's exact bytes. */
export const signatureSchema = z.strictObject({
  alg: z.literal('ed25519'),
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'publicKey: base64 of 32 bytes'),
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'signature: base64 of 64 bytes'),
});
export type BundleSignature = z.infer<typeof signatureSchema>;

export function parseSignature(text: string): BundleSignature {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('manifest.sig is not valid JSON');
  }
  const r = signatureSchema.safeParse(json);
  if (!r.success) throw new Error(`manifest.sig is invalid: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}

/** True when `sig` is a valid signature of `manifestBytes` by the key it names. */
export function signatureValid(manifestBytes: Buffer, sig: BundleSignature): boolean {
  try {
    return verify(null, manifestBytes, publicKeyObject(sig.publicKey), Buffer.from(sig.signature, 'base64'));
  } catch {
    return false;
  }
}

export interface ReleaseKey extends PublicKeyInfo {
  path: string;
  privateKey: KeyObject;
}

/** Where build:agent keeps (and deploy looks for) this installation's release key. */
export function releaseKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.SE3KIT_RELEASE_KEY ? env.SE3KIT_RELEASE_KEY : join(defaultDataDir(), 'release-key', 'ed25519.pem');
}

/** The release key at `path`, made (0600, in a 0700 directory) when there is none. */
export function ensureReleaseKey(path = releaseKeyPath(), log: (m: string) => void = () => {}): ReleaseKey {
  if (!existsSync(path)) {
    // the default place is inside the data dir, which is ours alone; a path from the
    // environment may sit in a shared folder, which is left as it is
    if (path === join(defaultDataDir(), 'release-key', 'ed25519.pem')) {
      ensureDataDir(defaultDataDir());
      ensurePrivateDir(dirname(path), true);
    } else ensurePrivateDir(dirname(path));
    const { privateKey } = generateKeyPairSync('ed25519');
    // made aside and linked into place: if another build made one meanwhile, that one stays
    const tmp = `${path}.new-${process.pid}`;
    writeSecretFile(tmp, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    try {
      linkSync(tmp, path);
      log(`made a new release signing key ${path} (keep it; technicians trust bundles by its fingerprint)`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (err) {
    throw new Error(`cannot read the release key ${path}: ${(err as Error).message}`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the release key ${path} is not an ed25519 key`);
  const raw = rawPublicKey(createPublicKey(privateKey));
  const pub = `${raw.toString('base64')}\n`;
  if (!existsSync(`${path}.pub`) || readFileSync(`${path}.pub`, 'utf8') !== pub) writeSecretFile(`${path}.pub`, pub, 0o644);
  return { path, privateKey, publicKey: raw.toString('base64'), fingerprint: fingerprintOfRaw(raw) };
}

/** The public half of this installation's release key, when there is one (never creates it). */
export function ownReleasePublicKey(env: NodeJS.ProcessEnv = process.env): PublicKeyInfo | null {
  const path = releaseKeyPath(env);
  try {
    if (existsSync(`${path}.pub`)) {
      const b64 = readFileSync(`${path}.pub`, 'utf8').trim();
      if (Buffer.from(b64, 'base64').length === 32) return publicKeyInfo(b64);
    }
    if (existsSync(path)) return publicKeyInfo(rawPublicKey(createPublicKey(createPrivateKey(readFileSync(path)))).toString('base64'));
  } catch {
    /* unreadable: not trusted */
  }
  return null;
}

/** manifest.sig's text for `manifestBytes`. */
export function signManifest(manifestBytes: Buffer, key: ReleaseKey): string {
  const sig: BundleSignature = { alg: 'ed25519', publicKey: key.publicKey, signature: sign(null, manifestBytes, key.privateKey).toString('base64') };
  return `${JSON.stringify(sig)}\n`;
}
