// The agent's SQLite storage (agent/store/db.ts) on the host's sqlite3 build: create, write,
// close, reopen, read; WAL and the schema_version table; a corrupt file gives a clear error.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DbError, openAgentDb, type Migration } from '../../agent/store/db';

const MIGRATIONS: Migration[] = [
  { version: 1, sql: 'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, card TEXT UNIQUE)' },
  { version: 2, sql: 'CREATE TABLE events (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), kind TEXT NOT NULL, at INTEGER NOT NULL); CREATE INDEX events_at ON events(at)' },
];

describe('agent database (sqlite3)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'se3-agent-db-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the database in WAL mode, writes, closes, reopens and reads', async () => {
    const data = join(dir, 'data');
    const db = await openAgentDb(data, { migrations: MIGRATIONS });
    assert.equal(db.path, join(data, 'agent.db'));
    assert.equal(db.schemaVersion, 2);
    assert.equal((await db.get<{ journal_mode: string }>('PRAGMA journal_mode'))?.journal_mode, 'wal');
    const a = await db.run('INSERT INTO users (name, card) VALUES (?, ?)', ['Ada', 'C-1']);
    assert.equal(a.lastID, 1);
    assert.equal(a.changes, 1);
    await db.run('INSERT INTO users (name, card) VALUES ($name, $card)', { $name: 'Zoë 🙂', $card: 'C-2' });
    await db.run('INSERT INTO events (user_id, kind, at) VALUES (?, ?, ?)', [1, 'pass', 1_700_000_000_000]);
    const up = await db.run('UPDATE users SET name = ? WHERE card = ?', ['Ada L.', 'C-1']);
    assert.equal(up.changes, 1);
    assert.equal(await db.get('SELECT * FROM users WHERE card = ?', ['nope']), undefined);
    await assert.rejects(db.run('INSERT INTO users (name, card) VALUES (?, ?)', ['Dup', 'C-1']), (e: DbError) => e instanceof DbError && e.code === 'DB_QUERY' && e.sqliteCode === 'SQLITE_CONSTRAINT');
    // foreign keys are enforced
    await assert.rejects(db.run('INSERT INTO events (user_id, kind, at) VALUES (?, ?, ?)', [99, 'pass', 1]), /FOREIGN KEY/);
    assert.ok(existsSync(`${db.path}-wal`), 'WAL file while open');
    await db.close();
    await db.close(); // twice is fine
    await assert.rejects(db.get('SELECT 1'), (e: DbError) => e.code === 'DB_CLOSED');

    const again = await openAgentDb(data, { migrations: MIGRATIONS });
    assert.equal(again.schemaVersion, 2);
    const users = await again.all<{ id: number; name: string; card: string }>('SELECT id, name, card FROM users ORDER BY id');
    assert.deepEqual(users, [
      { id: 1, name: 'Ada L.', card: 'C-1' },
      { id: 2, name: 'Zoë 🙂', card: 'C-2' },
    ]);
    assert.deepEqual(await again.get('SELECT user_id, kind, at FROM events'), { user_id: 1, kind: 'pass', at: 1_700_000_000_000 });
    // each migration was applied once
    const versions = await again.all<{ version: number }>('SELECT version FROM schema_version ORDER BY version');
    assert.deepEqual(versions.map((v) => v.version), [1, 2]);
    await again.close();
    // the file on disk is an SQLite database
    assert.equal(readFileSync(join(data, 'agent.db')).subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
  });

  it('applies only the new migrations to an existing database', async () => {
    const data = join(dir, 'upgrade');
    const v1 = await openAgentDb(data, { migrations: MIGRATIONS.slice(0, 1) });
    assert.equal(v1.schemaVersion, 1);
    await v1.run("INSERT INTO users (name) VALUES ('kept')");
    await v1.close();
    const v2 = await openAgentDb(data, { migrations: MIGRATIONS });
    assert.equal(v2.schemaVersion, 2);
    assert.equal((await v2.get<{ n: number }>('SELECT count(*) AS n FROM users'))?.n, 1);
    assert.deepEqual(await v2.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'"), [{ name: 'events' }]);
    await v2.close();
    // an older agent (rolled back) opens the newer schema without touching it
    const old = await openAgentDb(data, { migrations: MIGRATIONS.slice(0, 1) });
    assert.equal(old.schemaVersion, 2);
    await old.close();
  });

  it('rolls back a failing migration and says which one', async () => {
    const data = join(dir, 'badmig');
    await assert.rejects(
      openAgentDb(data, { migrations: [MIGRATIONS[0]!, { version: 2, sql: 'CREATE TABLE t2 (x); CREATE TABLE users (oops)' }] }),
      (e: DbError) => e.code === 'DB_MIGRATE' && /migration 2 failed/.test(e.message) && /already exists/.test(e.message),
    );
    const db = await openAgentDb(data, { migrations: MIGRATIONS.slice(0, 1) });
    assert.equal(db.schemaVersion, 1);
    assert.deepEqual(await db.all("SELECT name FROM sqlite_master WHERE name = 't2'"), [], 'the failed step left nothing behind');
    await db.close();
  });

  it('refuses a corrupt database file with a clear error naming it', async () => {
    const data = join(dir, 'corrupt');
    const file = join(data, 'agent.db');
    await (await openAgentDb(data)).close();
    writeFileSync(file, Buffer.concat([Buffer.from('this is not an SQLite database at all\n'), Buffer.alloc(8192, 0x5a)]));
    await assert.rejects(openAgentDb(data, { migrations: MIGRATIONS }), (e: DbError) => {
      assert.ok(e instanceof DbError, String(e));
      assert.equal(e.code, 'DB_CORRUPT');
      assert.equal(e.sqliteCode, 'SQLITE_NOTADB');
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, /corrupt or not an SQLite database/);
      assert.match(e.message, /move the file .* aside/);
      return true;
    });
    // a real database whose pages were overwritten: corruption, too
    const data2 = join(dir, 'damaged');
    const db = await openAgentDb(data2, { migrations: MIGRATIONS });
    for (let i = 0; i < 200; i++) await db.run('INSERT INTO users (name) VALUES (?)', [`user ${i} ${'x'.repeat(200)}`]);
    await db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    await db.close();
    const bytes = readFileSync(join(data2, 'agent.db'));
    assert.ok(bytes.length > 4096 * 4);
    bytes.fill(0xa5, 4096 * 2, bytes.length); // pages 3.. (the users table) garbage
    writeFileSync(join(data2, 'agent.db'), bytes);
    const err = await (async () => {
      const d = await openAgentDb(data2, { migrations: MIGRATIONS });
      try {
        await d.all('SELECT * FROM users');
      } finally {
        await d.close().catch(() => undefined);
      }
    })().then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof DbError, `a damaged table is reported: ${String(err)}`);
    assert.equal(err.code, 'DB_CORRUPT', err.message);
    assert.ok(err.message.includes(join(data2, 'agent.db')));
  });

  it('reports an unusable path', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await assert.rejects(openAgentDb(file), (e: NodeJS.ErrnoException) => e.code === 'EEXIST' || e.code === 'ENOTDIR');
    // a directory where the database file should be
    mkdirSync(join(dir, 'dir-as-db', 'agent.db'), { recursive: true });
    await assert.rejects(openAgentDb(join(dir, 'dir-as-db')), (e: DbError) => e instanceof DbError && e.code === 'DB_OPEN' && e.message.includes(join(dir, 'dir-as-db', 'agent.db')));
  });
});
