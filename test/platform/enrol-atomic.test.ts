// "Enrol this stranger" and "this is X" are all or nothing, against the platform service
// (embedded broker, real face engine) with a box played over the box port:
//   - a statement failing half-way (a trigger this test installs in platform.db with a second
//     connection: on the event's mark, or on the photo row) leaves neither the person / photo
//     nor the event's mark, and no change is announced; the retry then stores both;
//   - two "enrol this stranger" of one event at once (two admins, a double click) make exactly
//     one person, the other gets already_enrolled (409) naming it;
//   - "this is X" / "enrol" on an event the retention deletes meanwhile, and "this is X" for a
//     person removed meanwhile, and a group assigned to a box removed meanwhile: a 404 and
//     nothing written;
//   - the two site settings (results mode, inline users) stored together or not at all;
//   - "this is X" corrected to "this is Y" (one after the other, or at once): the picture ends on
//     the person the event names, only.
// "Meanwhile" is made exact by holding the face engine's check (the slow step before the write)
// until the competing change is done.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openAgentDb, type AgentDb } from '../../agent/store/db';
import type { PlatformCore } from '../../electron/platform/core';
import type { EventsService } from '../../electron/platform/events';
import { boxLogin, eventBody, post, type BoxDouble } from './events-box-double';
import { startPlatform, until, type Harness, refused } from './harness';
import { makePhoto } from './photos';

/** Holds face-engine checks: armed for n, the first n checks wait until released. */
class Gate {
  private need = 0;
  private waiting: Array<() => void> = [];
  private onReached: () => void = () => undefined;
  reached: Promise<void> = Promise.resolve();

  arm(n: number): void {
    this.need = n;
    this.reached = new Promise((r) => (this.onReached = r));
  }

  async pass(): Promise<void> {
    if (this.waiting.length >= this.need) return;
    await new Promise<void>((r) => {
      this.waiting.push(r);
      if (this.waiting.length === this.need) this.onReached();
    });
  }

