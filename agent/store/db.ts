// The agent's SQLite database (<data dir>/agent.db) through sqlite3 (node-sqlite3, N-API; the
// agent bundle ships its native binary for the box's architecture). The foundation the agent's
// users/events storage builds on: WAL journal (readers never wait for the writer; a power cut
// loses at most the last transactions, never the file), a schema_version table with ordered
// migrations, and a promise wrapper (run/get/all/exec/close).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';

export const DB_FILE = 'agent.db';

export type SqlParams = unknown[] | Record<string, unknown>;

export interface RunResult {
  /** rowid of the last inserted row (INSERT only). */
  lastID: number;
  /** rows changed (INSERT/UPDATE/DELETE). */
  changes: number;
}

/** One schema step: `version` 1, 2, 3... in order; `sql` may hold several statements. */
export interface Migration {
  version: number;
  sql: string;
}

export type DbErrorCode = 'DB_CORRUPT' | 'DB_OPEN' | 'DB_MIGRATE' | 'DB_CLOSED' | 'DB_QUERY';

export class DbError extends Error {
  constructor(
    readonly code: DbErrorCode,
    message: string,
    /** sqlite3's code (SQLITE_NOTADB, SQLITE_CORRUPT, SQLITE_CANTOPEN, ...) when there is one. */
    readonly sqliteCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DbError';
  }
}

export interface AgentDb {
  readonly path: string;
  /** The schema version after migrations (0: no migrations yet). */
  readonly schemaVersion: number;
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  get<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T | undefined>;
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Runs one or more statements without parameters (in one call: nothing interleaves). */
  exec(sql: string): Promise<void>;
  /** Checkpoints the WAL into the database file and closes it; later calls reject (DB_CLOSED). */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** File name inside the data dir (default agent.db). */
  file?: string;
  /** Schema steps; those above the stored version are applied in order, each in a transaction. */
  migrations?: Migration[];
  /** How long a statement waits for a lock held by another connection (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * A read-only connection to a database another connection has opened (and migrated) in WAL
   * mode: no migrations; its reads see the last committed state and never wait for the writer.
   */
  readOnly?: boolean;
}

const CORRUPT = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function corrupt(path: string, err: unknown): DbError {
  const code = sqliteCode(err);
  return new DbError(
    'DB_CORRUPT',
    `the agent database ${path} is corrupt or not an SQLite database (${code}: ${(err as Error).message.replace(/^SQLITE_\w+: /, '')}); ` +
      'stop the agent and move the file (and its -wal/-shm files) aside to start with an empty database',
    code,
    { cause: err },
  );
}

/** Maps an sqlite3 error to a DbError (corruption gets its own code and advice). */
function wrap(path: string, err: unknown, code: DbErrorCode, what: string): DbError {
  if (err instanceof DbError) return err;
  const sc = sqliteCode(err);
  if (sc && CORRUPT.has(sc)) return corrupt(path, err);
  return new DbError(code, `${what} (${path}): ${(err as Error)?.message ?? String(err)}`, sc, { cause: err });
}

class Db implements AgentDb {
  schemaVersion = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly db: sqlite3.Database,
  ) {}

  private guard(): void {
    if (this.closed) throw new DbError('DB_CLOSED', `the agent database ${this.path} is closed`);
  }

  async run(sql: string, params: SqlParams = []): Promise<RunResult> {
    this.guard();
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(err);
        else resolve({ lastID: this.lastID, changes: this.changes });
      });
    }).catch((err: unknown) => {
      throw wrap(this.path, err, 'DB_QUERY', 'query failed');
    }) as Promise<RunResult>;
  }

  async get<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    this.guard();
    return new Promise<T | undefined>((resolve, reject) => {
      this.db.get(sql, params, (err: Error | null, row: T | undefined) => (err ? reject(err) : resolve(row)));
    }).catch((err: unknown) => {
      throw wrap(this.path, err, 'DB_QUERY', 'query failed');
    });
  }

  async all<T = Record<string, unknown>>(sql: string, params: SqlParams = []): Promise<T[]> {
    this.guard();
    return new Promise<T[]>((resolve, reject) => {
      this.db.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
    }).catch((err: unknown) => {
      throw wrap(this.path, err, 'DB_QUERY', 'query failed');
    });
  }

  async exec(sql: string): Promise<void> {
    this.guard();
    return new Promise<void>((resolve, reject) => {
      this.db.exec(sql, (err: Error | null) => (err ? reject(err) : resolve()));
    }).catch((err: unknown) => {
      throw wrap(this.path, err, 'DB_QUERY', 'statement failed');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve, reject) => this.db.close((err: Error | null) => (err ? reject(wrap(this.path, err, 'DB_QUERY', 'closing failed')) : resolve())));
  }

  /** Closes without reporting errors (after a failed open). */
  async discard(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => this.db.close(() => resolve()));
  }
}

