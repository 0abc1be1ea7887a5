// The commands table stays bounded: settled commands (answered, or superseded by a newer one)
// go after the retention or beyond the row cap, oldest first; commands still in flight (people
// on the box wait on them, or a recent wipe_data without an answer) are kept and a late result
// for them still applies. On a real platform.db, then through the running platform.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAgentDb } from '../../agent/store/db';
import { pruneCommands } from '../../electron/platform/commands-retention';
import { openPlatformDb, type PlatformDb } from '../../electron/platform/db';
import { http, startPlatform, type Harness } from './harness';

const DAY = 24 * 3600_000;
const T0 = 1_800_000_000_000;
const lock = <T>(fn: () => Promise<T>) => fn();

describe('platform commands table retention', () => {
  let dir: string;
  let db: PlatformDb;
  let seq = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-commands-'));
    db = await openPlatformDb(dir);
    await db.run("INSERT INTO devices (dev_sno, broker_user, broker_password, created_at) VALUES ('BOX1', 'box.BOX1', 'pw', 0)");
  });
  after(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function command(method: string, sentAt: number, answeredAt: number | null): Promise<string> {
    const id = `m${++seq}`;
    await db.run('INSERT INTO commands (message_id, dev_sno, method, body_json, sent_at, answered_at) VALUES (?, ?, ?, ?, ?, ?)', [id, 'BOX1', method, '{"ids":[]}', sentAt, answeredAt]);
    return id;
  }
  async function person(id: string, state: string, messageId: string): Promise<void> {
    await db.run(
      `INSERT INTO box_people (dev_sno, person_id, state, version, message_id, sent_at, updated_at) VALUES ('BOX1', ?, ?, 'v', ?, 0, 0)
       ON CONFLICT (dev_sno, person_id) DO UPDATE SET state = excluded.state, message_id = excluded.message_id`,
      [id, state, messageId],
    );
  }
  const ids = async () => new Set((await db.all<{ message_id: string }>('SELECT message_id FROM commands')).map((r) => r.message_id));

  it('drops settled commands past the retention and the oldest beyond the cap; keeps every one in flight', async () => {
    const answeredOld: string[] = [];
    for (let i = 0; i < 200; i++) answeredOld.push(await command('add_users_plus', T0 - 3 * DAY, T0 - 2 * DAY));
    // people on the box still wait on these (sent days ago: the box is offline)
    const waiting: string[] = [];
    for (let i = 0; i < 20; i++) {
      const m = await command('add_users_plus', T0 - 3 * DAY, null);
      await person(`w${i}`, i % 4 === 0 ? 'noanswer' : i % 4 === 1 ? 'deleting' : 'pending', m);
      waiting.push(m);
    }
    // superseded: unanswered, but their people were sent again under a newer command that answered
    const superseded: string[] = [];
    for (let i = 0; i < 30; i++) {
      superseded.push(await command('add_users_plus', T0 - 2 * DAY, null));
      await person(`s${i}`, 'enrolled', await command('add_users_plus', T0 - 2 * DAY + 1, T0 - 2 * DAY + 2));
    }
    const wipeRecent: string[] = [];
    for (let i = 0; i < 5; i++) wipeRecent.push(await command('wipe_data', T0 - 3600_000, null));
    const wipeOld = await command('wipe_data', T0 - 2 * DAY, null);
    const answeredRecent: string[] = [];
    for (let i = 150; i >= 1; i--) answeredRecent.push(await command('add_users_plus', T0 - i * 1000 - 500, T0 - i * 1000));

    const removed = await pruneCommands(db, lock, { retentionMs: DAY, maxRows: 100 }, T0);
    const left = await ids();
    assert.equal(left.size, 100, 'the cap holds');
    assert.equal(removed, 200 + 60 + 1 + 150 + 25 - 100);
    for (const m of [...waiting, ...wipeRecent]) assert.ok(left.has(m), `in-flight ${m} kept`);
    for (const m of [...answeredOld, ...superseded, wipeOld]) assert.ok(!left.has(m), `settled ${m} dropped`);
    // the cap drops the oldest settled ones: the newest 75 answered remain
    assert.deepEqual(answeredRecent.filter((m) => left.has(m)), answeredRecent.slice(-75));
  });

  it('stays bounded over many syncs while the in-flight commands move on', async () => {
    await db.exec('DELETE FROM commands; DELETE FROM box_people;');
    const cap = 120;
    for (let round = 0; round < 40; round++) {
      const now = T0 + round * 60_000;
      for (let i = 0; i < 60; i++) await command('add_users_plus', now - 10, now);
      // ten people wait on this round's command (their previous ones are superseded)
      const current = await command('add_users_plus', now, null);
      for (let p = 0; p < 10; p++) await person(`p${p}`, 'pending', current);
      const wipe = await command('wipe_data', now, null);
      await pruneCommands(db, lock, { retentionMs: DAY, maxRows: cap }, now);
      const left = await ids();
      assert.ok(left.size <= cap, `round ${round}: ${left.size} rows`);
      assert.ok(left.has(current) && left.has(wipe), `round ${round}: in-flight commands kept`);
    }
  });
});

describe('platform commands table retention (running platform)', () => {
  let h: Harness;
  before(async () => {
    h = await startPlatform({ autoSync: false, commandRetention: { maxRows: 30 } });
  });
  after(async () => {
    await h?.close();
  });

  it('keeps the table at its cap through the sync loop; unanswered wipes stay and still take their result', async () => {
    await h.platform.setSettings({ resultsMode: 'notify' });
    const dev = (await h.platform.addDevice('R')).devSno;
    const login = await http(`${h.base}/login?dev_sno=${dev}&hex_mac=0x0000000000d1`);
    assert.equal(login.status, 200);
    const token = login.json().token as string;
    const answer = (messageId: string) =>
      http(`${h.base}/notify?dev_sno=${dev}&token=${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ success: true, code: 0, message: 'ok', dev_sno: dev, messageKey: 'wipe_data', messageId, result: { wipe_options: { users: false, events: true } } }),
      });
    const sent: string[] = [];
    for (let i = 0; i < 45; i++) sent.push((await h.platform.wipe(dev, { users: false, events: true })).messageId);
    for (const m of sent.slice(0, 40)) assert.equal((await answer(m)).status, 200);
    await h.platform.sync(dev);
    const ro = await openAgentDb(h.dir, { file: 'platform.db' });
    try {
      const rows = await ro.all<{ message_id: string; answered_at: number | null }>('SELECT message_id, answered_at FROM commands');
      assert.equal(rows.length, 30);
      const left = new Map(rows.map((r) => [r.message_id, r.answered_at]));
      for (const m of sent.slice(40)) assert.equal(left.get(m), null, `unanswered ${m} kept`);
      // the oldest answered ones went first
      assert.deepEqual(sent.slice(0, 40).filter((m) => left.has(m)), sent.slice(15, 40));
      // a late result for a kept command still applies
      assert.equal((await answer(sent[44]!)).status, 200);
      const late = await ro.get<{ answered_at: number | null }>('SELECT answered_at FROM commands WHERE message_id = ?', [sent[44]!]);
      assert.ok(late?.answered_at, 'answered');
    } finally {
      await ro.close();
    }
  });

  it('closes twice: the second close waits for the first instead of hanging', { timeout: 30_000 }, async () => {
    await Promise.all([h.platform.close(), h.platform.close()]);
    await h.platform.close();
  });
});
