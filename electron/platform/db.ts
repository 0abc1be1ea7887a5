// The platform's SQLite database (<data>/platform.db) through the agent's db wrapper
// (agent/store/db.ts: WAL, ordered migrations, promise API). Migrations only add.
import { openAgentDb, type AgentDb, type Migration } from '../../agent/store/db';
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
