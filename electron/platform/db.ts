// The platform's SQLite database (<data>/platform.db) through the agent's db wrapper
// (agent/store/db.ts: WAL, ordered migrations, promise API). Migrations only add.
import { DbError, openAgentDb, type AgentDb, type Migration } from '../../agent/store/db';
import { EVENTS_MIGRATION } from './events/schema';

export type PlatformDb = AgentDb;
export const PLATFORM_DB_FILE = 'platform.db';

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE devices (
  dev_sno TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  mac TEXT,
  token_hash TEXT,
  last_login_at INTEGER,
  last_login_addr TEXT,
  last_seen_at INTEGER,
  broker_user TEXT NOT NULL,
  broker_password TEXT NOT NULL,
  broker_state TEXT NOT NULL DEFAULT 'pending',
  broker_error TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE groups (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE people (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type INTEGER NOT NULL DEFAULT 1,
  register_type INTEGER NOT NULL DEFAULT 1,
  info_json TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE person_groups (
  person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  PRIMARY KEY (person_id, group_id)
);
CREATE TABLE photos (
  person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
  sha256 TEXT NOT NULL,
  ext TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  pass INTEGER NOT NULL,
  score REAL NOT NULL,
  code INTEGER NOT NULL,
  verdict_json TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY (person_id, sha256)
);
CREATE INDEX photos_sha ON photos(sha256);
CREATE TABLE device_groups (
  dev_sno TEXT NOT NULL REFERENCES devices(dev_sno) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  PRIMARY KEY (dev_sno, group_id)
);
CREATE TABLE box_people (
  dev_sno TEXT NOT NULL REFERENCES devices(dev_sno) ON DELETE CASCADE,
  person_id TEXT NOT NULL,
  state TEXT NOT NULL,
  version TEXT NOT NULL,
  code INTEGER,
  message TEXT,
  message_id TEXT,
  sent_at INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (dev_sno, person_id)
);
CREATE TABLE commands (
  message_id TEXT PRIMARY KEY,
  dev_sno TEXT NOT NULL,
  method TEXT NOT NULL,
  body_json TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  answered_at INTEGER,
  result_json TEXT
);
CREATE INDEX commands_dev ON commands(dev_sno, sent_at);
`,
  },
  {
    // commands-retention.ts: which commands people still wait on, and the oldest settled ones
    version: 2,
    sql: `
CREATE INDEX box_people_message ON box_people(message_id);
CREATE INDEX commands_age ON commands(coalesce(answered_at, sent_at));
`,
  },
  EVENTS_MIGRATION,
  {
    // sync.ts: a command committed but never confirmed by the broker (the platform killed between
    // the two) is sent again at the next start, not after the resend time. Older rows were sent.
    version: 4,
    sql: `
ALTER TABLE commands ADD COLUMN published_at INTEGER;
UPDATE commands SET published_at = sent_at;
`,
  },
];

export function openPlatformDb(dataDir: string): Promise<PlatformDb> {
  return openAgentDb(dataDir, { file: PLATFORM_DB_FILE, migrations: MIGRATIONS });
}

/** Runs `fn` inside BEGIN IMMEDIATE … COMMIT (rolled back when it throws). Callers serialise. */
export async function transaction<T>(db: PlatformDb, fn: () => Promise<T>): Promise<T> {
  await db.exec('BEGIN IMMEDIATE');
  try {
    const r = await fn();
    await db.exec('COMMIT');
    return r;
  } catch (err) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Reads on their own read-only connections (WAL): each `read(fn)` runs `fn` inside one read
 * transaction, so every statement of it sees the same committed state — never a writer's
 * transaction half applied, never two commits mixed — and never waits for the writer. A pool
 * of `size` connections: readers wait only for other readers (each holds one for a few ms).
 */
export class SnapshotReads {
  private readonly free: PlatformDb[];
  private readonly waiting: Array<(db: PlatformDb) => void> = [];
  private closed = false;

  constructor(private readonly conns: PlatformDb[]) {
    this.free = [...conns];
  }

  async read<T>(fn: (db: PlatformDb) => Promise<T>): Promise<T> {
    const db = await this.acquire();
    try {
      await db.exec('BEGIN');
      try {
        return await fn(db);
      } finally {
        await db.exec('COMMIT').catch(() => db.exec('ROLLBACK').catch(() => undefined));
      }
    } finally {
      this.release(db);
    }
  }

  private acquire(): Promise<PlatformDb> {
    if (this.closed) return Promise.reject(new DbError('DB_CLOSED', 'the platform database is closed'));
    const db = this.free.pop();
    return db ? Promise.resolve(db) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(db: PlatformDb): void {
    const next = this.waiting.shift();
    if (next) next(db);
    else this.free.push(db);
  }

  /** Closes the connections once the reads in flight are done (before the writer's close). */
  async close(): Promise<void> {
    this.closed = true;
    const all: PlatformDb[] = [];
    while (all.length < this.conns.length) all.push(await new Promise<PlatformDb>((resolve) => (this.free.length ? resolve(this.free.pop()!) : this.waiting.push(resolve))));
    await Promise.all(all.map((db) => db.close()));
  }
}

/** `size` read-only connections to the platform's database (opened by openPlatformDb first). */
export async function openPlatformReads(dataDir: string, size = 2): Promise<SnapshotReads> {
  const conns: PlatformDb[] = [];
  try {
    for (let i = 0; i < size; i++) conns.push(await openAgentDb(dataDir, { file: PLATFORM_DB_FILE, readOnly: true }));
  } catch (err) {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    throw err;
  }
  return new SnapshotReads(conns);
}
