// The platform judges a person's photo as the box will (agent/commands/enrol-check.ts: the level
// of the person's register_type, 1 high, 2 custom), with a real agent (virtual box) on the
// embedded broker and the real face engine on both sides. A photo whose face is too small for
// `high` but fine for `custom` (the fixture portrait scaled to 200 px wide): a register_type 2
// person with it is sent and enrolled, a register_type 1 person is held on the platform (never
// refused by the box); switching the register_types judges the stored photos again and the
// held one is sent, the other held.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { face } from '../fiqa/fixtures';
import { startPlatform, until, type Harness } from './harness';

describe('platform: a person is sent only with a photo the box takes at their register_type', () => {
  let h: Harness;
  let dir: string;
  let agent: AgentProc | undefined;
  let devSno: string;
  let small: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-held-'));
    h = await startPlatform({ resendAfterMs: 60_000 });
    small = await sharp(face('obama2.jpg')).resize({ width: 200 }).jpeg({ quality: 90 }).toBuffer();
    await h.platform.addGroup('staff');
    devSno = (await h.platform.addDevice('gate')).devSno;
    await h.platform.assign(devSno, 'staff');
    agent = await startAgent(join(dir, 'agent'), ['--mac', 'e0:a5:09:00:77:01']);
    await put(agent, 'DevSno', devSno);
    await put(agent, 'LoginUrl', `http://127.0.0.1:${h.platform.boxPort}/login`);
    await until('agent linked', async () => (await health(agent!)).broker?.state === 'connected', 60_000);
  });
  after(async () => {
    await agent?.kill();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const state = async (id: string) => (await h.platform.getPerson(id)).boxes.find((b) => b.devSno === devSno);
  const settled = (what: string) =>
    until(what, async () => {
      const s = (await h.platform.syncSummary()).find((x) => x.devSno === devSno)!;
      return !s.counts.pending && !s.counts.noanswer && !s.counts.unsent && !s.counts.deleting;
    }, 60_000);

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
    assert.equal((await state('cu'))?.state, 'held');
    // nothing was sent that the box refused
    for (const id of ['hi', 'cu']) assert.notEqual((await state(id))?.state, 'failed');
  });
});
