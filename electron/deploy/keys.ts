// The per-installation SSH key: one ed25519 key pair per SE3 Field Kit installation, created on
// first use in the app data dir (private key mode 0600), installed on boxes by `adopt`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';

export interface InstallationKey {
  privateKeyPath: string;
  privateKey: string;
  /** One-line OpenSSH public key, for authorized_keys. */
  publicKey: string;
}

export function installationKeyPath(dataDir: string): string {
  return join(dataDir, 'deploy', 'id_ed25519');
}

export function loadInstallationKey(dataDir: string): InstallationKey | null {
  const path = installationKeyPath(dataDir);
  if (!existsSync(path) || !existsSync(`${path}.pub`)) return null;
  return { privateKeyPath: path, privateKey: readFileSync(path, 'utf8'), publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
}

export function ensureInstallationKey(dataDir: string): InstallationKey {
  const existing = loadInstallationKey(dataDir);
  if (existing) return existing;
  const path = installationKeyPath(dataDir);
  mkdirSync(join(dataDir, 'deploy'), { recursive: true, mode: 0o700 });
  const comment = `se3-field-kit@${hostname()}`;
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
  writeFileSync(path, pair.private, { mode: 0o600 });
  writeFileSync(`${path}.pub`, `${pair.public.trim()}\n`, { mode: 0o644 });
  return { privateKeyPath: path, privateKey: pair.private, publicKey: pair.public.trim() };
}
