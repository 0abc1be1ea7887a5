// The platform audit's open items, against the platform service (embedded broker, real face
// engine), with faults made by the test: a trigger it installs in platform.db (a statement that
// fails half-way), the embedded broker stopped (a publish or clean-up that cannot reach it),
// leftovers of a crash made by hand (broker resources, photo files), a second process.
//   - removing a box: its rows go in one transaction first (a failure leaves the box whole,
//     broker user included); no command / box_people row outlives it; a broker clean-up that
//     failed (broker down) and resources of codes no longer in the database are swept.
//   - a wipe or a user command whose publish fails leaves no command "in flight"; the admin is
//     told the broker is down.
//   - unreferenced photo files older than the grace period are swept at start; referenced and
//     fresh ones are kept.
//   - save / addPhoto answer with the view their own transaction committed.
//   - a second platform on the same data folder (this process or another) is refused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { openAgentDb, type AgentDb } from '../../agent/store/db';
import type { PlatformCore } from '../../electron/platform/core';
import { sweepPhotos } from '../../electron/platform/photo-sweep';
import { createPlatformService } from '../../electron/platform/service';
import { startPlatform, until, type Harness, refused } from './harness';
import { makePhoto } from './photos';

const root = new URL('../..', import.meta.url).pathname;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('platform audit: nothing lost, nothing half done', () => {
  let h: Harness;
  let probe: AgentDb;
  const core = () => (h.platform as unknown as { core: PlatformCore }).core;
  const broker = () => h.broker.running()!;
  const users = () => broker().listUsers().map((u) => u.name);
  const hasBox = (devSno: string) => ({
    user: users().includes(`box.${devSno}`),
    vhost: broker().listVhosts().includes(`se3.up.${devSno}`),
    queue: broker().stats().queues.some((q) => q.vhost === 'se3' && q.name === `se3.${devSno}.cmd`),
  });
  const rows = async (table: string, devSno: string) => (await probe.get<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE dev_sno = ?`, [devSno]))!.n;
  const ready = (devSno: string) => until(`${devSno} provisioned`, async () => (await h.platform.listDevices()).find((d) => d.devSno === devSno && d.brokerState === 'ready'));
  const brokerDown = async () => {
    await h.broker.stop();
    await until('the broker stopped', () => !h.broker.running());
  };
  const brokerUp = async () => {
    await h.broker.start({ port: h.amqpPort, host: '127.0.0.1' });
    await until('the broker runs', () => h.broker.running());
  };

  before(async () => {
    // resend time 10 s: the retry timer (which retries the broker sweep) ticks every 5 s
    h = await startPlatform({ autoSync: false, resendAfterMs: 10_000 });
    probe = await openAgentDb(h.dir, { file: 'platform.db' });
    await h.platform.addGroup('staff');
    await h.platform.savePerson({ id: 'ada', name: 'Ada', groups: ['staff'] }, { update: false, photos: [await makePhoto(0, false)] });
  });
  after(async () => {
    await probe?.close();
    await h?.close();
  });

  it('removing a box whose row deletion fails leaves the box whole, its broker user and queues included', { timeout: 60_000 }, async () => {
    const d = await h.platform.addDevice('door');
    await ready(d.devSno);
    assert.deepEqual(hasBox(d.devSno), { user: true, vhost: true, queue: true });
    await probe.exec(`CREATE TRIGGER boom BEFORE DELETE ON devices BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    try {
      await assert.rejects(h.platform.removeDevice(d.devSno), /refused by the test/);
    } finally {
      await probe.exec('DROP TRIGGER boom');
    }
    assert.ok((await h.platform.listDevices()).some((x) => x.devSno === d.devSno), 'the row is still there');
    assert.deepEqual(hasBox(d.devSno), { user: true, vhost: true, queue: true }, 'the box can still log in to the broker');
    await h.platform.removeDevice(d.devSno);
    assert.deepEqual(hasBox(d.devSno), { user: false, vhost: false, queue: false }, 'removed: user, upload vhost and command queue gone');
    await refused(h.platform.removeDevice(d.devSno), 'no_device', 404);
  });

  it('a removed box mid-sync leaves no command or box_people row; a wipe for it is a 404 and writes nothing', { timeout: 60_000 }, async () => {
    const d = await h.platform.addDevice('gate');
    await ready(d.devSno);
    await h.platform.assign(d.devSno, 'staff');
    const [r] = await h.platform.sync(d.devSno);
    assert.equal(r!.added, 1, r!.error ?? '');
    await h.platform.wipe(d.devSno, { users: false, events: true });
    assert.equal(await rows('commands', d.devSno), 2, 'an add_users_plus and a wipe in flight');
    assert.equal(await rows('box_people', d.devSno), 1);
    // the removal queued behind a held write lock, with a wipe queued behind it
    const serial = core().serial.bind(core());
    let unlock!: () => void;
    void serial(() => new Promise<void>((res) => (unlock = res)));
    const removing = h.platform.removeDevice(d.devSno);
    await new Promise((res) => setTimeout(res, 50));
    const wiping = h.platform.wipe(d.devSno, { users: true, events: true });
    wiping.catch(() => undefined); // judged below, after the removal
    unlock();
    await removing;
    await refused(wiping, 'no_device', 404);
    for (const t of ['commands', 'box_people', 'device_groups']) assert.equal(await rows(t, d.devSno), 0, `no ${t} row left`);
  });

  it('a failed broker clean-up, and resources of codes no longer in the database, are swept once the broker runs', { timeout: 90_000 }, async () => {
    const keep = await h.platform.addDevice('kept');
    const gone = await h.platform.addDevice('gone');
    await ready(keep.devSno);
    await ready(gone.devSno);
    // what a crash between the row's deletion and the clean-up left (a code this database never had)
    const orphan = 'ORPHANCODE0000000000TEST';
    broker().addUser(`box.${orphan}`, 'x');
    broker().addVhost(`se3.up.${orphan}`);
    const conn = await amqp.connect(core().provisioner.platformUrl('se3'));
    await (await conn.createChannel()).assertQueue(`se3.${orphan}.cmd`, { durable: true });
    await conn.close();
    assert.deepEqual(hasBox(orphan), { user: true, vhost: true, queue: true });
    await brokerDown();
    await h.platform.removeDevice(gone.devSno); // the rows go; the broker cannot be reached
    assert.ok(!(await h.platform.listDevices()).some((x) => x.devSno === gone.devSno));
    await brokerUp();
    assert.equal(hasBox(gone.devSno).user, true, 'its user outlived the removal while the broker was down');
    await until('the sweep removed the orphans', () => !hasBox(gone.devSno).user && !hasBox(gone.devSno).queue && !hasBox(orphan).user && !hasBox(orphan).vhost && !hasBox(orphan).queue, 30_000);
    assert.deepEqual(hasBox(gone.devSno), { user: false, vhost: false, queue: false });
    assert.deepEqual(hasBox(keep.devSno), { user: true, vhost: true, queue: true }, 'a box in the database keeps its resources');
    assert.ok(users().includes('se3kit-platform'), "the platform's own user is kept");
  });

  it('a wipe or user command the broker does not take leaves nothing in flight and says the broker is down', { timeout: 60_000 }, async () => {
    const d = await h.platform.addDevice('lobby');
    await ready(d.devSno);
    await h.platform.assign(d.devSno, 'staff');
    await brokerDown();
    try {
      await refused(h.platform.wipe(d.devSno, { users: true, events: false }), 'broker_down', 503, /wipe was not sent: the broker .*send the wipe again/);
      assert.equal(await rows('commands', d.devSno), 0, 'no wipe row left in flight');
      const [r] = await h.platform.sync(d.devSno);
      assert.match(r!.error ?? '', /./, 'the sync reports the failure');
      assert.equal(await rows('commands', d.devSno), 0, 'no add_users_plus row for a command that never left');
      assert.deepEqual(await probe.all('SELECT person_id, state FROM box_people WHERE dev_sno = ?', [d.devSno]), [{ person_id: 'ada', state: 'unsent' }]);
    } finally {
      await brokerUp();
    }
    const [r] = await h.platform.sync(d.devSno);
    assert.equal(r!.error, null);
    assert.equal(r!.added, 1, 'sent once the broker is back');
    const { messageId } = await h.platform.wipe(d.devSno, { users: true, events: false });
    assert.ok(await probe.get("SELECT 1 FROM commands WHERE message_id = ? AND method = 'wipe_data'", [messageId]));
  });

  it('save and addPhoto answer with what their transaction committed, even if the person is deleted right after', { timeout: 60_000 }, async () => {
    const c = core();
    const write = c.write.bind(c);
    const deleteAfterCommit = (id: string) => {
      c.write = ((fn: () => Promise<unknown>) => write(fn).then(async (r) => (await h.platform.deletePerson(id), r))) as typeof c.write;
    };
    try {
      deleteAfterCommit('brief');
      const v = await h.platform.savePerson({ id: 'brief', name: 'Brief', groups: ['staff'] }, { update: false });
      assert.equal(v.id, 'brief');
      assert.deepEqual(v.groups, ['staff']);
      c.write = write;
      await h.platform.savePerson({ id: 'brief2', name: 'Brief Two', groups: [] }, { update: false });
      deleteAfterCommit('brief2');
      const r = await h.platform.addPhoto('brief2', await makePhoto(1, false));
      assert.equal(r.person.id, 'brief2');
      assert.equal(r.person.photos.length, 1);
    } finally {
      c.write = write;
    }
    await refused(h.platform.getPerson('brief2'), 'no_person', 404);
  });

  it('unreferenced photo files older than the grace period are swept at start; referenced, fresh and other files are kept', { timeout: 120_000 }, async () => {
    const path = (b: Buffer) => core().photos.pathOf(sha(b), 'jpg');
    const kept = await makePhoto(2, false);
    await h.platform.savePerson({ id: 'kept', name: 'Kept', groups: [] }, { update: false, photos: [kept] });
    const failed = [await makePhoto(3, false), await makePhoto(4, false)];
    await probe.exec(`CREATE TRIGGER boom BEFORE INSERT ON photos BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    try {
      await assert.rejects(h.platform.savePerson({ id: 'rolled', name: 'Rolled Back', groups: [] }, { update: false, photos: [failed[0]!] }), /refused by the test/);
      await assert.rejects(h.platform.addPhoto('kept', failed[1]!), /refused by the test/);
    } finally {
      await probe.exec('DROP TRIGGER boom');
    }
    for (const b of [kept, ...failed]) assert.ok(existsSync(path(b)), 'the file is written before its row');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(path(kept), twoHoursAgo, twoHoursAgo);
    utimesSync(path(failed[0]!), twoHoursAgo, twoHoursAgo); // failed[1] stays fresh: a write could be about to name it
    const tmp = `${path(failed[0]!)}.123.crash.tmp`;
    writeFileSync(tmp, 'half');
    utimesSync(tmp, twoHoursAgo, twoHoursAgo);
    const other = join(core().photos.dir, 'README.txt');
    writeFileSync(other, 'not ours');
    utimesSync(other, twoHoursAgo, twoHoursAgo);
    await probe.close();
    await h.close({ keep: true });
    h = await startPlatform({ autoSync: false, resendAfterMs: 10_000 }, { dir: h.dir, amqpPort: h.amqpPort });
    probe = await openAgentDb(h.dir, { file: 'platform.db' });
    assert.equal(existsSync(path(failed[0]!)), false, 'the old unreferenced file is swept');
    assert.equal(existsSync(tmp), false, 'an old temporary file is swept');
    assert.ok(existsSync(path(kept)), 'a referenced file is kept, however old');
    assert.ok(existsSync(path(failed[1]!)), 'a fresh unreferenced file is kept');
    assert.ok(existsSync(other), 'a file of another name is not touched');
    assert.equal((await h.platform.photo(sha(kept)))?.bytes.length, kept.length);
    // storing a photo whose (old, unreferenced) file is still there makes it fresh again: a
    // sweep while that write is in progress (here: it fails, as one in progress would not yet
    // have its row) keeps the file
    utimesSync(path(failed[1]!), twoHoursAgo, twoHoursAgo);
    await probe.exec(`CREATE TRIGGER boom BEFORE INSERT ON photos BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    try {
      await assert.rejects(h.platform.addPhoto('kept', failed[1]!), /refused by the test/);
    } finally {
      await probe.exec('DROP TRIGGER boom');
    }
    assert.ok(statSync(path(failed[1]!)).mtimeMs > Date.now() - 60_000, 'touched by the store');
    assert.equal(await sweepPhotos(core()), 0);
    assert.ok(existsSync(path(failed[1]!)));
  });

  it('a second platform on the same data folder is refused, in this process and another; a stale lock is taken over', { timeout: 120_000 }, async () => {
    await refused(
      createPlatformService({ dataDir: h.dir, checkPhoto: async () => assert.fail('not reached') }),
      'data_folder_in_use',
      409,
      new RegExp(`already runs on the data folder .* \\(process ${process.pid}, this one`),
    );
    const script = `
      import { createPlatformService } from ${JSON.stringify(join(root, 'electron/platform/service.ts'))};
      createPlatformService({ dataDir: ${JSON.stringify(h.dir)}, boxPort: 0, checkPhoto: async () => { throw new Error('x'); } })
        .then(async (p) => { await p.close(); console.log(JSON.stringify({ started: true })); })
        .catch((e) => console.log(JSON.stringify({ code: e.code, message: e.message })));`;
    const run = () =>
      new Promise<{ code?: string; message?: string; started?: boolean }>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', (c: Buffer) => (out += c));
        p.on('error', reject);
        p.on('exit', () => {
          try {
            resolve(JSON.parse(out.trim().split('\n').pop()!));
          } catch {
            reject(new Error(`no answer from the second process: ${out}`));
          }
        });
      });
    const second = await run();
    assert.equal(second.code, 'data_folder_in_use', second.message);
    assert.match(second.message!, new RegExp(`process ${process.pid}\\b`));
    assert.ok((await h.platform.listDevices()).length > 0, 'the first one is unharmed');
    // after a crash (the lock names a process that is gone) the folder is taken over
    await probe.close();
    await h.close({ keep: true });
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(join(h.dir, 'platform.lock'), JSON.stringify({ pid: dead.pid, startedAt: '2026-01-01T00:00:00Z' }));
    h = await startPlatform({ autoSync: false }, { dir: h.dir, amqpPort: h.amqpPort });
    probe = await openAgentDb(h.dir, { file: 'platform.db' });
    assert.ok((await h.platform.listDevices()).length > 0);
  });
});
