// se3 agent database self-check (app/db-check.mjs in the bundle): opens an SQLite database with
// the agent's storage module (agent/store/db.ts, the bundle's sqlite3 native binary), writes a
// row, closes, reopens and reads it back. Usage: node app/db-check.mjs DIR. Prints one JSON
// object; exit 0 when the row read back equals the one written, 1 otherwise.
import { openAgentDb } from '../../agent/store/db';

const MIGRATIONS = [{ version: 1, sql: 'CREATE TABLE db_check (id INTEGER PRIMARY KEY, note TEXT NOT NULL, at TEXT NOT NULL)' }];

async function main(): Promise<number> {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: db-check.mjs DIR\n');
    return 2;
  }
  const note = `se3-agent db-check ${process.arch} ${process.pid}`;
  const db = await openAgentDb(dir, { file: 'db-check.db', migrations: MIGRATIONS });
  const { lastID } = await db.run('INSERT INTO db_check (note, at) VALUES (?, ?)', [note, new Date().toISOString()]);
  const journal = (await db.get<{ journal_mode: string }>('PRAGMA journal_mode'))?.journal_mode;
  await db.close();
  const again = await openAgentDb(dir, { file: 'db-check.db', migrations: MIGRATIONS });
  const row = await again.get<{ id: number; note: string }>('SELECT id, note FROM db_check WHERE id = ?', [lastID]);
  const rows = (await again.get<{ n: number }>('SELECT count(*) AS n FROM db_check'))?.n;
  const sqlite = (await again.get<{ v: string }>('SELECT sqlite_version() AS v'))?.v;
  const schemaVersion = again.schemaVersion;
  await again.close();
  const ok = row?.note === note;
  process.stdout.write(`${JSON.stringify({ ok, arch: process.arch, sqlite, journal, schemaVersion, id: lastID, rows, path: again.path })}\n`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stdout.write(`${JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code })}\n`);
    process.exit(1);
  },
);
