// Keeping <data>/definitions.json current: a snapshot of users, permissions and the durable
// vhost entities, written synchronously (start, management calls, shutdown) or — for changes a
// client makes (declare, delete, bind) — once for all the changes of a turn with the fsyncs off
// the event loop. Connections hold their output until the file is current (whenSaved), so no
// declare-ok, delete-ok or confirm leaves before the definitions it depends on are on disk.
import type { Permissions, User } from './auth';
import { DefinitionsWriter, type Definitions } from './store/metadata';
import type { Vhost } from './vhost';
import { objectList } from './shape';

/** The durable state as stored: users, permissions, durable exchanges, queues and bindings. */
export function snapshotDefinitions(users: Map<string, User>, permissions: Permissions, vhosts: Map<string, Vhost>): Definitions {
  return {
    version: 1,
    users: [...users.values()],
    permissions: permissions.list(),
    vhosts: [...vhosts.values()].map((vh) => ({
      name: vh.name,
      exchanges: [...vh.exchanges.values()]
        .filter((x) => x.durable && !(x.name === '' || x.name.startsWith('amq.')))
        .map((x) => ({ name: x.name, type: x.type, autoDelete: x.autoDelete, internal: x.internal, args: x.args })),
      queues: [...vh.queues.values()]
        .filter((q) => vh.queueDirs.has(q))
        .map((q) => ({ name: q.name, autoDelete: q.opts.autoDelete, args: q.opts.args, dir: vh.queueDirs.get(q)! })),
      bindings: [...vh.exchanges.values()].flatMap((x) => x.bindings.filter((b) => vh.bindingDurable(b))),
    })),
  };
}

export class DefinitionsSaver {
  private writer: DefinitionsWriter | null = null;
  private dirty = false;
  private writing = false;
  private waiters: Array<() => void> = objectList();

  constructor(
    private readonly dataDir: string,
    private readonly snapshot: () => Definitions,
  ) {}

  /** Writes the current definitions synchronously. */
  saveNow(): void {
    this.dirty = false;
    this.file().saveSync(this.snapshot());
  }

  /** Schedules a write of the definitions for the end of this turn (one for all its changes). */
  saveSoon(): void {
    if (this.dirty) return;
    this.dirty = true;
    if (!this.writing) setImmediate(() => this.write());
  }

  /** True when the definitions on disk are current; else false, and cb runs once they are. */
  whenSaved(cb: () => void): boolean {
    if (!this.dirty && !this.writing) return true;
    this.waiters.push(cb);
    return false;
  }

  /** Writes pending changes synchronously and releases everyone waiting (shutdown). */
  flush(): void {
    if (this.dirty || this.writing) this.saveNow();
    this.release();
  }

  private file(): DefinitionsWriter {
    this.writer ??= new DefinitionsWriter(this.dataDir);
    return this.writer;
  }

  private write(): void {
    if (this.writing || !this.dirty) return;
    this.dirty = false;
    this.writing = true;
    this.file()
      .save(this.snapshot())
      .catch((err: Error) => {
        // e.g. the disk is full: replies stay held; try again
        this.dirty = true;
        process.stderr.write(`broker: the definitions could not be saved (${err.message}); retrying in 1 s\n`);
        return new Promise((r) => setTimeout(r, 1000).unref());
      })
      .finally(() => {
        this.writing = false;
        if (this.dirty) return this.write();
        this.release();
      });
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = objectList();
    for (const cb of w) cb();
  }
}
