// Faults in the middle of a large sync, with real processes: `se3kit serve` (site platform,
// embedded broker) and a real `se3kit agent` (virtual box). (1) kill -9 the agent while it
// enrols → after its restart every person is enrolled exactly once (one row per identity in
// the box's agent.db) and the platform shows every person enrolled. (2) kill -9 the whole site
// server (platform and its embedded broker) mid-sync and start it again on the same ports →
// the loop recovers, nothing is lost: the box reconnects, its results reach the platform, and
// the people it could not fetch while the server was down (50073) are sent again as soon as their
// results come in (not after the resend time). (3) A person deleted on the platform while the box
// is off (killed) is off the box once it is back. (4) A recognition made while the site server is
// down (killed) reaches it once it is back, once. (5) A command committed to the platform's
// database but never published (the server killed between the two, by an armed fault point) is
// sent at the next start, not once the resend time has passed. Every user the box stores is whole (its photo
// matches its hash, a full descriptor). SE3_FAULT_PEOPLE people per phase (default 60: the face
// engine enrols some 10–20 photos/s on an idle 2-core machine, several times fewer when it
// is shared; the platform also checks every photo on upload: 60 + 60 keeps the file near two
// minutes on a quiet machine; the 1,000 is SE3_FAULT_PEOPLE=1000).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DESCRIPTOR } from '../../agent/face/descriptor';
import { openAgentDb } from '../../agent/store/db';
import { PlatformClient } from '../../electron/cli/commands/platform-client';
import { health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { variantPhoto } from '../helpers/face-variants';
import { freePort } from '../helpers/ports';
import { startCli, type Running } from '../site/cli-process';
import { until } from './harness';

const PER_PHASE = Number(process.env.SE3_FAULT_PEOPLE ?? 60);
const MAC = 'e0:a5:09:00:0f:01';
const CAM = '192.0.2.41'; // a capture device's name on the box; nothing is sent to it

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

  async function startServe(env: NodeJS.ProcessEnv = {}) {
    serve = await startCli(['serve', '--data', serveDir, '--port', '0', '--box-port', String(boxPort), '--amqp-port', String(amqpPort), '--record-period', '1'], env);
    api = await PlatformClient.open(serveDir);
  }
  async function startBox() {
    agent = await startAgent(agentDir, ['--mac', MAC]);
  }
  /** identity_id → rows in the box's users table (read with a second connection); every row whole. */
  async function boxRows(): Promise<Map<string, number>> {
    const db = await openAgentDb(agentDir);
    try {
      const whole = await db.all<{ identity_id: string; photo: Buffer; photo_sha256: string; embedding: Buffer }>('SELECT identity_id, photo, photo_sha256, embedding FROM users');
      for (const u of whole) {
        assert.equal(createHash('sha256').update(u.photo).digest('hex'), u.photo_sha256, `${u.identity_id}: the photo is whole`);
        assert.equal(u.embedding.byteLength, DESCRIPTOR.dims * 4, `${u.identity_id}: the descriptor is whole`);
      }
      const rows = await db.all<{ identity_id: string; n: number }>('SELECT identity_id, count(*) AS n FROM users GROUP BY identity_id');
      return new Map(rows.map((r) => [r.identity_id, r.n]));
    } finally {
      await db.close();
    }
  }
  /** The site server killed (platform and its embedded broker), never stopped gracefully. */
  async function killServe() {
    serve!.child.kill('SIGKILL');
    await serve!.stop();
    serve = undefined;
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
        330_000, // a slow, shared machine (the face engine enrols every photo)
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
    const start = Date.now();
    await api.call('platform.devices.assign', { devSno, group: 'b' });
    const at = await until('the box enrolling phase b', async () => {
      const n = (await health(agent!)).users as number;
      return n >= PER_PHASE + Math.max(1, Math.floor(PER_PHASE / 4)) ? n : 0;
    }, 120_000);
    assert.ok(at < 2 * PER_PHASE, `killed mid-sync (${at - PER_PHASE} of ${PER_PHASE} of phase b enrolled)`);
    await killServe();
    const restarted = Date.now();
    await startServe();
    await allEnrolled([...idsA, ...idsB], 'everyone enrolled after the site server restart');
    // the people the box could not fetch while the server was down (50073) were sent again as
    // soon as their results came in, not once the resend time (120 s) had passed since they were sent
    const pdb = await openAgentDb(serveDir, { file: 'platform.db', readOnly: true });
    try {
      const sent = await pdb.all<{ person_id: string; sent_at: number }>("SELECT person_id, sent_at FROM box_people WHERE dev_sno = ? AND person_id LIKE 'b%'", [devSno]);
      assert.equal(sent.length, PER_PHASE);
      assert.ok(sent.some((x) => x.sent_at > restarted), 'some people were sent again after the restart (the kill came mid-answer)');
      assert.deepEqual(sent.filter((x) => x.sent_at - start >= 120_000).map((x) => x.person_id), [], 'nobody waited for the resend time');
    } finally {
      await pdb.close();
    }
    const rows = await boxRows();
    assert.deepEqual([...rows.keys()].sort(), [...idsA, ...idsB]);
    assert.ok([...rows.values()].every((n) => n === 1), 'one row per identity');
    const summary = await api.call('platform.sync.summary', {});
    assert.deepEqual(summary.find((x) => x.devSno === devSno)!.counts, { assigned: 2 * PER_PHASE, enrolled: 2 * PER_PHASE });
    // re-sync is idempotent: nothing re-sent for an unchanged box
    const again = await api.call('platform.sync', { devSno });
    assert.equal(again[0]!.commands, 0);
  });

  it('a person deleted while the box is off (killed) is off the box once it is back', async () => {
    await agent!.kill('SIGKILL');
    const gone = ['b0000', 'b0001', 'b0002'];
    for (const id of gone) await api.call('platform.people.delete', { id });
    await startBox();
    const want = [...(await states()).keys()].sort();
    await until('the deleted people off the box', async () => {
      const rows = await boxRows();
      return rows.size === want.length && want.every((id) => rows.has(id));
    }, 120_000);
    const rows = await boxRows();
    for (const id of gone) assert.equal(rows.has(id), false, `${id} is off the box`);
    await allEnrolled(want, 'the others still enrolled');
  });

  it('a recognition made while the site server is down (killed) reaches it once it is back, once', async () => {
    // the camera recognises group a (the site's first group: permission id 1)
    const r = await fetch(`${agent!.url}/se3kit/capture-devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ep_ip: CAM, ep_type: 1, name: 'Gate', permission_ids: ['1'] }),
    });
    assert.equal(r.status, 200, await r.text());
    await killServe();
    const snap = await fetch(`${agent!.url}/snapshots?ep_ip=${CAM}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(await variantPhoto(0)) });
    assert.equal(snap.status, 200, await snap.clone().text());
    const made = ((await snap.json()) as { events: Array<{ event_id: string; identity_id: string }> }).events[0]!;
    assert.equal(made.identity_id, 'a0000', 'recognised');
    await startServe();
    const list = async () => (await api.call('events.list', { devSno, limit: 1000 })).events as Array<{ id: string; identityId: string }>;
    await until('the event at the platform', async () => (await list()).some((e) => e.id === made.event_id), 120_000);
    // the box's history upload (every second) goes on bringing its records: still one after several
    await new Promise((res) => setTimeout(res, 5000));
    const seen = (await list()).filter((e) => e.id === made.event_id);
    assert.equal(seen.length, 1, 'once in the events list');
    assert.equal(seen[0]!.identityId, 'a0000');
  });
  it('a command committed but never published (the server killed between the two) is sent at once after the restart', async () => {
    await killServe();
    await startServe({ SE3KIT_FAULT: 'before-publish' }); // kills itself after the next sync command's commit
    await api.call('platform.groups.add', { name: 'c' });
    const p = await api.call('platform.people.add', { id: 'c0000', name: 'Person c0', groups: ['c'], photos: [(await variantPhoto(2000)).toString('base64')] });
    assert.equal(p.photos[0]!.verdict.passed, true, p.photos[0]!.verdict.message);
    const died = new Promise<NodeJS.Signals | null>((res) => serve!.child.once('exit', (_code, signal) => res(signal)));
    await api.call('platform.devices.assign', { devSno, group: 'c' }); // its sync runs a second later
    assert.equal(await died, 'SIGKILL', 'the server killed itself between the commit and the publish');
    serve = undefined;
    const readRow = async () => {
      const pdb = await openAgentDb(serveDir, { file: 'platform.db', readOnly: true });
      try {
        return await pdb.get<{ state: string; sent_at: number; published_at: number | null }>(
          'SELECT b.state, b.sent_at, c.published_at FROM box_people b JOIN commands c ON c.message_id = b.message_id WHERE b.dev_sno = ? AND b.person_id = ?',
          [devSno, 'c0000'],
        );
      } finally {
        await pdb.close();
      }
    };
    const lost = await readRow();
    assert.equal(lost?.state, 'pending', 'committed as sent');
    assert.equal(lost?.published_at, null, 'never confirmed by the broker');
    await startServe();
    await allEnrolled(['c0000'], 'the person of the lost command enrolled after the restart');
    const sent = await readRow();
    assert.ok(sent!.published_at !== null && sent!.sent_at > lost!.sent_at, 'sent again, and published this time');
    assert.ok(sent!.sent_at - lost!.sent_at < 120_000, `sent again at the start, not after the resend time (${sent!.sent_at - lost!.sent_at} ms later)`);
    assert.equal((await boxRows()).get('c0000'), 1, 'on the box once');
  });
});
