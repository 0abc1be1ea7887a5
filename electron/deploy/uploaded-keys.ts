// SSH private keys a technician uploads through the API (the Deploy page's "key file" login):
// kept in <data dir>/deploy/keys/<id> (0600, the folder 0700) with a small <id>.json beside it
// (label, public key fingerprint, when). API jobs name a key only by its id, never by a path, so a
// request cannot point the services at any other file on the machine.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { ensureDataDir, ensurePrivateDir, writeSecretFile } from '../data-dir';

export interface UploadedKey {
  id: string;
  /** The technician's label (e.g. the original file name). */
  name: string;
  /** SHA256:... of the public key, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  keyType: string;
  addedAt: string;
}

export const KEY_ID_RE = /^key-[0-9a-f]{16}$/;
export const MAX_KEY_BYTES = 16 * 1024;

export class KeyUploadError extends Error {}

function keysDir(dataDir: string): string {
  return join(dataDir, 'deploy', 'keys');
}

/** The path of an uploaded key, or null when there is no such key (the id is checked first). */
export function uploadedKeyPath(dataDir: string, id: string): string | null {
  if (!KEY_ID_RE.test(id)) return null;
  const p = join(keysDir(dataDir), id);
  try {
    readFileSync(`${p}.json`);
    return p;
  } catch {
    return null;
  }
}

/** Checks and stores a private key; the same key uploaded again gets the same id. */
export function storeUploadedKey(dataDir: string, name: string, privateKey: string): UploadedKey {
  if (Buffer.byteLength(privateKey) > MAX_KEY_BYTES) throw new KeyUploadError('that file is too large to be an SSH private key');
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new KeyUploadError(
      encrypted
        ? 'that key is protected by a passphrase; use a key without one (or remove the passphrase with `ssh-keygen -p -f FILE`)'
        : 'that file is not an SSH private key (OpenSSH or PEM format)',
    );
  }
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  if (!key.isPrivateKey()) throw new KeyUploadError('that is a public key; upload the private key (the file without .pub)');
  const pub = key.getPublicSSH();
  const fingerprint = `SHA256:${createHash('sha256').update(pub).digest('base64').replace(/=+$/, '')}`;
  const id = `key-${createHash('sha256').update(pub).digest('hex').slice(0, 16)}`;
  const meta: UploadedKey = { id, name: name.slice(0, 200) || 'uploaded key', fingerprint, keyType: key.type, addedAt: new Date().toISOString() };
  ensureDataDir(dataDir);
  ensurePrivateDir(join(dataDir, 'deploy'), true);
  ensurePrivateDir(keysDir(dataDir), true);
  writeSecretFile(join(keysDir(dataDir), id), privateKey.endsWith('\n') ? privateKey : `${privateKey}\n`);
  writeSecretFile(join(keysDir(dataDir), `${id}.json`), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

export function listUploadedKeys(dataDir: string): UploadedKey[] {
  let names: string[];
  try {
    names = readdirSync(keysDir(dataDir));
  } catch {
    return [];
  }
  const out: UploadedKey[] = [];
  for (const n of names) {
    if (!n.endsWith('.json') || !KEY_ID_RE.test(n.slice(0, -5))) continue;
    try {
      out.push(JSON.parse(readFileSync(join(keysDir(dataDir), n), 'utf8')) as UploadedKey);
    } catch {
      /* damaged: not offered */
    }
  }
  return out.sort((a, b) => a.addedAt.localeCompare(b.addedAt));
}

export function deleteUploadedKey(dataDir: string, id: string): boolean {
  const p = uploadedKeyPath(dataDir, id);
  if (!p) return false;
  rmSync(p, { force: true });
  rmSync(`${p}.json`, { force: true });
  return true;
}
