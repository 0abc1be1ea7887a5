// The desktop SecretStore: box passwords encrypted with Electron's safeStorage (the OS keychain:
// Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux). Only encrypted blobs
// (base64) are written, to one JSON file under the data dir, atomically (temp file + rename),
// mode 0600. When the OS offers no real encryption (no keyring; Linux's 'basic_text' fallback is
// plaintext in all but name) nothing is stored and the store says so. The electron module is
// passed in, so tests hand it a fake.
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDir, writeSecretFile } from '../data-dir';
import type { SecretStore } from '../deploy/secret-store';

/** The part of Electron's safeStorage used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

export interface SafeSecretStore extends SecretStore {
  /** The file holding the encrypted blobs. */
  readonly file: string;
}

const UNAVAILABLE =
  'Passwords are not stored: this computer offers no encryption for them (no OS keychain / keyring is unlocked). They are used once for the adopt step.';
const BASIC_TEXT =
  'Passwords are not stored: no keyring (GNOME Keyring or KWallet) is running, and without one they would be kept only obfuscated. They are used once for the adopt step.';

export function createSafeStorageSecretStore(electron: { safeStorage: SafeStorageLike }, file: string): SafeSecretStore {
  const ss = electron.safeStorage;

  /** null when encryption is usable, else why not. */
  function unavailable(): string | null {
    try {
      if (!ss.isEncryptionAvailable()) return UNAVAILABLE;
      if (ss.getSelectedStorageBackend?.() === 'basic_text') return BASIC_TEXT;
      return null;
    } catch {
      return UNAVAILABLE;
    }
  }

  function read(): Record<string, string> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
      return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return {}; // absent or unreadable: nothing stored
    }
  }

  function write(all: Record<string, string>): void {
    if (Object.keys(all).length === 0) {
      rmSync(file, { force: true });
      return;
    }
    ensurePrivateDir(dirname(file), true); // the data dir
    writeSecretFile(file, `${JSON.stringify(all, null, 2)}\n`);
  }

  return {
    file,
    get persistent() {
      return unavailable() === null;
    },
    get note() {
      return unavailable() ?? undefined;
    },
    async get(name) {
      if (unavailable()) return null;
      const blob = read()[name];
      if (blob === undefined) return null;
      try {
        return ss.decryptString(Buffer.from(blob, 'base64'));
      } catch {
        return null; // encrypted by another user/keychain: as good as absent
      }
    },
    async set(name, value) {
      const why = unavailable();
      if (why) throw new Error(why);
      const all = read();
      all[name] = ss.encryptString(value).toString('base64');
      write(all);
    },
    async delete(name) {
      const all = read();
      if (!(name in all)) return;
      delete all[name];
      write(all);
    },
  };
}
