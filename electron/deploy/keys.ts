// The per-installation SSH key: one ed25519 key pair per SE3 Field Kit installation, created on
// first use in the app data dir (private key mode 0600), installed on boxes by `adopt`.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { ensureDataDir, ensurePrivateDir, writeSecretFile } from '../data-dir';

export interface InstallationKey {
  privateKeyPath: string;
  privateKey: string;
  /** One-line OpenSSH public key, for authorized_keys. */
  publicKey: string;
}

export function installationKeyPath(dataDir: string): string {
  return join(dataDir, 'deploy', 'id_ed25519');
}

/** The stored key, or null when there is none or it cannot be read as a key pair. */
export function loadInstallationKey(dataDir: string): InstallationKey | null {
  const path = installationKeyPath(dataDir);
  if (!existsSync(path) || !existsSync(`${path}.pub`)) return null;
  const key = { privateKeyPath: path, privateKey: readFileSync(path, 'utf8'), publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
  return usable(key.privateKey, key.publicKey) ? key : null;
}

const usable = (privateKey: string, publicKey: string) => !(ssh2.utils.parseKey(privateKey) instanceof Error) && !(ssh2.utils.parseKey(publicKey) instanceof Error);

/**
 * A new ed25519 pair that ssh2 (and so OpenSSH) can read back. ssh2's generator strips a
 * leading zero byte from the public key, so about one pair in 256 comes out malformed
 * (mscdex/ssh2#1390, #1513): such a pair is thrown away and another made.
 */
export function generateKeyPair(comment: string): { private: string; public: string } {
  for (let i = 0; i < 32; i++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    if (usable(pair.private, pair.public)) return pair;
  }
  throw new Error('could not generate a readable ed25519 key pair');
}

/** The installation key, made on first use (and made again when the stored one is unreadable: it never logged in anywhere). */
export function ensureInstallationKey(dataDir: string): InstallationKey {
  const existing = loadInstallationKey(dataDir);
  if (existing) return existing;
  const path = installationKeyPath(dataDir);
  ensureDataDir(dataDir);
  ensurePrivateDir(join(dataDir, 'deploy'), true);
  const comment = `se3-field-kit@${hostname()}`;
  const pair = generateKeyPair(comment);
  writeSecretFile(path, pair.private);
  writeSecretFile(`${path}.pub`, `${pair.public.trim()}\n`, 0o644);
  return { privateKeyPath: path, privateKey: pair.private, publicKey: pair.public.trim() };
}