  release(): void {
    this.need = 0;
    for (const w of this.waiting.splice(0)) w();
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('platform: enrol this stranger / this is X are all or nothing', () => {
  let h: Harness;
  let ev: EventsService;
  let box: BoxDouble;
  let probe: AgentDb;
  const gate = new Gate();
  const changes: string[] = [];
  /** The spot picture of each event this test posted. */
  const spots = new Map<string, Buffer>();
  let n = 0;

  /** Posts one stranger event with a spot picture of its own (a passing portrait); returns its id. */
  const stranger = async (id: string) => {
    const pic = await makePhoto(n++, false);
    const e = eventBody(box, { ip: '192.168.1.11', score: 0.2, at: 1_700_000_000_000 + n * 1000, eventId: id });
    e.ext_data.spot_pic = pic.toString('base64');
    await post(box, box.recordUrls[0]!, [e]);
    spots.set(id, pic);
    return id;
  };
  const personRows = (id: string) => probe.all<{ id: string }>('SELECT id FROM people WHERE id = ?', [id]);
  const photoRows = (sha256: string) => probe.all<{ person_id: string }>('SELECT person_id FROM photos WHERE sha256 = ?', [sha256]);
  const marks = (id: string) => probe.get<{ enrolled_person_id: string | null; corrected_person_id: string | null }>('SELECT enrolled_person_id, corrected_person_id FROM events WHERE id = ?', [id]);

  before(async () => {
    h = await startPlatform({
      autoSync: false,
      checkPhoto: async (b) => {
        await gate.pass();
        return h.photos.check(b, { level: 'high' });
      },
    });
    ev = h.platform.events!;
    // what the enrolments announce; a device's broker provisioning announces 'devices' when it ends
    // (a box added in one test may finish during the next), which is not theirs
    h.platform.onChange((w) => {
      if (w !== 'devices') changes.push(w);
    });
    const d = await h.platform.addDevice('gate');
    await h.platform.addGroup('staff');
    await h.platform.assign(d.devSno, 'staff');
    box = await boxLogin(h.platform.boxPort, d.devSno, 'gate', '0xe0a50900062c');
    probe = await openAgentDb(h.dir, { file: 'platform.db' });
    // the two oldest events: the retention deletes them in the last test
    await stranger('old-1');
    await stranger('old-2');
  });
  after(async () => {
    gate.release();
    await probe?.close();
    await h?.close();
  });

  it('a statement failing half-way through "enrol this stranger" leaves neither the person nor the mark', { timeout: 120_000 }, async () => {
    const id = await stranger('s-1');
    for (const trigger of [
      // the event's mark fails: the person (and its photo) must go with it
      `CREATE TRIGGER boom BEFORE UPDATE OF enrolled_person_id ON events BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
      // the photo row fails: the mark (and the person) must go with it
      `CREATE TRIGGER boom BEFORE INSERT ON photos BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    ]) {
      await probe.exec(trigger);
      changes.length = 0;
      await assert.rejects(ev.enrolStranger({ id, name: 'Half Made', personId: 'half-made' }), /refused by the test/);
      await probe.exec('DROP TRIGGER boom');
      assert.deepEqual(await personRows('half-made'), [], `no person left (${trigger.slice(15, 60)})`);
      assert.deepEqual(await photoRows(sha(spots.get(id)!)), [], 'no photo row left');
      assert.deepEqual(await marks(id), { enrolled_person_id: null, corrected_person_id: null }, 'the event is not marked');
      assert.equal((await ev.get(id)).enrolledPersonId, null);
      assert.deepEqual(changes, [], 'nothing announced (no sync for a change that did not happen)');
    }
    const made = await ev.enrolStranger({ id, name: 'Half Made', personId: 'half-made' });
    assert.equal(made.created, true, made.verdict.message);
    assert.equal((await ev.get(id)).enrolledPersonId, 'half-made');
    assert.deepEqual(made.person!.groups, ['staff']);
    assert.deepEqual(await photoRows(sha(spots.get(id)!)), [{ person_id: 'half-made' }]);
    assert.deepEqual(changes, ['people'], 'the committed enrolment is announced once (what schedules the sync)');
  });

  it('a statement failing half-way through "this is X" leaves neither the photo nor the mark', { timeout: 120_000 }, async () => {
    await h.platform.savePerson({ id: 'ada', name: 'Ada', groups: ['staff'] }, { update: false, photos: [await makePhoto(100, false)] });
    const id = await stranger('s-2');
    for (const trigger of [
      `CREATE TRIGGER boom BEFORE UPDATE OF corrected_person_id ON events BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
      `CREATE TRIGGER boom BEFORE INSERT ON photos BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    ]) {
      await probe.exec(trigger);
      changes.length = 0;
      await assert.rejects(ev.identify(id, 'ada'), /refused by the test/);
      await probe.exec('DROP TRIGGER boom');
      assert.deepEqual(await photoRows(sha(spots.get(id)!)), [], `no photo row left (${trigger.slice(15, 60)})`);
      assert.equal((await h.platform.getPerson('ada')).photos.length, 1);
      assert.deepEqual(await marks(id), { enrolled_person_id: null, corrected_person_id: null }, 'the event is not marked');
      assert.deepEqual(changes, [], 'nothing announced');
    }
    const r = await ev.identify(id, 'ada');
    assert.equal(r.person.photos.length, 2);
    assert.equal((await ev.get(id)).correctedPersonId, 'ada');
    assert.deepEqual(await photoRows(sha(spots.get(id)!)), [{ person_id: 'ada' }]);
    assert.deepEqual(changes, ['people']);
  });

  it('two "enrol this stranger" of one event at once make one person; the other is told who', { timeout: 120_000 }, async () => {
    // two admins, two person ids: both have read the event before either writes
    const id = await stranger('s-3');
    gate.arm(2);
    const both = [ev.enrolStranger({ id, name: 'Admin A', personId: 'adm-a' }), ev.enrolStranger({ id, name: 'Admin B', personId: 'adm-b' })];
    await gate.reached;
    gate.release();
    const settled = await Promise.allSettled(both);
    const won = settled.filter((r) => r.status === 'fulfilled');
    const lost = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1, `exactly one enrolment succeeds: ${lost.map((r) => (r.reason as Error).message)}`);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<(typeof both)[0]>>).value.person!;
    const loser = winner.id === 'adm-a' ? 'adm-b' : 'adm-a';
    await refused(Promise.reject(lost[0]!.reason), 'already_enrolled', 409, new RegExp(`already enrolled as ${winner.name} \\(person id "${winner.id}"\\)`));
    assert.deepEqual(await personRows(loser), [], 'no second person');
    assert.deepEqual(await photoRows(sha(spots.get(id)!)), [{ person_id: winner.id }]);
    assert.equal((await ev.get(id)).enrolledPersonId, winner.id);

    // a double click: the same (default) person id twice
    const id2 = await stranger('s-4');
    gate.arm(2);
    const twice = [ev.enrolStranger({ id: id2, name: 'Clicked Twice' }), ev.enrolStranger({ id: id2, name: 'Clicked Twice' })];
    await gate.reached;
    gate.release();
    const r2 = await Promise.allSettled(twice);
    const ok2 = r2.filter((r) => r.status === 'fulfilled') as Array<PromiseFulfilledResult<Awaited<(typeof twice)[0]>>>;
    const err2 = r2.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok2.length, 1);
    await refused(Promise.reject(err2[0]!.reason), 'already_enrolled', 409, /already enrolled as Clicked Twice/);
    assert.equal((await ev.get(id2)).enrolledPersonId, ok2[0]!.value.person!.id);

    // once that person is deleted, the event can be enrolled again
    await h.platform.deletePerson(winner.id);
    const again = await ev.enrolStranger({ id, name: 'Admin B', personId: 'adm-b' });
    assert.equal(again.created, true);
    assert.equal((await ev.get(id)).enrolledPersonId, 'adm-b');
  });

