// Users (salted SHA-256 password hashes, the RabbitMQ rabbit_password_hashing_sha256 format:
// base64(salt4 + sha256(salt4 + password))) and RabbitMQ-style permissions
// (configure / write / read regular expressions per user and vhost).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeTable } from './codec';

export interface User {
  name: string;
  passwordHash: string;
  tags: string[];
  /** Digest of passwordHash (RabbitMQ's hashing_algorithm); absent = sha256. Imported users keep theirs. */
  hashing?: PasswordHashing;
}

/** RabbitMQ's password hashing modules: base64(salt4 + digest(salt4 + password)). */
export type PasswordHashing = 'sha256' | 'sha512' | 'md5';
export const HASHING_MODULES: Record<PasswordHashing, string> = {
  sha256: 'rabbit_password_hashing_sha256',
  sha512: 'rabbit_password_hashing_sha512',
  md5: 'rabbit_password_hashing_md5',
};
const DIGEST_BYTES: Record<PasswordHashing, number> = { sha256: 32, sha512: 64, md5: 16 };

export interface Permission {
  configure: string;
  write: string;
  read: string;
}

export function hashPassword(password: string, salt: Buffer = randomBytes(4), hashing: PasswordHashing = 'sha256'): string {
  const digest = createHash(hashing).update(salt).update(password, 'utf8').digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

export function checkPassword(user: User, password: string): boolean {
  const hashing = user.hashing ?? 'sha256';
  const raw = Buffer.from(user.passwordHash, 'base64');
  if (raw.length !== 4 + DIGEST_BYTES[hashing]) return false; // also: an empty hash (no password login)
  const expect = Buffer.from(hashPassword(password, raw.subarray(0, 4), hashing), 'base64');
  return timingSafeEqual(raw, expect);
}

export class Permissions {
  private map = new Map<string, Permission & { re: { configure: RegExp; write: RegExp; read: RegExp } }>();

  private key(user: string, vhost: string): string {
    return `${user}\u0000${vhost}`;
  }

  set(user: string, vhost: string, p: Permission): void {
    const compile = (s: string) => {
      try {
        return new RegExp(s === '' ? '^$' : s);
      } catch (err) {
        throw new Error(`invalid permission regex '${s}': ${(err as Error).message}`);
      }
    };
    this.map.set(this.key(user, vhost), {
      ...p,
      re: { configure: compile(p.configure), write: compile(p.write), read: compile(p.read) },
    });
  }

  clear(user: string, vhost: string): void {
    this.map.delete(this.key(user, vhost));
  }

  clearUser(user: string): void {
    for (const k of [...this.map.keys()]) if (k.startsWith(`${user}\u0000`)) this.map.delete(k);
  }

  clearVhost(vhost: string): void {
    for (const k of [...this.map.keys()]) if (k.endsWith(`\u0000${vhost}`)) this.map.delete(k);
  }

  get(user: string, vhost: string): Permission | undefined {
    const p = this.map.get(this.key(user, vhost));
    return p && { configure: p.configure, write: p.write, read: p.read };
  }

  /** RabbitMQ matches the regex against the resource name (unanchored unless the regex anchors). */
  allowed(user: string, vhost: string, kind: 'configure' | 'write' | 'read', resource: string): boolean {
    const p = this.map.get(this.key(user, vhost));
    return !!p && p.re[kind].test(resource);
  }

  list(): Array<{ user: string; vhost: string } & Permission> {
    return [...this.map.entries()].map(([k, p]) => {
      const [user, vhost] = k.split('\u0000') as [string, string];
      return { user, vhost, configure: p.configure, write: p.write, read: p.read };
    });
  }
}

/** Credentials from connection.start-ok: PLAIN ("\0user\0pass") or AMQPLAIN (LOGIN/PASSWORD table). */
export function parseLogin(mechanism: string, response: Buffer): { user: string; pass: string } | null {
  if (mechanism === 'PLAIN') {
    const parts = response.toString('utf8').split('\u0000');
    return { user: parts[1] ?? '', pass: parts[2] ?? '' };
  }
  if (mechanism === 'AMQPLAIN') {
    const t = decodeTable(response);
    return { user: String(t.LOGIN ?? ''), pass: String(t.PASSWORD ?? '') };
  }
  return null;
}
