// What the platform's parts share: the database and its stores, the one write lock, the
// settings, change events (with the automatic sync they trigger), the broker provisioner and
// the AMQP link. service.ts composes the parts (lifecycle, device admin, box handlers, people
// admin, sync runner) around one PlatformCore.
import { EventEmitter } from 'node:events';
import type { BrokerControl } from '../broker/control';
import type { AmqpLink } from './amqp-link';
import type { BrokerProvisioner } from './broker-provision';
import type { CommandRetention } from './commands-retention';
import { transaction, type PlatformDb, type SnapshotReads } from './db';
import type { PlatformEventsSettings } from './events';
import { DeviceStore } from './devices';
import { PeopleStore } from './people';
import { PhotoStore, type CheckPhoto } from './photos';
import type { ResultsMode, SyncDeps } from './sync';

export interface PlatformOptions {
  dataDir: string;
  /** Box-facing port (default 8090; 0 = any free port) and address (default all interfaces). */
  boxPort?: number;
  boxHost?: string;
  /** Connections one address may hold at once on the box port (default 256; 1–65535): boxes behind one NAT address share it. Beyond it, a 503 saying why. */
  boxConnectionsPerAddress?: number;
  /** The embedded broker (Broker panel's control) and the port it is started on when stopped. */
  brokerControl?: BrokerControl;
  amqpPort?: number;
  /** Another provisioner (external RabbitMQ); replaces the embedded broker. */
  provisioner?: (platformPassword: string) => BrokerProvisioner;
  /** Checks a photo with the face engine. */
  checkPhoto: CheckPhoto;
  /** A command without a result this long is re-sent on the next sync (default 120 s). */
  resendAfterMs?: number;
  /** Sync automatically after changes and when a box logs in (default true). */
  autoSync?: boolean;
  /** How long settled commands are kept and the table's row cap (commands-retention.ts). */
  commandRetention?: Partial<CommandRetention>;
  /** Unreferenced photo files younger than this are never swept (photo-sweep.ts; default 1 h). */
  photoGraceMs?: number;
  /** How often each box's broker link is looked at, so the pages show a box connecting or dropping (connection-watch.ts; default 3 s). */
  linkWatchMs?: number;
  /** The §6 reports: periods handed to boxes at login and the events retention (events/). */
  events?: PlatformEventsSettings;
}

export const SETTING_RESULTS = 'results_mode';
export const SETTING_INLINE = 'inline_users';
export const SETTING_BROKER_PASSWORD = 'platform_broker_password';

/** What a read sees: one committed state of the database, through the stores. */
export interface PlatformSnapshot {
  db: PlatformDb;
  devices: DeviceStore;
  people: PeopleStore;
}

export class PlatformCore {
  readonly devices: DeviceStore;
  readonly people: PeopleStore;
  readonly photos: PhotoStore;
  /** Set by the lifecycle's start (before anything uses them). */
  provisioner!: BrokerProvisioner;
  link!: AmqpLink;
  readonly settings = new Map<string, string>();
  readonly deps: SyncDeps;
  closed = false;
  /** The sync runner's automatic sync of every box (set when the runner is made). */
  syncAll: () => Promise<unknown> = async () => undefined;
  private readonly events = new EventEmitter();
  private chain: Promise<unknown> = Promise.resolve();
  private syncTimer: NodeJS.Timeout | undefined;

  constructor(
    /** The writer's connection: only inside `serial`/`write` (a writer reading its own rows). */
    readonly db: PlatformDb,
    readonly o: PlatformOptions,
    /** The readers' connections (db.ts SnapshotReads): every read outside the write lock. */
    readonly reads: SnapshotReads,
  ) {
    this.devices = new DeviceStore(db);
    this.people = new PeopleStore(db);
    this.photos = new PhotoStore(o.dataDir);
    this.events.setMaxListeners(0);
    this.deps = {
      db,
      photos: this.photos,
      publish: (d, body) => this.link.publish(d, body),
      resultsMode: () => (this.settings.get(SETTING_RESULTS) as ResultsMode | undefined) ?? 'queue',
      inlineUsers: () => this.settings.get(SETTING_INLINE) === '1',
      resendAfterMs: o.resendAfterMs ?? 120_000,
      startedAt: Date.now(),
      lock: (fn) => this.serial(fn),
      read: (fn) => reads.read(fn),
    };
  }

  get autoSync(): boolean {
    return this.o.autoSync !== false;
  }

  /** Database writes one at a time (transactions never interleave). */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Database writes in one transaction (BEGIN IMMEDIATE … COMMIT), one at a time. */
  write<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(() => transaction(this.db, fn));
  }

  /**
   * A read outside the write lock: `fn` sees one committed state (never a transaction in
   * flight) and never waits for a writer.
   */
  read<T>(fn: (s: PlatformSnapshot) => Promise<T>): Promise<T> {
    return this.reads.read((db) => fn({ db, devices: new DeviceStore(db), people: new PeopleStore(db) }));
  }

  async loadSettings(): Promise<void> {
    for (const r of await this.db.all<{ key: string; value: string }>('SELECT key, value FROM settings')) this.settings.set(r.key, r.value);
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.setSettings([[key, value]]);
  }

  /** Several settings in one transaction: all stored and in force, or none. */
  async setSettings(entries: Array<[string, string]>): Promise<void> {
    await this.write(async () => {
      for (const [key, value] of entries) {
        await this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
      }
    });
    for (const [key, value] of entries) this.settings.set(key, value);
  }

  onChange(listener: (what: string) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  /** Tells listeners; `sync`: the change needs a sync, run automatically a second later. */
  changed(what: string, sync = false): void {
    this.events.emit('change', what);
    if (sync && this.autoSync && !this.closed) {
      clearTimeout(this.syncTimer);
      this.syncTimer = setTimeout(() => void this.syncAll().catch(() => undefined), 1000);
      this.syncTimer.unref();
    }
  }

  /** Closing: no automatic sync any more. */
  stopAutoSync(): void {
    this.closed = true;
    clearTimeout(this.syncTimer);
  }

  /** Waits for the writes in flight. */
  async drain(): Promise<void> {
    await this.chain.catch(() => undefined);
  }
}