  it('"this is X" for a person removed meanwhile: 404, nothing written', { timeout: 120_000 }, async () => {
    await h.platform.savePerson({ id: 'leaver', name: 'Leaver', groups: ['staff'] }, { update: false });
    const id = await stranger('s-5');
    gate.arm(1);
    const pending = ev.identify(id, 'leaver');
    await gate.reached;
    await h.platform.deletePerson('leaver');
    changes.length = 0;
    gate.release();
    await refused(pending, 'no_person', 404, /no person with id "leaver"/);
    assert.deepEqual(await photoRows(sha(spots.get(id)!)), []);
    assert.deepEqual(await marks(id), { enrolled_person_id: null, corrected_person_id: null });
    assert.deepEqual(changes, []);
  });

  it('assigning a group to a box removed meanwhile: 404, nothing written', { timeout: 60_000 }, async () => {
    // the write lock held by the test (the platform's core, reached past its type): the removal's
    // deletion is queued, then the assignment reads the box (still there) and queues its write
    const core = (h.platform as unknown as { core: PlatformCore }).core;
    const serial = core.serial.bind(core);
    let queued = 0;
    core.serial = (fn) => (queued++, serial(fn));
    try {
      const door = await h.platform.addDevice('door');
      let unlock!: () => void;
      void serial(() => new Promise<void>((r) => (unlock = r)));
      const q0 = queued;
      const removing = h.platform.removeDevice(door.devSno);
      await until('the removal waits for the write lock', () => queued > q0);
      const assigning = h.platform.assign(door.devSno, 'staff');
      assigning.catch(() => undefined); // judged below, once the removal (and its broker clean-up) is done
      await until('the assignment waits for the write lock', () => queued > q0 + 1);
      unlock();
      await removing;
      await refused(assigning, 'no_device', 404);
      assert.deepEqual(await probe.all('SELECT * FROM device_groups WHERE dev_sno = ?', [door.devSno]), []);
    } finally {
      core.serial = serial;
    }
  });

