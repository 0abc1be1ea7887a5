// `se3kit serve` killed with SIGKILL while `se3kit platform people import` runs: the CLI says the
// server went away and what to do (not a bare "socket hang up"), every row the server had
// committed is there after the restart (whole: person, groups and checked photo), and importing
// the file again finishes it without adding anyone twice.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAgentDb } from '../../agent/store/db';
import { FACES_DIR, PORTRAITS } from '../fiqa/fixtures';
import { runCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { startCli, type Running } from '../site/cli-process';
import { until } from './harness';

const ROWS = 120;
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('platform: the site server killed -9 mid-import', () => {
  let dir: string;
  let serve: Running | undefined;
  let serveArgs: string[];
  const csv = () => join(dir, 'people.csv');
  const photos = () => join(dir, 'photos');
  const cli = (...args: string[]) => runCli(['platform', ...args, '--data', dir], { timeoutMs: 300_000 });
  const committed = async () => {
    const db = await openAgentDb(dir, { file: 'platform.db' });
    try {
      return (await db.get<{ n: number }>('SELECT count(*) AS n FROM people'))!.n;
    } finally {
      await db.close();
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-import-kill-'));
    mkdirSync(photos());
    for (const p of PORTRAITS) copyFileSync(join(FACES_DIR, p), join(photos(), p));
    const rows = Array.from({ length: ROWS }, (_, i) => `k${String(i).padStart(4, '0')},Person ${i},staff,${PORTRAITS[i % PORTRAITS.length]}`);
    writeFileSync(csv(), `id,name,groups,photo\n${rows.join('\n')}\n`);
    serveArgs = ['serve', '--data', dir, '--port', '0', '--box-port', String(await freePort()), '--amqp-port', String(await freePort())];
    serve = await startCli(serveArgs);
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every committed row, tells the operator what happened, and a second import completes the file once', { timeout: 600_000 }, async () => {
    const importing = cli('people', 'import', '--csv', csv(), '--photos', photos());
    await until('some rows committed', async () => jsonLines((await cli('people', 'list', '--json')).stdout).length >= 5, 120_000);
    serve!.child.kill('SIGKILL');
    await serve!.stop();
    serve = undefined;
    const r = await importing;
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the site platform at http:\/\/127\.0\.0\.1:\d+ stopped before it answered \(.+\); what it had finished is kept/);
    assert.match(r.stderr, /run this command again: an import updates the people it already added/);
    const before = await committed();
    assert.ok(before >= 5 && before < ROWS, `killed mid-import (${before} of ${ROWS} rows committed)`);

    serve = await startCli(serveArgs);
    const kept = jsonLines((await cli('people', 'list', '--json')).stdout);
    assert.equal(kept.length, before, 'every committed row is there after the restart');
    for (const p of kept) {
      assert.deepEqual(p.groups, ['staff']);
      assert.equal(p.photos.length, 1, `${p.id} has its checked photo`);
      assert.equal(p.photos[0].verdict.passed, true);
    }

    const again = await cli('people', 'import', '--csv', csv(), '--photos', photos(), '--json');
    assert.equal(again.code, 0, again.stderr);
    const rep = jsonLines(again.stdout)[0];
    assert.equal(rep.added, ROWS - before);
    assert.equal(rep.updated, before);
    const all = jsonLines((await cli('people', 'list', '--json')).stdout);
    assert.equal(all.length, ROWS);
    assert.ok(all.every((p) => p.photos.length === 1), 'nobody has a photo twice');
  });
});
