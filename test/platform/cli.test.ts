// `se3kit serve` runs the site platform (box port, embedded broker on --amqp-port) and
// `se3kit platform ...` scripts it through the admin token in <data>/admin-token: devices,
// groups, people (photo verdicts), CSV import (quoted newlines, bad rows reported), sync, wipe;
// --json gives one object per line; without a server or with a wrong token, a clear error.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { startCli, type Running } from '../site/cli-process';
import { FACES_DIR } from '../fiqa/fixtures';
import { http, until } from './harness';

const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('se3kit platform (CLI against a running se3kit serve)', () => {
  let dir: string;
  let serve: Running;
  let boxPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-platform-cli-'));
    boxPort = await freePort();
    serve = await startCli(['serve', '--data', dir, '--port', '0', '--box-port', String(boxPort), '--amqp-port', String(await freePort())]);
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = (...args: string[]) => runCli(['platform', ...args, '--data', dir], { timeoutMs: 120_000 });

  it('writes the admin token 0600 and refuses callers without it', async () => {
    assert.match(serve.out(), new RegExp(`boxes log in at http://<this machine>:${boxPort}/login`));
    // the LoginUrls to give a box by hand, as the Site page lists them (loopback last: a virtual box here)
    assert.match(serve.out(), new RegExp(`\\n  LoginUrl for a box: (http://[\\d.]+:${boxPort}/login, )*http://127\\.0\\.0\\.1:${boxPort}/login \\(the last: a virtual box on this computer\\)\\n`));
    assert.equal(statSync(join(dir, 'admin-token')).mode & 0o777, 0o600);
    const url = readFileSync(join(dir, 'platform-admin.url'), 'utf8').trim();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await http(`${url}/call/platform.devices.list`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer wrong' } });
    assert.equal(r.status, 401);
    const other = mkdtempSync(join(tmpdir(), 'se3-platform-none-'));
    const none = await runCli(['platform', 'devices', 'list', '--data', other]);
    rmSync(other, { recursive: true, force: true });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no running site platform found .* start `se3kit serve/);
    // site mode on another folder whose platform could not start (its box port is this server's): not "start se3kit serve"
    const other2 = mkdtempSync(join(tmpdir(), 'se3-platform-nobox-'));
    const half = await startCli(['serve', '--data', other2, '--port', '0', '--box-port', String(boxPort), '--amqp-port', String(await freePort())]);
    try {
      assert.match(half.err(), new RegExp(`Site platform not started: the box port ${boxPort} is already in use`));
      const r = await runCli(['platform', 'devices', 'list', '--data', other2]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`site mode runs on .* \\(process ${half.child.pid}, http://127\\.0\\.0\\.1:\\d+/\\) but its site platform did not start; .*stop it and start \`se3kit serve\` again`));
    } finally {
      await half.stop();
      rmSync(other2, { recursive: true, force: true });
    }
  });

  it('refuses a bad number in an option as a usage error (exit 2) saying what it takes, before asking the server', async () => {
    // `sync --wait --timeout abc` used to wait forever while an answer was outstanding; the others were sent as null
    for (const [args, hint] of [
      [['sync', '--wait', '--timeout', 'abc'], /--timeout <s>' argument 'abc' is invalid\. must be a whole number from 1 to 86400/],
      [['commission', '10.0.0.9', '--timeout', '2'], /must be a whole number from 5 to 600/],
      [['commission', '10.0.0.9', '--port', 'abc'], /must be a port number 1-65535/],
      [['people', 'add', '--id', 'x1', '--name', 'X', '--type', 'vip'], /must be a whole number from 1 to 5/],
    ] as const) {
      const r = await cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, hint);
    }
    assert.equal((await cli('people', 'list', '--json')).stdout, '', 'nothing was added');
  });

  it('a CSV over the 20 MiB an import takes says so and what to do (split it), and nothing is imported', async () => {
    // before: "bad parameters for platform.people.import: csv: Too big: expected string to have <=20971520 characters"
    const big = join(dir, 'big.csv');
    writeFileSync(big, 'id,name\n' + 'b1,' + 'x'.repeat(20 * 1024 * 1024) + '\n');
    const r = await cli('people', 'import', '--csv', big);
    rmSync(big);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /big\.csv is 20\.0 MB; an import takes at most 20 MB: split it into smaller files, each with the header row, and import them one after another/);
    assert.equal((await cli('people', 'list', '--json')).stdout, '', 'nothing was added');
  });

  it('issues codes, logs a box in, manages groups and people, syncs and wipes', async () => {
    const add = await cli('devices', 'add', '--name', 'front door', '--json');
    assert.equal(add.code, 0, add.stderr);
    const [dev] = jsonLines(add.stdout);
    assert.match(dev.devSno, /^[A-Z0-9]{24}$/);
    assert.equal(dev.name, 'front door');
    // the box logs in on the box port
    const login = await until('login', async () => {
      const r = await http(`http://127.0.0.1:${boxPort}/login?dev_sno=${dev.devSno}&hex_mac=0xe0a509000001`);
      return r.status === 200 ? r.json() : null;
    });
    assert.ok(login.rabbitmq.queue);
    assert.equal((await cli('groups', 'add', 'staff', '--json')).code, 0);
    const dup = await cli('groups', 'add', 'staff');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already a group "staff"/);
    const assign = await cli('devices', 'assign', dev.devSno, '--group', 'staff', '--json');
    assert.equal(assign.code, 0, assign.stderr);
    assert.deepEqual(jsonLines(assign.stdout)[0].groups, ['staff']);

    const good = await cli('people', 'add', '--id', 'e1', '--name', 'Erin', '--photo', join(FACES_DIR, 'obama.jpg'), '--group', 'staff', '--json');
    assert.equal(good.code, 0, good.stderr);
    const p = jsonLines(good.stdout)[0];
    assert.equal(p.photos[0].verdict.passed, true);
    const bad = await cli('people', 'add', '--id', 'e2', '--name', 'Finn', '--photo', join(FACES_DIR, 'obama_partial_face.jpg'), '--group', 'staff');
    assert.equal(bad.code, 1, 'a photo that fails the check exits 1');
    assert.match(bad.stdout, /e2 {2}Finn {2}\[staff\] {2}photo FAILED: /);
    assert.match(bad.stdout, /photo FAILED: .+ — not sent to the boxes; replace the photo /, 'says what to do');
    // without a photo a person is kept but not sent (the box enrols from the photo): the line says so
    const noPhoto = await cli('people', 'add', '--id', 'e0', '--name', 'Nell', '--group', 'staff');
    assert.equal(noPhoto.code, 0, noPhoto.stderr);
    assert.match(noPhoto.stdout, /^e0 {2}Nell {2}\[staff\] {2}no photo — not sent to the boxes; add one/);
    const again = await cli('people', 'add', '--id', 'e1', '--name', 'Erin');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already a person with id "e1"; to change them, use Edit on the People page or import a CSV row with that id/);
    const typo = await cli('people', 'list', '--group', 'staf');
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /there is no group "staf" \(see `se3kit platform groups list`\)/);
    const missing = await cli('people', 'add', '--id', 'e3', '--name', 'Gus', '--group', 'nope');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no group "nope"/);

    // CSV import: a quoted name with a comma and a newline, a missing photo, a bad id
    const photos = join(dir, 'import-photos');
    mkdirSync(photos);
    copyFileSync(join(FACES_DIR, 'biden.jpg'), join(photos, 'biden.jpg'));
    copyFileSync(join(FACES_DIR, 'obama2.jpg'), join(photos, 'o2.jpg'));
    const csv = join(dir, 'people.csv');
    writeFileSync(csv, 'id,name,groups,photo\nc1,"Doe, Jane\nSecond line",staff;visitors,biden.jpg\nc2,Kim,staff,o2.jpg\nc3,Lee,staff,absent.jpg\nbad id!,Max,staff,\n');
    const imp = await cli('people', 'import', '--csv', csv, '--photos', photos, '--json');
    assert.equal(imp.code, 1, 'rows failed');
    const rep = jsonLines(imp.stdout)[0];
    assert.equal(rep.added, 2);
    assert.deepEqual(
      rep.failed.map((f: { id: string; error: string }) => [f.id, /absent\.jpg is not in/.test(f.error) || /letters, digits/.test(f.error)]),
      [
        ['c3', true],
        ['bad id!', true],
      ],
    );
    // a row whose photo fails the check: imported, and the line says it is not sent and what to do
    copyFileSync(join(FACES_DIR, 'obama_partial_face.jpg'), join(photos, 'partial.jpg'));
    const csv2 = join(dir, 'people2.csv');
    writeFileSync(csv2, 'id,name,groups,photo\nc4,Pat,staff,partial.jpg\n');
    const imp2 = await cli('people', 'import', '--csv', csv2, '--photos', photos);
    assert.equal(imp2.code, 0, imp2.stderr);
    assert.match(imp2.stdout, /^1 added, 0 updated, 0 rows failed, 1 photo fails the check\n/);
    assert.match(imp2.stdout, /\n {2}c4: photo fails the check \(.+\): not sent to the boxes until a photo that passes replaces it\n/);
    const list = jsonLines((await cli('people', 'list', '--json')).stdout);
    assert.deepEqual(list.map((x) => x.id), ['c1', 'c2', 'c4', 'e0', 'e1', 'e2']);
    assert.equal(list[0].name, 'Doe, Jane\nSecond line');
    assert.deepEqual(list[0].groups, ['staff', 'visitors']);
    assert.deepEqual((await cli('groups', 'list', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l).name), ['staff', 'visitors']);
    // the permission id a capture device on a box names (`permission_ids`) is shown with each group
    const groupsText = await cli('groups', 'list');
    assert.match(groupsText.stdout, /^staff {2}permission id 1 {2}\d+ people {2}1 boxes\nvisitors {2}permission id 2 {2}\d+ people {2}0 boxes\n$/);
    assert.deepEqual(jsonLines((await cli('groups', 'list', '--json')).stdout).map((g) => [g.name, g.id]), [['staff', 1], ['visitors', 2]]);

    // nobody consumes the box queue here: the sync sends, and --wait gives up with a clear line
    const sync = await cli('sync', '--json', '--wait', '--timeout', '2');
    assert.equal(sync.code, 1);
    const lines = jsonLines(sync.stdout);
    assert.equal(lines[0].type, 'sent');
    assert.equal(lines[0].devSno, dev.devSno);
    assert.equal(lines[0].error, null);
    const done = lines.find((l) => l.type === 'done');
    // e2's and c4's photos fail the check: held on the platform, not sent, not waited for
    assert.equal(done.counts.pending, 3);
    assert.equal(done.counts.held, 2);
    assert.equal(done.counts.assigned, 6, 'e0 (no photo) is assigned, not sent');
    assert.match(sync.stderr, /3 people still without an answer/);
    const wipeUsage = await cli('wipe', dev.devSno);
    assert.equal(wipeUsage.code, 2, 'a usage error');
    assert.match(wipeUsage.stderr, /--users, --events or both/);
    const wipe = await cli('wipe', dev.devSno, '--users', '--json');
    assert.equal(wipe.code, 0, wipe.stderr);
    assert.match(jsonLines(wipe.stdout)[0].messageId, /^[0-9a-f-]{36}$/);

    const rel = await cli('devices', 'release', dev.devSno, '--json');
    assert.equal(jsonLines(rel.stdout)[0].mac, null);
    const devs = jsonLines((await cli('devices', 'list', '--json')).stdout);
    assert.equal(devs.length, 1);
    assert.equal(devs[0].brokerState, 'ready');

    // cleaning up from the command line: a person, a group taken off the box, a group, the box
    const del = await cli('people', 'delete', 'c2');
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout, 'person c2 deleted\n');
    assert.ok(!jsonLines((await cli('people', 'list', '--json')).stdout).some((x) => x.id === 'c2'));
    const un = await cli('devices', 'unassign', dev.devSno, '--group', 'staff', '--json');
    assert.equal(un.code, 0, un.stderr);
    assert.deepEqual(jsonLines(un.stdout)[0].groups, []);
    assert.equal((await cli('groups', 'delete', 'visitors')).stdout, 'group visitors deleted\n');
    assert.deepEqual(jsonLines((await cli('groups', 'list', '--json')).stdout).map((g) => g.name), ['staff']);
    const rm = await cli('devices', 'remove', dev.devSno);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(rm.stdout, `device ${dev.devSno} removed\n`);
    assert.equal((await cli('devices', 'list', '--json')).stdout, '');
    const gone = await cli('people', 'delete', 'c2');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /c2/);
  });
});
