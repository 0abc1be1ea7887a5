// End to end with real boxes: three `se3kit agent` processes (virtual boxes) pointed at the
// platform (in-process service, embedded broker, real face engine on both sides) log in,
// connect to the broker and enrol the people of their groups; people whose photo fails the
// check the box enrols with are not sent (held, with the reason) and are sent once a passing
// photo replaces it; moving a person out of a group deletes them from that box only;
// delete and wipe; results via the upload queue, then via notify_path, then none (one-way).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { makePhoto } from './photos';
import { startPlatform, until, type Harness } from './harness';

const PEOPLE = Number(process.env.SE3_E2E_PEOPLE ?? 60);
const GROUPS = ['g1', 'g2', 'g3'];
/** box → its groups */
const ASSIGN: string[][] = [['g1'], ['g2'], ['g1', 'g3']];

describe(`platform end to end: 3 agents, ${PEOPLE} people`, () => {
  let h: Harness;
  let dir: string;
  const agents: AgentProc[] = [];
  const devs: string[] = [];
  const failing = new Set<string>();
  const groupOf = new Map<string, string>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-platform-e2e-'));
    h = await startPlatform({ resendAfterMs: 60_000 });
    for (const g of GROUPS) await h.platform.addGroup(g);
    for (let b = 0; b < 3; b++) {
      const d = await h.platform.addDevice(`box ${b}`);
      devs.push(d.devSno);
      for (const g of ASSIGN[b]!) await h.platform.assign(d.devSno, g);
      agents.push(await startAgent(join(dir, `agent${b}`), ['--mac', `e0:a5:09:00:00:0${b}`]));
    }
    for (let i = 0; i < PEOPLE; i++) {
      const id = `p${String(i).padStart(4, '0')}`;
      const fail = i % 10 === 7;
      if (fail) failing.add(id);
      const g = GROUPS[i % 3]!;
      groupOf.set(id, g);
      await h.platform.savePerson({ id, name: `Person ${i}` }, { update: false, photos: [await makePhoto(i, fail)] });
      // groups after the photos: the sync starts once everyone is in
      if (i === PEOPLE - 1) break;
    }
    for (const [id, g] of groupOf) await h.platform.savePerson({ id, name: `Person ${id.slice(1)}`, groups: [g] }, { update: true });
  });
  after(async () => {
    for (const a of agents) await a.kill();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const expected = (b: number) => [...groupOf].filter(([, g]) => ASSIGN[b]!.includes(g)).map(([id]) => id).sort();
  async function settled(what: string, timeoutMs = 240_000) {
    await until(
      what,
      async () => {
        const s = await h.platform.syncSummary();
        return s.every((x) => !x.counts.pending && !x.counts.deleting && !x.counts.noanswer && !x.counts.unsent);
      },
      timeoutMs,
    );
  }
  async function statesOf(b: number): Promise<Map<string, { state: string; code: number | null; message: string | null }>> {
    const out = new Map();
    for (const p of (await h.platform.listPeople({ limit: 5000 })).people) {
      const s = p.boxes.find((x) => x.devSno === devs[b]);
      if (s) out.set(p.id, s);
    }
    return out;
  }

  it('the platform checked every photo on upload; the failing ones are marked at once', async () => {
    const people = (await h.platform.listPeople({ limit: 5000 })).people;
    assert.equal(people.length, PEOPLE);
    for (const p of people) assert.equal(p.photos[0]!.verdict.passed, !failing.has(p.id), `${p.id}: ${p.photos[0]!.verdict.message}`);
  });

  it('boxes log in and every box ends with exactly its people; a failing photo is not sent and says why', async () => {
    for (let b = 0; b < 3; b++) {
      await put(agents[b]!, 'DevSno', devs[b]!);
      await put(agents[b]!, 'LoginUrl', `http://127.0.0.1:${h.platform.boxPort}/login`);
    }
    for (let b = 0; b < 3; b++) await until(`box ${b} linked`, async () => (await health(agents[b]!)).broker?.state === 'connected', 60_000);
    await h.platform.sync();
    await settled('first sync answered');
    for (let b = 0; b < 3; b++) {
      const states = await statesOf(b);
      assert.deepEqual([...states.keys()].sort(), expected(b), `box ${b} holds its groups' people`);
      for (const [id, s] of states) {
        if (failing.has(id)) {
          // held on the platform: never sent, so never refused by the box
          assert.equal(s.state, 'held', `${id} on box ${b}`);
          assert.match(s.message ?? '', /^not sent: photo fails the check \(.{3,}\); replace the photo$/);
        } else assert.equal(s.state, 'enrolled', `${id} on box ${b}: ${s.message}`);
      }
      const enrolled = expected(b).filter((id) => !failing.has(id)).length;
      assert.equal((await health(agents[b]!)).users, enrolled, `box ${b} user count`);
    }
    // nothing is re-sent for unchanged people
    const again = await h.platform.sync();
    assert.deepEqual(again.map((r) => r.commands), [0, 0, 0]);
    const view = (await h.platform.listDevices()).map((d) => [d.online, d.mac]);
    assert.deepEqual(view, [
      [true, 'e0:a5:09:00:00:00'],
      [true, 'e0:a5:09:00:00:01'],
      [true, 'e0:a5:09:00:00:02'],
    ]);
  });

  it('a failing photo replaced by a passing one is sent and enrolled; the held row of a person gone from a box goes with it', async () => {
    const id = [...groupOf].find(([pid, g]) => g === 'g1' && failing.has(pid))![0];
    const before0 = (await health(agents[0]!)).users;
    const bad = (await h.platform.getPerson(id)).photos[0]!.sha256;
    const { verdict } = await h.platform.addPhoto(id, await makePhoto(0, false));
    assert.equal(verdict.passed, true, verdict.message);
    await h.platform.removePhoto(id, bad);
    failing.delete(id);
    await h.platform.sync();
    await settled('replacement answered');
    assert.equal((await statesOf(0)).get(id)?.state, 'enrolled');
    assert.equal((await statesOf(2)).get(id)?.state, 'enrolled');
    assert.equal((await health(agents[0]!)).users, before0 + 1);
    // a held person moved to a group of no box: its held rows go, no delete is sent for it
    const other = [...groupOf].find(([pid, g]) => g === 'g1' && failing.has(pid))![0];
    await h.platform.addGroup('nobox');
    await h.platform.savePerson({ id: other, name: 'Held', groups: ['nobox'] }, { update: true });
    const reports = await h.platform.sync();
    assert.deepEqual(reports.map((r) => r.deleted), [0, 0, 0], 'nothing to delete on a box that never got it');
    assert.equal((await h.platform.getPerson(other)).boxes.length, 0);
    groupOf.set(other, 'nobox');
  });

  it('moving a person out of a group deletes them from that box only; delete removes everywhere', async () => {
    const id = [...groupOf].find(([pid, g]) => g === 'g1' && !failing.has(pid))![0];
    await h.platform.savePerson({ id, name: 'Moved', groups: ['g3'] }, { update: true });
    await h.platform.sync();
    await settled('move answered');
    assert.equal((await statesOf(0)).has(id), false, 'gone from box 0 (g1)');
    assert.equal((await statesOf(2)).get(id)?.state, 'enrolled', 'still on box 2 (g1 + g3), re-sent with the new name');
    const en0 = expected(0).filter((x) => x !== id && !failing.has(x)).length;
    assert.equal((await health(agents[0]!)).users, en0);
    await h.platform.deletePerson(id);
    await h.platform.sync();
    await settled('delete answered');
    assert.equal((await statesOf(2)).has(id), false);
    groupOf.delete(id);
    assert.equal((await health(agents[2]!)).users, expected(2).filter((x) => !failing.has(x)).length);
  });

  it('wipe empties a box; the next sync brings it up to date; results also via notify_path, and none in one-way mode', async () => {
    await h.platform.wipe(devs[1]!, { users: true, events: false });
    await until('box 1 wiped', async () => (await health(agents[1]!)).users === 0);
    await until('platform saw the wipe', async () => (await statesOf(1)).size === 0);
    await h.platform.setSettings({ resultsMode: 'notify' });
    // a new login hands out the settings without uploadQueue: the box reports by notify_path
    await put(agents[1]!, 'LoginUrl', `http://127.0.0.1:${h.platform.boxPort}/login?again=1`);
    await until('box 1 relinked', async () => (await health(agents[1]!)).broker?.state === 'connected', 60_000);
    await h.platform.sync(devs[1]!);
    await settled('notify results');
    const s1 = await statesOf(1);
    assert.equal([...s1.values()].filter((s) => s.state === 'enrolled').length, expected(1).filter((x) => !failing.has(x)).length);

    await h.platform.setSettings({ resultsMode: 'none' });
    await h.platform.wipe(devs[1]!, { users: true, events: false });
    await until('box 1 wiped again', async () => (await health(agents[1]!)).users === 0);
    await put(agents[1]!, 'LoginUrl', `http://127.0.0.1:${h.platform.boxPort}/login?again=2`);
    await until('box 1 relinked', async () => (await health(agents[1]!)).broker?.state === 'connected', 60_000);
    await h.platform.sync(devs[1]!);
    const one = await statesOf(1);
    for (const [id, s] of one) assert.equal(s.state, failing.has(id) ? 'held' : 'sent', `one-way: sent, not enrolled (${id})`);
    await until('box 1 enrolled its people anyway', async () => (await health(agents[1]!)).users === expected(1).filter((x) => !failing.has(x)).length, 120_000);
    await h.platform.setSettings({ resultsMode: 'queue' });
  });
});
