// The box's commissioning values (DevSno, LoginUrl), persisted in the data directory.
// Each change is written atomically before it is acknowledged, then announced to listeners
// (mDNS re-announce, and the platform login once that exists). Changes are serialised as whole
// read-modify-write steps, so two PUTs of different fields never lose one of them. A damaged
// file is moved aside (box-config.json.damaged-<time>) and the box starts unconfigured.
import { EventEmitter } from 'node:events';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic-file';

export interface BoxConfigValues {
  dev_sno: string | null;
  login_url: string | null;
}

export class ConfigStore extends EventEmitter<{ change: [BoxConfigValues, keyof BoxConfigValues] }> {
  private values: BoxConfigValues = { dev_sno: null, login_url: null };
  private readonly file: string;
  /** Serialises changes: each one reads the values, writes the file and updates memory before the next starts. */
  private writing: Promise<void> = Promise.resolve();
  /** Set by open() when a damaged file was moved aside: where it is now. */
  damagedFile: string | null = null;

  private constructor(readonly dataDir: string) {
    super();
    this.file = join(dataDir, 'box-config.json');
  }

  static async open(dataDir: string, log: (line: string) => void = () => undefined): Promise<ConfigStore> {
    await mkdir(dataDir, { recursive: true });
    const store = new ConfigStore(dataDir);
    // A kill -9 between writing a temp file and renaming it leaves the temp file behind.
    for (const name of await readdir(dataDir)) {
      if (name.startsWith('.box-config.json.') && name.endsWith('.tmp')) await unlink(join(dataDir, name)).catch(() => undefined);
    }
    let saved: Partial<BoxConfigValues> | null;
    try {
      saved = await readJsonFile<Partial<BoxConfigValues>>(store.file);
      if (saved !== null && (typeof saved !== 'object' || Array.isArray(saved))) throw new Error('not a JSON object');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code && !(err instanceof SyntaxError)) throw err; // unreadable (permissions, I/O): not ours to move
      const aside = `${store.file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(store.file, aside);
      store.damagedFile = aside;
      log(`${store.file} was damaged (${(err as Error).message}); moved it to ${aside} and started with DevSno and LoginUrl unset — set them again (se3kit configure)`);
      saved = null;
    }
    if (saved) {
      store.values = {
        dev_sno: typeof saved.dev_sno === 'string' ? saved.dev_sno : null,
        login_url: typeof saved.login_url === 'string' ? saved.login_url : null,
      };
    }
    return store;
  }

  get(): BoxConfigValues {
    return { ...this.values };
  }

  /** Persists one value (already validated by the caller), then emits 'change'. */
  async set(field: keyof BoxConfigValues, value: string): Promise<void> {
    const change = this.writing.then(async () => {
      const next = { ...this.values, [field]: value };
      await writeFileAtomic(this.file, JSON.stringify(next, null, 2) + '\n');
      this.values = next;
    });
    this.writing = change.catch(() => undefined);
    await change;
    this.emit('change', this.get(), field);
  }
}
