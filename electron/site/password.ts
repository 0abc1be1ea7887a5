// The site-mode admin password: generated on first start, shown once by the caller, stored
// only as a salted scrypt hash (site-admin.json in the data dir, mode 0600).
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ADMIN_FILE = 'site-admin.json';

interface StoredHash {
  version: 1;
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  keylen: number;
  salt: string; // base64
  hash: string; // base64
  createdAt: string;
}

const PARAMS = { N: 1 << 15, r: 8, p: 1, keylen: 32 } as const;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, { ...opts, maxmem: 128 * opts.N! * opts.r! * 2 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** A password a technician can type: 20 characters from an unambiguous alphabet (~100 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(40);
  let out = '';
  for (const b of bytes) {
    if (b >= 256 - (256 % alphabet.length)) continue; // no modulo bias
    out += alphabet[b % alphabet.length];
    if (out.length === 20) break;
  }
  if (out.length < 20) return generatePassword();
  return `${out.slice(0, 5)}-${out.slice(5, 10)}-${out.slice(10, 15)}-${out.slice(15)}`;
}

export async function hashPassword(password: string): Promise<StoredHash> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, PARAMS.keylen, { N: PARAMS.N, r: PARAMS.r, p: PARAMS.p });
  return {
    version: 1,
    algorithm: 'scrypt',
    ...PARAMS,
    salt: salt.toString('base64'),
    hash: key.toString('base64'),
    createdAt: new Date().toISOString(),
  };
}

export async function verifyPassword(password: string, stored: StoredHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await scrypt(password, Buffer.from(stored.salt, 'base64'), expected.length, { N: stored.N, r: stored.r, p: stored.p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

function isStoredHash(x: unknown): x is StoredHash {
  const s = x as StoredHash;
  return (
    !!s &&
    s.algorithm === 'scrypt' &&
    [s.N, s.r, s.p, s.keylen].every((n) => Number.isInteger(n) && n > 0) &&
    typeof s.salt === 'string' &&
    typeof s.hash === 'string'
  );
}

async function fileStamp(file: string): Promise<string | null> {
  try {
    const s = await stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

async function writeStored(dataDir: string, file: string, stored: StoredHash): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export class AdminPassword {
  private constructor(
    private stored: StoredHash,
    readonly file: string,
    private stamp: string | null,
  ) {}

  /**
   * Loads the stored hash, or creates a new password when there is none (or when `reset`).
   * `created` is the clear-text password exactly when it was just generated: show it once.
   */
  static async open(dataDir: string, opts: { reset?: boolean } = {}): Promise<{ admin: AdminPassword; created: string | null }> {
    const file = join(dataDir, ADMIN_FILE);
    if (!opts.reset) {
      let text: string | null = null;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (text !== null) {
        const parsed = parseStored(text);
        if (!parsed) throw new Error(`${file} is damaged; run \`se3kit serve --reset-password\` to set a new admin password`);
        return { admin: new AdminPassword(parsed, file, await fileStamp(file)), created: null };
      }
    }
    const password = generatePassword();
    const stored = await hashPassword(password);
    await writeStored(dataDir, file, stored);
    return { admin: new AdminPassword(stored, file, await fileStamp(file)), created: password };
  }

  /**
   * Picks up a password replaced on disk (`se3kit serve --reset-password` while this server
   * runs). True when the password changed. A damaged file leaves the current one in force.
   */
  async refresh(): Promise<boolean> {
    const stamp = await fileStamp(this.file);
    if (stamp === null || stamp === this.stamp) return false;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return false;
    }
    const parsed = parseStored(text);
    this.stamp = stamp;
    if (!parsed || (parsed.hash === this.stored.hash && parsed.salt === this.stored.salt)) return false;
    this.stored = parsed;
    return true;
  }

  verify(password: string): Promise<boolean> {
    return verifyPassword(password, this.stored);
  }
}

function parseStored(text: string): StoredHash | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return isStoredHash(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
