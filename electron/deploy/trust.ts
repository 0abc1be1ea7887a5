// Which bundle signing keys this installation trusts: its own release key (made by
// `npm run build:agent`, see ./signing.ts) and every key the technician trusted explicitly by its
// fingerprint (`se3kit deploy --trust-bundle-key SHA256:...`, or the Deploy page), remembered in
// <data dir>/trusted-bundle-keys.json (0600).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretFile } from '../data-dir';
import { ownReleasePublicKey, publicKeyInfo, type PublicKeyInfo } from './signing';

export interface TrustedKey extends PublicKeyInfo {
  /** 'release-key': this installation's own; 'trusted': trusted explicitly. */
  source: 'release-key' | 'trusted';
  addedAt?: string;
}

export function trustFile(dataDir: string): string {
  return join(dataDir, 'trusted-bundle-keys.json');
}

function readTrusted(dataDir: string): Array<{ publicKey: string; addedAt?: string }> {
  let text: string;
  try {
    text = readFileSync(trustFile(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`cannot read ${trustFile(dataDir)}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${trustFile(dataDir)} is damaged (not JSON); fix or delete it, then trust the keys again`);
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) return [];
  return keys.filter((k): k is { publicKey: string; addedAt?: string } => !!k && typeof k.publicKey === 'string' && Buffer.from(k.publicKey, 'base64').length === 32);
}

/** Every key a bundle may be signed by on this installation. */
export function trustedKeys(dataDir: string): TrustedKey[] {
  const out: TrustedKey[] = [];
  const own = ownReleasePublicKey();
  if (own) out.push({ ...own, source: 'release-key' });
  for (const k of readTrusted(dataDir)) {
    if (!out.some((o) => o.publicKey === k.publicKey)) out.push({ ...publicKeyInfo(k.publicKey), source: 'trusted', addedAt: k.addedAt });
  }
  return out;
}

export function isTrusted(dataDir: string, publicKey: string): boolean {
  return trustedKeys(dataDir).some((k) => k.publicKey === publicKey);
}

/** Remembers `publicKey` as trusted (idempotent). */
export function trustKey(dataDir: string, publicKey: string): TrustedKey {
  const all = readTrusted(dataDir);
  if (!all.some((k) => k.publicKey === publicKey)) {
    all.push({ publicKey, addedAt: new Date().toISOString() });
    writeSecretFile(trustFile(dataDir), `${JSON.stringify({ keys: all }, null, 2)}\n`);
  }
  return { ...publicKeyInfo(publicKey), source: 'trusted', addedAt: all.find((k) => k.publicKey === publicKey)?.addedAt };
}