function openRaw(path: string, readOnly = false): Promise<sqlite3.Database> {
  const mode = readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
  return new Promise((resolve, reject) => {
    const db: sqlite3.Database = new sqlite3.Database(path, mode | sqlite3.OPEN_FULLMUTEX, (err: Error | null) =>
      err ? reject(err) : resolve(db),
    );
  });
}

/**
 * Opens (creating if needed) the agent's database in `dataDir`, switches it to WAL and applies
 * pending migrations. A file that is not an SQLite database, or a damaged one, rejects with
 * DbError code DB_CORRUPT naming the file.
 */
export async function openAgentDb(dataDir: string, opts: OpenOptions = {}): Promise<AgentDb> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, opts.file ?? DB_FILE);
  let raw: sqlite3.Database;
  try {
    raw = await openRaw(path, opts.readOnly);
  } catch (err) {
    throw wrap(path, err, 'DB_OPEN', 'cannot open the agent database');
  }
  const db = new Db(path, raw);
  try {
    raw.configure('busyTimeout', opts.busyTimeoutMs ?? 5000);
    // reading the schema reads the header: a file that is not a database fails here
    await db.get('SELECT count(*) AS n FROM sqlite_master');
    if (opts.readOnly) {
      const mode = await db.get<{ journal_mode: string }>('PRAGMA journal_mode');
      if (mode?.journal_mode?.toLowerCase() !== 'wal') throw new DbError('DB_OPEN', `${path} is not in WAL mode (journal_mode is ${mode?.journal_mode}); open it read-write first`);
      await db.exec('PRAGMA query_only = ON;');
      const v = await db.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
      db.schemaVersion = v?.v ?? 0;
      return db;
    }
    const mode = await db.get<{ journal_mode: string }>('PRAGMA journal_mode = WAL');
    if (mode?.journal_mode?.toLowerCase() !== 'wal') throw new DbError('DB_OPEN', `cannot switch ${path} to WAL mode (journal_mode is ${mode?.journal_mode})`);
    // WAL + NORMAL: durable across application crashes; a power cut may lose the last commits
    await db.exec('PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
    await db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const row = await db.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_version');
    db.schemaVersion = row?.v ?? 0;
    const steps = [...(opts.migrations ?? [])].sort((a, b) => a.version - b.version);
    for (const [i, m] of steps.entries()) {
      if (!Number.isInteger(m.version) || m.version < 1 || (i > 0 && m.version === steps[i - 1]!.version)) {
        throw new DbError('DB_MIGRATE', `migration versions must be distinct integers ≥ 1 (got ${m.version})`);
      }
    }
    // A newer schema than this agent knows (a rolled-back release on the same data dir) is left
    // as it is: migrations only add, so older code keeps working with what it knows.
    for (const m of steps) {
      if (m.version <= db.schemaVersion) continue;
      try {
        await db.exec(
          `BEGIN IMMEDIATE;\n${m.sql};\nINSERT INTO schema_version (version, applied_at) VALUES (${m.version}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));\nCOMMIT;`,
        );
      } catch (err) {
        await db.exec('ROLLBACK').catch(() => undefined);
        if (err instanceof DbError && err.code === 'DB_CORRUPT') throw err;
        throw new DbError('DB_MIGRATE', `schema migration ${m.version} failed on ${path}: ${(err as Error).message}`, sqliteCode(err), { cause: err });
      }
      db.schemaVersion = m.version;
    }
    return db;
  } catch (err) {
    await db.discard();
    throw wrap(path, err, 'DB_OPEN', 'cannot open the agent database');
  }
}