  it('"this is X" and "enrol" on events the retention deletes meanwhile: 404, nothing written', { timeout: 120_000 }, async () => {
    await h.platform.savePerson({ id: 'bob', name: 'Bob', groups: ['staff'] }, { update: false });
    const keep = await ev.retention({});
    gate.arm(2);
    const identify = ev.identify('old-1', 'bob');
    const enrol = ev.enrolStranger({ id: 'old-2', name: 'Gone', personId: 'gone' });
    await gate.reached;
    // the two oldest events go
    await ev.retention({ maxEvents: keep.events - 2 });
    await refused(ev.get('old-1'), 'no_event', 404);
    await refused(ev.get('old-2'), 'no_event', 404);
    changes.length = 0;
    gate.release();
    await refused(identify, 'no_event', 404, /deleted by the retention/);
    await refused(enrol, 'no_event', 404, /deleted by the retention/);
    assert.deepEqual(await photoRows(sha(spots.get('old-1')!)), [], 'no photo row for the deleted event');
    assert.deepEqual(await photoRows(sha(spots.get('old-2')!)), []);
    assert.deepEqual(await personRows('gone'), [], 'no person for the deleted event');
    assert.deepEqual(changes, []);
    assert.equal((await ev.retention({})).events, keep.events - 2);
  });

  it('the site settings change together: one refused leaves the other as it was, stored and in force', { timeout: 60_000 }, async () => {
    const before = await h.platform.status();
    await probe.exec(`CREATE TRIGGER boom BEFORE INSERT ON settings WHEN NEW.key = 'inline_users' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    await assert.rejects(h.platform.setSettings({ resultsMode: before.resultsMode === 'notify' ? 'none' : 'notify', inlineUsers: !before.inlineUsers }), /refused by the test/);
    await probe.exec('DROP TRIGGER boom');
    const now = await h.platform.status();
    assert.equal(now.resultsMode, before.resultsMode, 'the results mode in force is unchanged');
    assert.equal(now.inlineUsers, before.inlineUsers);
    assert.deepEqual(await probe.all("SELECT key FROM settings WHERE key IN ('results_mode', 'inline_users')"), [], 'neither is stored');
  });

  it('"this is X" then "this is Y" (or both at once) leaves the picture on the person the event names, only', { timeout: 120_000 }, async () => {
    for (const pid of ['corr-x', 'corr-y', 'corr-z']) await h.platform.savePerson({ id: pid, name: pid, groups: ['staff'] }, { update: false });
    // one after the other: the second correction moves the picture
    const id = await stranger('s-8');
    await ev.identify(id, 'corr-x');
    await ev.identify(id, 'corr-y');
    assert.deepEqual(await photoRows(sha(spots.get(id)!)), [{ person_id: 'corr-y' }], 'not left on the first person named');
    assert.equal((await ev.get(id)).correctedPersonId, 'corr-y');
    // the same person again changes nothing
    await ev.identify(id, 'corr-y');
    assert.deepEqual(await photoRows(sha(spots.get(id)!)), [{ person_id: 'corr-y' }]);
    // two admins at once, naming two people: the picture is on the one the event ends up naming
    const id2 = await stranger('s-9');
    gate.arm(2);
    const both = Promise.all([ev.identify(id2, 'corr-x'), ev.identify(id2, 'corr-z')]);
    await gate.reached;
    gate.release();
    await both;
    const named = (await ev.get(id2)).correctedPersonId;
    assert.ok(named === 'corr-x' || named === 'corr-z', String(named));
    assert.deepEqual(await photoRows(sha(spots.get(id2)!)), [{ person_id: named }]);
  });
});
