// The box's commissioning values (DevSno, LoginUrl), persisted in the data directory.
// Each change is written atomically before it is acknowledged, then announced to listeners
// (mDNS re-announce, and the platform login once that exists).
import { EventEmitter } from 'node:events';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from './atomic-file';

export interface BoxConfigValues {
  dev_sno: string | null;
  login_url: string | null;
}

export class ConfigStore extends EventEmitter<{ change: [BoxConfigValues, keyof BoxConfigValues] }> {
  private values: BoxConfigValues = { dev_sno: null, login_url: null };
  private readonly file: string;
  /** Serialises writes so two PUTs never interleave their temp files and renames. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly dataDir: string) {
    super();
    this.file = join(dataDir, 'box-config.json');
  }

  static async open(dataDir: string): Promise<ConfigStore> {
    await mkdir(dataDir, { recursive: true });
    const store = new ConfigStore(dataDir);
    // A kill -9 between writing a temp file and renaming it leaves the temp file behind.
    for (const name of await readdir(dataDir)) {
      if (name.startsWith('.box-config.json.') && name.endsWith('.tmp')) await unlink(join(dataDir, name)).catch(() => undefined);
    }
    const saved = await readJsonFile<Partial<BoxConfigValues>>(store.file);
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
    const next = { ...this.values, [field]: value };
    const write = this.writing.then(() => writeFileAtomic(this.file, JSON.stringify(next, null, 2) + '\n'));
    this.writing = write.catch(() => undefined);
    await write;
    this.values = next;
    this.emit('change', this.get(), field);
  }
}
