// Crash-safety of the people sync as an operator meets it: real processes (`se3kit serve` with
// its embedded broker, one `se3kit agent` as a virtual box, loopback only), killed with SIGKILL
// at bad moments, never stopped gracefully:
//   - the agent killed mid-enrolment of a batch: restarted, the box ends with exactly the
//     platform's set, every stored user whole (photo matching its hash, a full descriptor);
//   - the site server killed while the box answers a batch: restarted, every person's state
//     converges (nobody left pending / unanswered for good) and the box holds the set;
//   - a person deleted on the platform while the box is offline: off the box once it is back;
//   - a recognition made while the site server is down: at the platform once it is back, once.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DESCRIPTOR } from '../../agent/face/descriptor';
import { openAgentDb } from '../../agent/store/db';
import { face, health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { FACES_DIR, PORTRAITS } from '../fiqa/fixtures';
import { freePort } from '../helpers/ports';
import { startCli, type Running } from '../site/cli-process';
import { adminCall } from './events-admin';
import { until } from './harness';

const CAM = '192.0.2.21'; // a capture device's name on the box; nothing is sent to it

describe('platform sync: kill -9 of the box or the site server at bad moments', () => {
  let dir: string;
  let serve: Running | undefined;
  let serveArgs: string[];
  let agent: AgentProc | undefined;
  let devSno: string;
  let batch = 0;
  const site = () => join(dir, 'site');
  const agentDir = () => join(dir, 'agent');
  const call = (method: string, params: unknown = {}) => adminCall(site(), method, params);
  const startBox = async () => {
    agent = await startAgent(agentDir(), ['--mac', '02:00:00:00:00:71']);
    await until('the box linked', async () => (await health(agent!)).broker?.state === 'connected', 60_000);
  };
  /** Starts the box the first time (configured by DevSno / LoginUrl, as an installer does). */
  const commission = async () => {
    agent = await startAgent(agentDir(), ['--mac', '02:00:00:00:00:71']);
    await put(agent, 'DevSno', devSno);
    await put(agent, 'LoginUrl', `http://127.0.0.1:${serveArgs[serveArgs.indexOf('--box-port') + 1]}/login`);
    await until('the box linked', async () => (await health(agent!)).broker?.state === 'connected', 60_000);
  };
  const killBox = async () => {
    await agent!.kill('SIGKILL');
    agent = undefined;
  };
  const killServe = async () => {
    serve!.child.kill('SIGKILL');
    await serve!.stop();
    serve = undefined;
  };
  /** The platform's people (ids) and each one's state on the box. */
  const platformSet = async () => {
    const r = await call('platform.people.list', { limit: 5000 });
    return new Map<string, string | undefined>(r.people.map((p: any) => [p.id, p.boxes.find((b: any) => b.devSno === devSno)?.state]));
  };
  /** What the box holds, read from its own store (the agent stopped or running: a second reader). */
  const boxUsers = async () => {
    const db = await openAgentDb(agentDir(), { readOnly: true });
    try {
      return await db.all<{ identity_id: string; photo: Buffer; photo_sha256: string; embedding: Buffer }>('SELECT identity_id, photo, photo_sha256, embedding FROM users ORDER BY identity_id');
    } finally {
      await db.close();
    }
  };
  /** Every person enrolled on the box, nothing else on it, every stored user whole. */
  const converged = async (what: string, timeoutMs = 240_000) => {
    await until(
      what,
      async () => {
        const want = await platformSet();
        if (process.env.SE3_DEBUG) { const c: Record<string, number> = {}; for (const v of want.values()) c[String(v)] = (c[String(v)] ?? 0) + 1; console.error(new Date().toISOString(), JSON.stringify(c)); }
        if ([...want.values()].some((s) => s !== 'enrolled')) return false;
        const have = (await boxUsers()).map((u) => u.identity_id);
        return have.length === want.size && have.every((id) => want.has(id));
      },
      timeoutMs,
    );
    for (const u of await boxUsers()) {
      assert.equal(createHash('sha256').update(u.photo).digest('hex'), u.photo_sha256, `${u.identity_id}: the photo is whole`);
      assert.equal(u.embedding.byteLength, DESCRIPTOR.dims * 4, `${u.identity_id}: the descriptor is whole`);
    }
  };
  /** Imports `n` new people of group staff (the platform syncs them a second later: one batch). */
  const importBatch = async (n: number) => {
    batch++;
    const rows = Array.from({ length: n }, (_, i) => `b${batch}-${String(i).padStart(3, '0')},Person ${batch}/${i},staff,${PORTRAITS[i % PORTRAITS.length]}`);
    const rep = await call('platform.people.import', { csv: `id,name,groups,photo\n${rows.join('\n')}\n`, photosDir: join(dir, 'photos') });
    assert.equal(rep.added, n, JSON.stringify(rep).slice(0, 2000));
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-crash-sync-'));
    mkdirSync(join(dir, 'photos'));
    for (const p of PORTRAITS) copyFileSync(join(FACES_DIR, p), join(dir, 'photos', p));
    serveArgs = ['serve', '--data', site(), '--port', '0', '--box-port', String(await freePort()), '--amqp-port', String(await freePort()), '--status-period', '1', '--record-period', '1'];
    serve = await startCli(serveArgs);
    devSno = (await call('platform.devices.add', { name: 'gate' })).devSno;
    await call('platform.groups.add', { name: 'staff' });
    await call('platform.devices.assign', { devSno, group: 'staff' });
    await commission();
  });
  after(async () => {
    await agent?.kill('SIGKILL');
    if (serve) await killServe();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the box killed mid-enrolment of a batch ends with exactly the platform set, every user whole', { timeout: 400_000 }, async () => {
    await importBatch(60);
    await until('the box enrolling the batch', async () => (await health(agent!)).users >= 3, 120_000);
    await killBox();
    const part = (await boxUsers()).length;
    assert.ok(part < 60, `killed mid-batch (${part} of 60 on the box)`);
    await startBox();
    await converged('the batch on the box after the restart');
  });

  it('the site server killed while the box answers a batch: states converge, nobody pending for good', { timeout: 400_000 }, async () => {
    const start = Date.now();
    await importBatch(60);
    await until('the box enrolling the batch', async () => (await health(agent!)).users >= (await platformSet()).size - 55, 120_000);
    await killServe();
    const restarted = Date.now();
    serve = await startCli(serveArgs);
    await converged('every person enrolled after the restart');
    // the people the box could not fetch while the server was down (50073) are sent again as soon
    // as their results come in, not once the resend time (120 s) has passed since they were sent
    const db = await openAgentDb(site(), { file: 'platform.db', readOnly: true });
    try {
      const sent = await db.all<{ person_id: string; sent_at: number }>("SELECT person_id, sent_at FROM box_people WHERE dev_sno = ? AND person_id LIKE 'b2-%'", [devSno]);
      assert.equal(sent.length, 60);
      assert.ok(sent.some((x) => x.sent_at > restarted), 'some people were sent again after the restart (the kill came mid-answer)');
      const late = sent.filter((x) => x.sent_at - start >= 120_000);
      assert.deepEqual(late.map((x) => x.person_id), [], 'nobody waited for the resend time');
    } finally {
      await db.close();
    }
  });

  it('a person deleted while the box is offline is removed when it comes back', { timeout: 300_000 }, async () => {
    await killBox();
    const gone = [...(await platformSet()).keys()].slice(0, 3);
    for (const id of gone) await call('platform.people.delete', { id });
    await startBox();
    await converged('the deleted people off the box');
    const have = new Set((await boxUsers()).map((u) => u.identity_id));
    for (const id of gone) assert.equal(have.has(id), false, `${id} is off the box`);
  });

  it('a recognition made while the site server is down reaches it once it is up, once', { timeout: 300_000 }, async () => {
    const r = await fetch(`${agent!.url}/se3kit/capture-devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ep_ip: CAM, ep_type: 1, name: 'Gate', permission_ids: ['1'] }),
    });
    assert.equal(r.status, 200, await r.text());
    await killServe();
    const snap = await fetch(`${agent!.url}/snapshots?ep_ip=${CAM}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(face('obama3.jpg')) });
    assert.equal(snap.status, 200, await snap.clone().text());
    const made = ((await snap.json()) as { events: Array<{ event_id: string; identity_id: string }> }).events[0]!;
    assert.notEqual(made.identity_id, '', 'recognised');
    serve = await startCli(serveArgs);
    const list = async () => (await call('events.list', { devSno, limit: 1000 })).events as Array<{ id: string; source: string }>;
    await until('the event at the platform', async () => (await list()).some((e) => e.id === made.event_id), 120_000);
    // its realtime upload failed while the server was down: the box's history upload (every
    // second) brings it, and goes on bringing the box's records: still one after several of them
    await new Promise((r) => setTimeout(r, 5000));
    const seen = (await list()).filter((e) => e.id === made.event_id);
    assert.equal(seen.length, 1, 'once in the events list');
    assert.match(seen[0]!.source, /^(history|both|realtime)$/);
  });
});
