// The platform judges a person's photo as the box will (agent/commands/enrol-check.ts: the level
// of the person's register_type, 1 high, 2 custom), with a real agent (virtual box) on the
// embedded broker and the real face engine on both sides. A photo whose face is too small for
// `high` but fine for `custom` (the fixture portrait scaled to 200 px wide): a register_type 2
// person with it is sent and enrolled, a register_type 1 person is held on the platform (never
// refused by the box); switching the register_types judges the stored photos again and the
// held one is sent, the other held. A person the box had enrolled who becomes held (a stricter
// register_type, or the photo replaced with a failing one) is deleted from the box — it must not
// go on recognising a face the operator replaced — and enrolled again once a passing photo
// comes. A crash leaves nothing undone: a change committed before its sync ran, and a removal
// committed but never published (the platform restarted on its data, the box linked throughout).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { openAgentDb } from '../../agent/store/db';
import { desiredFor } from '../../electron/platform/people';
import { createPlatformService } from '../../electron/platform/service';
import { health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { face } from '../fiqa/fixtures';
import { freePort } from '../helpers/ports';
import { startPlatform, until, type Harness } from './harness';

describe('platform: a person is sent only with a photo the box takes at their register_type', () => {
  let h: Harness;
  let dir: string;
  let agent: AgentProc | undefined;
  let devSno: string;
  let small: Buffer;
  let noFace: Buffer;
  let boxPort: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-held-'));
    boxPort = await freePort(); // the same after a restart: the box's LoginUrl stays right
    h = await startPlatform({ boxPort, resendAfterMs: 60_000 });
    small = await sharp(face('obama2.jpg')).resize({ width: 200 }).jpeg({ quality: 90 }).toBuffer();
    noFace = await sharp({ create: { width: 400, height: 400, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toBuffer();
    await h.platform.addGroup('staff');
    devSno = (await h.platform.addDevice('gate')).devSno;
    await h.platform.assign(devSno, 'staff');
    agent = await startAgent(join(dir, 'agent'), ['--mac', 'e0:a5:09:00:77:01']);
    await put(agent, 'DevSno', devSno);
    await put(agent, 'LoginUrl', `http://127.0.0.1:${boxPort}/login`);
    await until('agent linked', async () => (await health(agent!)).broker?.state === 'connected', 60_000);
  });
  after(async () => {
    await agent?.kill();
    // not h.close(): that closes the platform the harness started, and restart() replaced it (a
    // second close of a closed platform waits for ever on its read pool)
    await h?.platform.close();
    await h?.broker.close();
    await h?.photos.close();
    if (h) rmSync(h.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const state = async (id: string) => (await h.platform.getPerson(id)).boxes.find((b) => b.devSno === devSno);
  const settled = (what: string) =>
    until(what, async () => {
      const s = (await h.platform.syncSummary()).find((x) => x.devSno === devSno)!;
      return !s.counts.pending && !s.counts.noanswer && !s.counts.unsent && !s.counts.deleting && !s.counts.removing;
    }, 60_000);
  /** Whether the box (the agent's own user store) has this person enrolled. */
  const onBox = async (id: string) => {
    const r = await fetch(`${agent!.url}/SophonFogSys/api/users?identity_id=${encodeURIComponent(id)}`);
    await r.arrayBuffer();
    return r.status === 200;
  };
  /** Waits until the platform shows the person removed from the box and the box no longer has them. */
  const removed = async (id: string, what: string, reason = /^photo fails the check \(.+\); replace the photo$/) => {
    await until(`${what}: ${id} removed`, async () => (await state(id))?.state === 'removed' && !(await onBox(id)), 90_000);
    const s = await state(id);
    assert.match(s?.message ?? '', reason, 'the reason stays');
  };
  const NO_PHOTO = /^no photo; add a photo$/;
  /** Deletes every photo of a person. */
  const dropPhotos = async (id: string) => {
    for (const sha of await photoOf(id)) await h.platform.removePhoto(id, sha);
    assert.equal((await h.platform.getPerson(id)).photos.length, 0);
  };
  const photoOf = async (id: string) => (await h.platform.getPerson(id)).photos.map((p) => p.sha256);
  const lastLogin = async () => (await h.platform.listDevices()).find((d) => d.devSno === devSno)!.lastLoginAt;
  /** The platform stops and starts again on its data; the broker runs on, so the box stays linked and does not log in again. */
  const restart = async (o: { resendAfterMs: number }, meanwhile?: () => Promise<void>) => {
    await h.platform.close();
    await meanwhile?.();
    h.platform = await createPlatformService({ dataDir: h.dir, boxPort, brokerControl: h.broker, amqpPort: h.amqpPort, checkPhoto: (b, level) => h.photos.check(b, { level: level ?? 'high' }), ...o });
  };

  it('judges at the level of the register_type: high holds the small face, custom sends it and the box enrols it', async () => {
    const v1 = await h.platform.savePerson({ id: 'hi', name: 'High', registerType: 1, groups: ['staff'] }, { update: false, photos: [small] });
    const v2 = await h.platform.savePerson({ id: 'cu', name: 'Custom', registerType: 2, groups: ['staff'] }, { update: false, photos: [small] });
    assert.equal(v1.photos[0]!.verdict.passed, false, 'too small at high');
    assert.equal(v1.photos[0]!.verdict.level, 'high');
    assert.match(v1.photos[0]!.verdict.reasons.map((r) => r.check).join(','), /face_size/);
    assert.equal(v2.photos[0]!.verdict.passed, true, `fine at custom: ${v2.photos[0]!.verdict.message}`);
    assert.equal(v2.photos[0]!.verdict.level, 'custom');
    await h.platform.sync(devSno);
    await settled('first sync answered');
    assert.equal((await state('cu'))?.state, 'enrolled', (await state('cu'))?.message ?? '');
    const held = await state('hi');
    assert.equal(held?.state, 'held');
    assert.match(held?.message ?? '', /^not sent: photo fails the check \(.*face.*\); replace the photo$/);
    assert.equal((await health(agent!)).users, 1, 'the box got only the photo it takes');
  });

  it('a new register_type judges the stored photos again: the held person is sent, the other held', async () => {
    const up = await h.platform.savePerson({ id: 'hi', name: 'High', registerType: 2 }, { update: true });
    assert.equal(up.photos[0]!.verdict.passed, true);
    assert.equal(up.photos[0]!.verdict.level, 'custom');
    const down = await h.platform.savePerson({ id: 'cu', name: 'Custom', registerType: 1 }, { update: true });
    assert.equal(down.photos[0]!.verdict.passed, false);
    assert.equal(down.photos[0]!.verdict.level, 'high');
    await h.platform.sync(devSno);
    await settled('second sync answered');
    assert.equal((await state('hi'))?.state, 'enrolled', (await state('hi'))?.message ?? '');
    assert.ok(await onBox('hi'));
    // cu was enrolled: the box must not go on recognising them with the photo the platform now holds back
    await removed('cu', 'stricter register_type');
    assert.equal((await health(agent!)).users, 1);
    // nothing was sent that the box refused
    for (const id of ['hi', 'cu']) assert.notEqual((await state(id))?.state, 'failed');
  });

  it('a removed person passing again is enrolled again', async () => {
    await h.platform.savePerson({ id: 'cu', name: 'Custom', registerType: 2 }, { update: true });
    await h.platform.sync(devSno);
    await until('cu enrolled again', async () => (await state('cu'))?.state === 'enrolled' && (await onBox('cu')), 60_000);
    assert.equal((await health(agent!)).users, 2);
  });

  it('an enrolled person whose photo is replaced with a failing one is removed from the box, and enrolled again with a passing one', async () => {
    const [passing] = await photoOf('hi');
    const added = await h.platform.addPhoto('hi', noFace);
    assert.equal(added.verdict.passed, false, 'no face: fails');
    await h.platform.removePhoto('hi', passing!);
    assert.equal((await h.platform.getPerson('hi')).photos.length, 1, 'only the failing photo left');
    await h.platform.sync(devSno);
    await removed('hi', 'photo replaced');
    assert.ok(await onBox('cu'), 'the others stay');
    await h.platform.addPhoto('hi', small);
    await h.platform.sync(devSno);
    await until('hi enrolled again', async () => (await state('hi'))?.state === 'enrolled' && (await onBox('hi')), 60_000);
  });

  it('a crash after the change and before its sync: the platform removes the person when it starts again', { timeout: 240_000 }, async () => {
    const login = await lastLogin();
    await h.platform.savePerson({ id: 'cu', name: 'Custom', registerType: 1 }, { update: true });
    // stopped before the automatic sync (a second later) ran: the change is on disk, nothing sent
    await restart({ resendAfterMs: 60_000 });
    await removed('cu', 'after the restart');
    assert.ok(await onBox('hi'));
    assert.equal(await lastLogin(), login, "the box did not log in again: the platform's own sync at start removed cu");
  });

  it('a crash between committing a removal and publishing it: sent again once it is overdue', { timeout: 240_000 }, async () => {
    const login = await lastLogin();
    await h.platform.savePerson({ id: 'hi', name: 'High', registerType: 1 }, { update: true });
    // what the planner commits before it publishes: the person `removing` under a command that never left
    await restart({ resendAfterMs: 10_000 }, async () => {
      const db = await openAgentDb(h.dir, { file: 'platform.db' });
      try {
        const d = (await desiredFor(db, devSno)).get('hi')!;
        assert.ok(d.photoProblem, 'hi is held at register_type 1');
        const cur = await db.get<{ state: string }>('SELECT state FROM box_people WHERE dev_sno = ? AND person_id = ?', [devSno, 'hi']);
        assert.equal(cur?.state, 'enrolled', 'no sync ran before the stop');
        const now = Date.now();
        await db.run('INSERT INTO commands (message_id, dev_sno, method, body_json, sent_at) VALUES (?, ?, ?, ?, ?)', ['never-published', devSno, 'delete_users', JSON.stringify({ ids: ['hi'] }), now]);
        await db.run("UPDATE box_people SET state = 'removing', version = ?, message = ?, message_id = 'never-published', sent_at = ?, updated_at = ? WHERE dev_sno = ? AND person_id = 'hi'", [
          d.version,
          d.photoProblem,
          now,
          now,
          devSno,
        ]);
      } finally {
        await db.close();
      }
    });
    assert.ok(await onBox('hi'), 'still on the box: the delete never left');
    // the start's sync leaves it (sent only now); the retry timer sends it again once overdue
    await removed('hi', 'after the resend time');
    assert.equal(await onBox('cu'), false);
    assert.equal((await health(agent!)).users, 0, 'nobody left on the box');
    assert.equal(await lastLogin(), login, 'the box did not log in again: the retry timer sent the removal');
  });

  it('a person whose photos are all deleted is removed from the box, and enrolled again when a photo is added', { timeout: 240_000 }, async () => {
    await h.platform.savePerson({ id: 'np', name: 'No Photo', registerType: 2, groups: ['staff'] }, { update: false, photos: [small] });
    await h.platform.sync(devSno);
    await until('np enrolled', async () => (await state('np'))?.state === 'enrolled' && (await onBox('np')), 60_000);
    await dropPhotos('np');
    await h.platform.sync(devSno);
    // the box must not go on recognising the old photo
    await removed('np', 'photos deleted', NO_PHOTO);
    await h.platform.addPhoto('np', small);
    await h.platform.sync(devSno);
    await until('np enrolled again', async () => (await state('np'))?.state === 'enrolled' && (await onBox('np')), 60_000);
  });

  it('a crash after the photos are deleted and before the sync: the platform removes the person when it starts again', { timeout: 240_000 }, async () => {
    const login = await lastLogin();
    await dropPhotos('np');
    await restart({ resendAfterMs: 60_000 });
    await removed('np', 'after the restart', NO_PHOTO);
    assert.equal(await lastLogin(), login, "the box did not log in again: the platform's own sync at start removed np");
    // a removed person with no photo stays removed (no command every sync), and comes back with a photo
    const [r] = await h.platform.sync(devSno);
    assert.equal(r!.added + r!.deleted + (r!.removed ?? 0), 0, JSON.stringify(r));
    await h.platform.addPhoto('np', small);
    await h.platform.sync(devSno);
    await until('np enrolled again', async () => (await state('np'))?.state === 'enrolled' && (await onBox('np')), 60_000);
  });
});
