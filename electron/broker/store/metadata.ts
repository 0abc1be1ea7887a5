// The broker's definitions (users, vhosts, permissions, durable exchanges/queues/bindings)
// as one JSON file, replaced atomically (write temp, fsync, rename, fsync dir) on every change.
import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fsyncDir } from './records';

const table = z.record(z.string(), z.any());

export const definitionsSchema = z.object({
  version: z.literal(1),
  users: z.array(z.object({ name: z.string(), passwordHash: z.string(), tags: z.array(z.string()), hashing: z.enum(['sha256', 'sha512', 'md5']).optional() })),
  vhosts: z.array(
    z.object({
      name: z.string(),
      exchanges: z.array(
        z.object({ name: z.string(), type: z.string(), autoDelete: z.boolean(), internal: z.boolean(), args: table }),
      ),
      queues: z.array(z.object({ name: z.string(), autoDelete: z.boolean(), args: table, dir: z.string() })),
      bindings: z.array(
        z.object({
          source: z.string(),
          destination: z.string(),
          destinationType: z.enum(['queue', 'exchange']),
          routingKey: z.string(),
          args: table,
        }),
      ),
    }),
  ),
  permissions: z.array(
    z.object({ user: z.string(), vhost: z.string(), configure: z.string(), write: z.string(), read: z.string() }),
  ),
});
export type Definitions = z.infer<typeof definitionsSchema>;

export function loadDefinitions(dataDir: string): Definitions | null {
  const path = join(dataDir, 'definitions.json');
  if (!existsSync(path)) return null;
  const parsed = definitionsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a valid broker definitions file: ${parsed.error.message}`);
  return parsed.data;
}

export function saveDefinitions(dataDir: string, defs: Definitions, tmpName = 'definitions.json.tmp'): void {
  const path = join(dataDir, 'definitions.json');
  const tmp = join(dataDir, tmpName);
  // Password hashes: readable by this OS user only (0600), also when the temp file existed.
  const fd = openSync(tmp, 'w', 0o600);
  fchmodSync(fd, 0o600);
  writeSync(fd, JSON.stringify(defs));
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dataDir);
}

/** Creates the broker's data directory (and missing parents) for this OS user only: 0700, also
 *  when it already existed (then only if this user owns it; otherwise it is left as it is). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch {
    /* not ours to change */
  }
}

/** The running broker's writer of definitions.json: saveSync for management calls, save (the
 *  fsyncs off the event loop) for changes made by clients. Each write has its own temp file;
 *  renames happen on the event loop in order, and an older write never replaces a newer one. */
export class DefinitionsWriter {
  private gen = 0;
  private renamed = 0;

  constructor(private readonly dir: string) {
    for (const f of readdirSync(dir)) if (/^definitions\.json\.tmp/.test(f)) rmSync(join(dir, f), { force: true });
  }

  saveSync(defs: Definitions): void {
    const g = ++this.gen;
    saveDefinitions(this.dir, defs, `definitions.json.tmp-${g}`);
    this.renamed = g;
  }

  async save(defs: Definitions): Promise<void> {
    const g = ++this.gen;
    const tmp = join(this.dir, `definitions.json.tmp-${g}`);
    const fh = await openAsync(tmp, 'w', 0o600);
    try {
      await fh.chmod(0o600);
      await fh.writeFile(JSON.stringify(defs));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    if (g < this.renamed) {
      rmSync(tmp, { force: true }); // a newer state is already in place
      return;
    }
    renameSync(tmp, join(this.dir, 'definitions.json'));
    this.renamed = g;
    const dh = await openAsync(this.dir, 'r');
    try {
      await dh.sync();
    } catch {
      /* some filesystems refuse directory fsync */
    } finally {
      await dh.close();
    }
  }
}
