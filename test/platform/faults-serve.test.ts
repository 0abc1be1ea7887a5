// Faults in the middle of a large sync, with real processes: `se3kit serve` (site platform,
// embedded broker) and a real `se3kit agent` (virtual box). (1) kill -9 the agent while it
// enrols → after its restart every person is enrolled exactly once (one row per identity in
// the box's agent.db) and the platform shows every person enrolled. (2) kill -9 the whole site
// server (platform and its embedded broker) mid-sync and start it again on the same ports →
// the loop recovers, nothing is lost: the box reconnects, its results reach the platform, and
// the people it could not fetch while the server was down (50073) are sent again. SE3_FAULT_PEOPLE people per phase (default 60: the face
// engine enrols some 10–20 photos/s on an idle 2-core machine, several times fewer when it
// is shared; the platform also checks every photo on upload: 60 + 60 keeps the file near two
// minutes on a quiet machine; the 1,000 is SE3_FAULT_PEOPLE=1000).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAgentDb } from '../../agent/store/db';
import { PlatformClient } from '../../electron/cli/commands/platform-client';
import { health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { variantPhoto } from '../helpers/face-variants';
import { freePort } from '../helpers/ports';
import { startCli, type Running } from '../site/cli-process';
import { until } from './harness';

const PER_PHASE = Number(process.env.SE3_FAULT_PEOPLE ?? 60);
const MAC = 'e0:a5:09:00:0f:01';

describe(`faults mid-sync (${PER_PHASE} people per phase, real serve + agent)`, () => {
  let dir: string;
  let serveDir: string;
  let agentDir: string;
  let boxPort: number;
  let amqpPort: number;
  let serve: Running | undefined;
  let agent: AgentProc | undefined;
  let api: PlatformClient;
  let devSno: string;

  async function startServe() {
    serve = await startCli(['serve', '--data', serveDir, '--port', '0', '--box-port', String(boxPort), '--amqp-port', String(amqpPort)]);
    api = await PlatformClient.open(serveDir);
  }
  async function startBox() {
    agent = await startAgent(agentDir, ['--mac', MAC]);
  }
  /** identity_id → rows in the box's users table (read with a second connection). */
  async function boxRows(): Promise<Map<string, number>> {
    const db = await openAgentDb(agentDir);
    try {
      const rows = await db.all<{ identity_id: string; n: number }>('SELECT identity_id, count(*) AS n FROM users GROUP BY identity_id');
      return new Map(rows.map((r) => [r.identity_id, r.n]));
    } finally {
      await db.close();
    }
  }
  async function addPeople(prefix: string, group: string, n: number) {
    for (let i = 0; i < n; i++) {
      const photo = (await variantPhoto(prefix === 'a' ? i : 1000 + i)).toString('base64');
      const p = await api.call('platform.people.add', { id: `${prefix}${String(i).padStart(4, '0')}`, name: `Person ${prefix}${i}`, groups: [group], photos: [photo] });
      assert.equal(p.photos[0]!.verdict.passed, true, `${p.id}: ${p.photos[0]!.verdict.message}`);
    }
  }
  async function states(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const { people } = await api.call('platform.people.list', { limit: 5000 });
    for (const p of people) out.set(p.id, p.boxes.find((b) => b.devSno === devSno)?.state ?? 'none');
    return out;
  }
  async function allEnrolled(ids: string[], what: string) {
    let last = new Map<string, string>();
    try {
      await until(
        what,
        async () => {
          last = await states();
          return ids.every((id) => last.get(id) === 'enrolled');
        },
        330_000, // people the box failed with 50073 while the server was down are re-sent after the resend time (120 s)
      );
    } catch (err) {
      const count: Record<string, number> = {};
      for (const id of ids) count[last.get(id) ?? 'none'] = (count[last.get(id) ?? 'none'] ?? 0) + 1;
      const h = await health(agent!).catch((e: Error) => e.message);
      throw new Error(`${(err as Error).message}\nplatform states ${JSON.stringify(count)}\nbox health ${JSON.stringify(h)}\nagent log: ${agent?.output().slice(-3000)}\nserve log: ${serve?.err().slice(-3000)}`);
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-faults-'));
    serveDir = join(dir, 'site');
    agentDir = join(dir, 'box');
    boxPort = await freePort();
    amqpPort = await freePort();
    await startServe();
    await api.call('platform.groups.add', { name: 'a' });
    await api.call('platform.groups.add', { name: 'b' });
    devSno = (await api.call('platform.devices.add', { name: 'faulty box' })).devSno;
    await startBox();
    await put(agent!, 'DevSno', devSno);
    await put(agent!, 'LoginUrl', `http://127.0.0.1:${boxPort}/login`);
    await until('box linked', async () => (await health(agent!)).broker?.state === 'connected', 60_000);
    // the people first, then the group on the box: the whole phase is one sync
    await addPeople('a', 'a', PER_PHASE);
    await addPeople('b', 'b', PER_PHASE);
  });
  after(async () => {
    await agent?.kill('SIGKILL');
    await serve?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kill -9 of the agent mid-sync: after its restart everyone is enrolled exactly once', async () => {
    const ids = Array.from({ length: PER_PHASE }, (_, i) => `a${String(i).padStart(4, '0')}`);
    await api.call('platform.devices.assign', { devSno, group: 'a' });
    const before = await until('the box enrolling', async () => {
      const n = (await health(agent!)).users as number;
      return n >= Math.max(1, Math.floor(PER_PHASE / 4)) ? n : 0;
    }, 120_000);
    assert.ok(before < PER_PHASE, `killed mid-sync (${before} of ${PER_PHASE} enrolled)`);
    await agent!.kill('SIGKILL');
    const s = await states();
    assert.ok(ids.some((id) => s.get(id) !== 'enrolled'), 'the platform had results outstanding at the kill');
    await startBox(); // same data dir: DevSno and LoginUrl kept, logs in again
    await allEnrolled(ids, 'every person of phase a enrolled after the restart');
    const rows = await boxRows();
    assert.deepEqual([...rows.keys()].sort(), ids, 'the box holds exactly phase a');
    assert.ok([...rows.values()].every((n) => n === 1), 'one row per identity');
    assert.equal((await health(agent!)).users, PER_PHASE);
  });

  it('kill -9 of the site server (platform + embedded broker) mid-sync: the loop recovers, nothing lost', async () => {
    const idsA = Array.from({ length: PER_PHASE }, (_, i) => `a${String(i).padStart(4, '0')}`);
    const idsB = Array.from({ length: PER_PHASE }, (_, i) => `b${String(i).padStart(4, '0')}`);
    await api.call('platform.devices.assign', { devSno, group: 'b' });
    const at = await until('the box enrolling phase b', async () => {
      const n = (await health(agent!)).users as number;
      return n >= PER_PHASE + Math.max(1, Math.floor(PER_PHASE / 4)) ? n : 0;
    }, 120_000);
    assert.ok(at < 2 * PER_PHASE, `killed mid-sync (${at - PER_PHASE} of ${PER_PHASE} of phase b enrolled)`);
    serve!.child.kill('SIGKILL');
    await serve!.stop();
    await startServe();
    await allEnrolled([...idsA, ...idsB], 'everyone enrolled after the site server restart');
    const rows = await boxRows();
    assert.deepEqual([...rows.keys()].sort(), [...idsA, ...idsB]);
    assert.ok([...rows.values()].every((n) => n === 1), 'one row per identity');
    const summary = await api.call('platform.sync.summary', {});
    assert.deepEqual(summary.find((x) => x.devSno === devSno)!.counts, { assigned: 2 * PER_PHASE, enrolled: 2 * PER_PHASE });
    // re-sync is idempotent: nothing re-sent for an unchanged box
    const again = await api.call('platform.sync', { devSno });
    assert.equal(again[0]!.commands, 0);
  });
});
