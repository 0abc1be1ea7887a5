// Faults in the middle of a sync to a real agent: the agent is killed with SIGKILL and
// restarted, then the platform (with its embedded broker) is stopped and started again on the
// same data; the loop recovers with nothing lost — every person ends enrolled, the box holds
// each of them once, and the platform shows the final state.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { freePort } from '../helpers/ports';
import { makePhoto } from './photos';
import { startPlatform, until, type Harness } from './harness';

const PEOPLE = Number(process.env.SE3_FAULT_PEOPLE ?? 150);

describe(`platform faults mid-sync (${PEOPLE} people, one agent)`, () => {
  let h: Harness;
  let agent: AgentProc | undefined;
  let dir: string;
  let boxPort: number;
  let devSno: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-platform-faults-'));
    boxPort = await freePort();
    h = await startPlatform({ boxPort, resendAfterMs: 8000 });
    await h.platform.addGroup('all');
    devSno = (await h.platform.addDevice('box')).devSno;
    await h.platform.assign(devSno, 'all');
    for (let i = 0; i < PEOPLE; i++) await h.platform.savePerson({ id: `f${String(i).padStart(4, '0')}`, name: `F ${i}`, groups: ['all'] }, { update: false, photos: [await makePhoto(i, false)] });
  });
  after(async () => {
    await agent?.kill();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const enrolled = async () => (await h.platform.syncSummary())[0]!.counts.enrolled ?? 0;
  const linked = async (a: AgentProc) => until('agent linked', async () => (await health(a)).broker?.state === 'connected', 60_000);

  it('recovers from kill -9 of the agent and a restart of the platform and broker', async () => {
    agent = await startAgent(join(dir, 'agent'), ['--mac', 'e0:a5:09:00:fa:01']);
    await put(agent, 'DevSno', devSno);
    await put(agent, 'LoginUrl', `http://127.0.0.1:${boxPort}/login`);
    await linked(agent);
    // the login already started a sync (a box that returns is brought up to date); this one tops it up
    const [rep] = await h.platform.sync();
    assert.equal(rep!.error, null);
    await until('some enrolled', async () => (await enrolled()) >= Math.min(20, PEOPLE / 5), 120_000);
    await agent.kill('SIGKILL');
    const atKill = await enrolled();
    assert.ok(atKill < PEOPLE, 'killed in the middle');
    agent = await startAgent(join(dir, 'agent'), ['--mac', 'e0:a5:09:00:fa:01']);
    await linked(agent);
    await until('more enrolled after the restart', async () => (await enrolled()) > atKill, 120_000);

    // the site server (platform + embedded broker) goes down and comes back on the same data
    const amqpPort = h.amqpPort;
    await h.close({ keep: true });
    h = await startPlatform({ boxPort, resendAfterMs: 8000 }, { dir: h.dir, amqpPort });
    await until(
      'every person enrolled',
      async () => {
        const c = (await h.platform.syncSummary())[0]!.counts;
        return c.enrolled === PEOPLE;
      },
      // the box enrols at the face engine's rate: allow about a second a person on a loaded machine
      Math.max(300_000, PEOPLE * 1000),
    ).catch(async (err) => {
      const people = (await h.platform.listPeople({ limit: 5000 })).people.filter((p) => p.boxes[0]?.state !== 'enrolled');
      throw new Error(`${(err as Error).message}; counts ${JSON.stringify((await h.platform.syncSummary())[0]!.counts)}; agent ${JSON.stringify(await health(agent!))}; e.g. ${JSON.stringify(people.slice(0, 3).map((p) => p.boxes))}; devices ${JSON.stringify(await h.platform.listDevices())}`);
    });
    assert.equal((await health(agent)).users, PEOPLE, 'the box holds each person once');
    const counts = (await h.platform.syncSummary())[0]!.counts;
    assert.deepEqual(counts, { assigned: PEOPLE, enrolled: PEOPLE });
    // and a further sync sends nothing
    const again = await h.platform.sync();
    assert.equal(again[0]!.commands, 0);
  });
});
