// Host key pinning: the first-seen SHA256 fingerprint of every box (host:port) is stored in a
// JSON file in the app data dir; a different key later is refused until explicitly accepted.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDir, writeSecretFile } from '../data-dir';

export interface KnownHostEntry {
  fingerprint: string;
  keyType: string;
  firstSeen: string;
  lastSeen: string;
}

export type HostKeyStatus = 'new' | 'known' | 'changed';

/** OpenSSH-style fingerprint of a raw (wire-format) host key: SHA256:<base64, no padding>. */
export function fingerprintOf(rawKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(rawKey).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a wire-format public key (ssh-ed25519, ecdsa-sha2-nistp256, ...). */
export function keyTypeOf(rawKey: Buffer): string {
  if (rawKey.length < 4) return 'unknown';
  const len = rawKey.readUInt32BE(0);
  return rawKey.subarray(4, 4 + len).toString('latin1');
}

export class KnownHosts {
  constructor(readonly file: string) {}

  private read(): Record<string, KnownHostEntry> {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, KnownHostEntry>) : {};
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`cannot read the known-hosts file ${this.file}: ${(err as Error).message}; fix or delete it`);
    }
  }

  private write(all: Record<string, KnownHostEntry>): void {
    ensurePrivateDir(dirname(this.file), true); // the data dir
    writeSecretFile(this.file, `${JSON.stringify(all, null, 2)}\n`);
  }

  static id(host: string, port: number): string {
    return `${host}:${port}`;
  }

  get(host: string, port: number): KnownHostEntry | undefined {
    return this.read()[KnownHosts.id(host, port)];
  }

  check(host: string, port: number, fingerprint: string): HostKeyStatus {
    const entry = this.get(host, port);
    if (!entry) return 'new';
    return entry.fingerprint === fingerprint ? 'known' : 'changed';
  }

  /** Stores (or replaces) the pinned key of host:port. */
  pin(host: string, port: number, fingerprint: string, keyType: string): void {
    const all = this.read();
    const id = KnownHosts.id(host, port);
    const now = new Date().toISOString();
    const prev = all[id];
    all[id] = {
      fingerprint,
      keyType,
      firstSeen: prev && prev.fingerprint === fingerprint ? prev.firstSeen : now,
      lastSeen: now,
    };
    this.write(all);
  }

  forget(host: string, port: number): void {
    const all = this.read();
    delete all[KnownHosts.id(host, port)];
    this.write(all);
  }
}
