// The desktop SecretStore on a FAKE electron safeStorage (a reversible cipher standing in for
// the OS keychain): only encrypted blobs reach the disk, written atomically with mode 0600;
// nothing is stored when encryption is unavailable (or Linux's plaintext 'basic_text'); and the
// adopt path of the deploy jobs service keeps a password only when asked and possible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSafeStorageSecretStore, type SafeStorageLike } from '../../electron/main/safe-storage';
import { createDeployJobs } from '../../electron/deploy/jobs';

const MAGIC = Buffer.from('FAKEKEYCHAIN:');

/** A fake safeStorage: XOR with a key, prefixed, so a plaintext password never appears on disk. */
function fakeSafeStorage(opts: { available?: boolean; backend?: string } = {}) {
  const calls: string[] = [];
  const xor = (b: Buffer) => Buffer.from(b.map((x, i) => x ^ (0x5a + (i % 7))));
  const safeStorage: SafeStorageLike & { available: boolean } = {
    available: opts.available ?? true,
    isEncryptionAvailable() {
      calls.push('isEncryptionAvailable');
      return this.available;
    },
    encryptString(plain) {
      calls.push('encryptString');
      if (!this.available) throw new Error('Encryption is not available.');
      return Buffer.concat([MAGIC, xor(Buffer.from(plain, 'utf8'))]);
    },
    decryptString(enc) {
      calls.push('decryptString');
      if (!enc.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return xor(enc.subarray(MAGIC.length)).toString('utf8');
    },
    getSelectedStorageBackend: opts.backend === undefined ? undefined : () => opts.backend!,
  };
  return { electron: { safeStorage }, calls };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'se3kit-secrets-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('stores only encrypted blobs, 0600, atomically; reads and deletes them', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'data', 'secrets.json');
  const { electron, calls } = fakeSafeStorage({ backend: 'gnome_libsecret' });
  const store = createSafeStorageSecretStore(electron, file);
  assert.equal(store.persistent, true);
  assert.equal(store.note, undefined);
  assert.equal(await store.get('box-password:root@10.0.0.5:22'), null);

  await store.set('box-password:root@10.0.0.5:22', 'hunter2-Secret!');
  await store.set('box-password:root@10.0.0.6:22', 'other-pw');
  assert.ok(calls.includes('encryptString'));
  const text = readFileSync(file, 'utf8');
  assert.doesNotMatch(text, /hunter2|other-pw/, 'no plaintext password on disk');
  const onDisk = JSON.parse(text) as Record<string, string>;
  assert.ok(Buffer.from(onDisk['box-password:root@10.0.0.5:22']!, 'base64').subarray(0, MAGIC.length).equals(MAGIC), 'the blob is what encryptString returned');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(dir, 'data')), ['secrets.json'], 'no temp file left behind');

  assert.equal(await store.get('box-password:root@10.0.0.5:22'), 'hunter2-Secret!');
  // a second store on the same file (the next app start) reads it back
  const again = createSafeStorageSecretStore(fakeSafeStorage().electron, file);
  assert.equal(await again.get('box-password:root@10.0.0.6:22'), 'other-pw');

  await store.delete('box-password:root@10.0.0.5:22');
  assert.equal(await store.get('box-password:root@10.0.0.5:22'), null);
  assert.equal(await store.get('box-password:root@10.0.0.6:22'), 'other-pw');
  await store.delete('box-password:root@10.0.0.6:22');
  assert.equal(existsSync(file), false, 'the file goes when the last secret does');
});

test('encryption unavailable: nothing is stored, and the store says why', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'secrets.json');
  const { electron, calls } = fakeSafeStorage({ available: false });
  const store = createSafeStorageSecretStore(electron, file);
  assert.equal(store.persistent, false);
  assert.match(store.note ?? '', /not stored/);
  await assert.rejects(store.set('box-password:root@10.0.0.5:22', 'pw'), /Passwords are not stored/);
  assert.equal(existsSync(file), false);
  assert.equal(calls.includes('encryptString'), false);
  assert.equal(await store.get('box-password:root@10.0.0.5:22'), null);
});

test("Linux 'basic_text' (no keyring) counts as unavailable", async (t) => {
  const file = join(tempDir(t), 'secrets.json');
  const store = createSafeStorageSecretStore(fakeSafeStorage({ backend: 'basic_text' }).electron, file);
  assert.equal(store.persistent, false);
  assert.match(store.note ?? '', /keyring/);
  await assert.rejects(store.set('x', 'pw'));
  assert.equal(existsSync(file), false);
});

test('no safeStorage at all (a bare electron module) is unavailable, not a crash', async (t) => {
  const store = createSafeStorageSecretStore({} as { safeStorage: SafeStorageLike }, join(tempDir(t), 'secrets.json'));
  assert.equal(store.persistent, false);
});

test('a blob the keychain cannot decrypt, or a corrupt file, reads as absent', async (t) => {
  const file = join(tempDir(t), 'secrets.json');
  writeFileSync(file, JSON.stringify({ a: Buffer.from('not-ours').toString('base64'), b: 42 }));
  const store = createSafeStorageSecretStore(fakeSafeStorage().electron, file);
  assert.equal(await store.get('a'), null);
  assert.equal(await store.get('b'), null);
  writeFileSync(file, '{not json');
  assert.equal(await store.get('a'), null);
  await store.set('c', 'pw'); // a corrupt file is replaced, not a crash
  assert.equal(await store.get('c'), 'pw');
});

test('the deploy jobs service reports what the store can do', (t) => {
  const dir = tempDir(t);
  const on = createDeployJobs({ dataDir: dir, secretStore: createSafeStorageSecretStore(fakeSafeStorage().electron, join(dir, 's.json')) });
  assert.deepEqual({ ...on.info(), installationKey: null }, { canRememberPasswords: true, passwordNote: null, installationKey: null });
  const off = createDeployJobs({ dataDir: dir, secretStore: createSafeStorageSecretStore(fakeSafeStorage({ available: false }).electron, join(dir, 's.json')) });
  assert.equal(off.info().canRememberPasswords, false);
  assert.match(off.info().passwordNote ?? '', /not stored/);
  const site = createDeployJobs({ dataDir: dir });
  assert.equal(site.info().canRememberPasswords, false);
  assert.match(site.info().passwordNote ?? '', /never stored in site mode/);
});
