// Event delivery under faults, real processes: `se3kit serve` (history period 1 s) and one real
// `se3kit agent` (a virtual box) whose LoginUrl points at a pass-through HTTP proxy in this test,
// so the test sees (and can hold) each history batch. Events are made by HTTP snapshots of a
// small picture with several stranger faces (one event per face; every snapshot costs the face
// engine's detection, FIQA and descriptor per face).
//   (a) the site server stopped while the box makes N events (SE3_EVENTS_FAULT_N, default 48)
//       → once it is back every event is at the platform exactly once;
//   (b) the agent killed -9 while a history batch is in flight (the platform stored it, the
//       agent never got the 200) → after a restart the batch comes again: no loss, no duplicate;
//   (c) the box's ring at --max-events 12 evicting while the server is down → the platform keeps
//       what it received before, gets the newest 12, and the history cursor skips the evicted rows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { face, health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { runCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { startCli, type Running } from '../site/cli-process';
import { until } from './harness';
import { adminCall } from './events-admin';

const CAM = '192.0.2.21';
const N = Number(process.env.SE3_EVENTS_FAULT_N ?? 48);
const RING = 12;
const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** A pass-through proxy to the site server's box port; `hold` keeps the answer to one history batch. */
interface Proxy {
  port: number;
  /** called with the event ids of a history batch the server answered 200 to; its answer is never sent */
  hold: ((ids: string[]) => void) | null;
  /** how often each event id was in a history batch the server answered 200 to */
  posted: Map<string, number>;
  close(): Promise<void>;
}

async function startProxy(target: () => number): Promise<Proxy> {
  const p: Proxy = { port: 0, hold: null, posted: new Map(), close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = request({ host: '127.0.0.1', port: target(), method: req.method, path: req.url, headers: req.headers, agent: false }, (ur) => {
        const back: Buffer[] = [];
        ur.on('data', (c: Buffer) => back.push(c));
        ur.on('end', () => {
          const isBatch = req.url!.startsWith('/record') && body[0] === 0x5b; // '[': a history batch
          if (isBatch && ur.statusCode === 200) {
            const ids = (JSON.parse(body.toString('utf8')) as Array<{ ext_data: { event_id: string } }>).map((e) => e.ext_data.event_id);
            for (const id of ids) p.posted.set(id, (p.posted.get(id) ?? 0) + 1);
            if (p.hold) {
              const hold = p.hold;
              p.hold = null;
              hold(ids);
              return;
            } // the agent never hears the 200 (it is killed meanwhile)
          }
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          res.end(Buffer.concat(back));
        });
      });
      up.on('error', () => req.socket.destroy()); // the server is down: as if the connection was refused
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  p.port = (server.address() as AddressInfo).port;
  p.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return p;
}

describe('platform events under faults: se3kit serve + a real agent', () => {
  let dir: string;
  let serve: Running | null = null;
  let agent: AgentProc;
  let proxy: Proxy;
  let serveArgs: string[];
  let devSno: string;
  let boxPort: number;
  let picture: Buffer;
  let facesPer: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-events-faults-'));
    boxPort = await freePort();
    serveArgs = ['serve', '--data', join(dir, 'site'), '--port', '0', '--box-port', String(boxPort), '--amqp-port', String(await freePort()), '--status-period', '1', '--record-period', '1'];
    serve = await startCli(serveArgs);
    const add = await cli('devices', 'add', '--name', 'gate', '--json');
    assert.equal(add.code, 0, add.stderr);
    devSno = jsonLines(add.stdout)[0].devSno;
    proxy = await startProxy(() => boxPort);
    // six small stranger faces in one picture (~30 kB): six events per snapshot
    const tile = await sharp(face('biden.jpg')).resize({ width: 200 }).toBuffer();
    const { height } = await sharp(tile).metadata();
    picture = await sharp({ create: { width: 600, height: 2 * height!, channels: 3, background: '#808080' } })
      .composite([0, 1, 2, 3, 4, 5].map((i) => ({ input: tile, left: (i % 3) * 200, top: Math.floor(i / 3) * height! })))
      .jpeg({ quality: 80 })
      .toBuffer();
    await startBox([]);
    const probe = await snapshot();
    facesPer = probe.length;
    assert.ok(facesPer >= 2, `the test picture makes ${facesPer} events`);
    await until('the probe events at the platform', async () => (await platformIds()).length === facesPer, 60_000);
  });
  after(async () => {
    await agent?.kill('SIGKILL');
    await serve?.stop();
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(...args: string[]) {
    return runCli(['platform', ...args, '--data', join(dir, 'site')], { timeoutMs: 120_000 });
  }
  async function startBox(extra: string[]) {
    agent = await startAgent(join(dir, 'agent'), ['--mac', '02:00:00:00:00:41', ...extra]);
    const h = await health(agent);
    if (h.dev_sno !== devSno) {
      await put(agent, 'DevSno', devSno);
      await put(agent, 'LoginUrl', `http://127.0.0.1:${proxy.port}/login`);
      const r = await fetch(`${agent.url}/se3kit/capture-devices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ep_ip: CAM, ep_type: 1, name: 'Gate F' }),
      });
      assert.equal(r.status, 200, await r.text());
    }
  }
  /** One snapshot; the event_ids it made. */
  async function snapshot(): Promise<string[]> {
    const r = await fetch(`${agent.url}/snapshots?ep_ip=${CAM}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(picture) });
    assert.equal(r.status, 200, await r.clone().text());
    return ((await r.json()) as { events: Array<{ event_id: string }> }).events.map((e) => e.event_id);
  }
  async function makeEvents(n: number): Promise<string[]> {
    const ids: string[] = [];
    while (ids.length < n) ids.push(...(await snapshot()));
    return ids;
  }
  /** The admin endpoint, as `se3kit platform` reaches it. */
  const call = (method: string, params: unknown) => adminCall(join(dir, 'site'), method, params);
  /**
   * Every event id the platform holds for the box (duplicates kept, if there were any), read in
   * pages of 1,000; a read during which the total changed (events arriving shift the pages) is
   * read again.
   */
  async function platformIds(): Promise<string[]> {
    for (;;) {
      const ids: string[] = [];
      let total = -1;
      let stable = true;
      for (let offset = 0; ; offset += 1000) {
        const page = (await call('events.list', { devSno, limit: 1000, offset })) as { total: number; events: Array<{ id: string }> };
        if (total >= 0 && page.total !== total) stable = false;
        total = page.total;
        ids.push(...page.events.map((e) => e.id));
        if (page.events.length < 1000) break;
      }
      if (stable) return ids;
    }
  }
  async function stopServe() {
    await serve!.stop();
    serve = null;
  }
  async function startServe() {
    serve = await startCli(serveArgs);
  }
  function assertOnce(ids: string[]) {
    const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
    assert.deepEqual(dup, [], 'no event twice at the platform');
  }

  it(`(a) the site server stopped while the box makes ${N} events: all arrive, once each, after it is back`, async () => {
    const before = await platformIds();
    await stopServe();
    const t0 = Date.now();
    const made = await makeEvents(N);
    const makeS = (Date.now() - t0) / 1000;
    assert.equal((await health(agent)).recognition.events, before.length + made.length, 'the box keeps them all (ring 10,000)');
    const t1 = Date.now();
    await startServe();
    const all = await until(
      `all ${made.length} events at the platform`,
      async () => {
        const ids = await platformIds();
        return ids.length >= before.length + made.length ? ids : null;
      },
      Math.max(120_000, made.length * 100),
    );
    const deliverS = (Date.now() - t1) / 1000;
    process.stderr.write(`# (a) ${made.length} events made in ${makeS.toFixed(1)} s with the server down; all at the platform ${deliverS.toFixed(1)} s after its start\n`);
    assertOnce(all);
    assert.equal(all.length, before.length + made.length, 'no event more than the box made');
    const have = new Set(all);
    assert.deepEqual(made.filter((id) => !have.has(id)), [], 'every event made');
    // the box's history cursor is at its newest event: nothing is waiting
    await until('the upload idle', async () => (await health(agent)).recognition.history_error === null, 30_000);
  });

  it('(b) the agent killed -9 while the platform holds its history batch: after a restart no loss, no duplicate', async () => {
    const before = await platformIds();
    let killing = false;
    const held = new Promise<string[]>((resolve) => {
      proxy.hold = (ids) => {
        killing = true;
        // the platform stored the batch; the agent dies before it hears the 200 (its cursor stays)
        void agent.kill('SIGKILL').then(() => resolve(ids));
      };
    });
    // made while the history period is 1 s: the first batch with them is the one held
    const made: string[] = [];
    try {
      while (made.length < 3 * facesPer) made.push(...(await snapshot()));
    } catch (err) {
      if (!killing) throw err; // killed during a snapshot: its events may or may not be stored
    }
    const heldIds = await held;
    assert.ok(heldIds.length > 0);
    const mid = new Set(await platformIds());
    assert.deepEqual(heldIds.filter((id) => !mid.has(id)), [], 'the held batch is stored at the platform');
    // the events the killed agent made are those of its database; restarting reads them back
    await startBox([]);
    const onBox = (await health(agent)).recognition.events as number;
    assert.ok(onBox >= before.length + heldIds.length, `the box kept its events (${onBox})`);
    // the held batch comes again after the restart (its cursor had not moved)
    await until('the held batch sent again', () => heldIds.every((id) => proxy.posted.get(id)! >= 2), 60_000);
    const all = await until('every event of the box at the platform', async () => {
      const ids = await platformIds();
      return ids.length >= onBox ? ids : null;
    }, 60_000);
    // ... and is still one event each
    assertOnce(all);
    assert.equal(all.length, onBox, 'the platform has exactly the events of the box');
    const have = new Set(all);
    assert.deepEqual([...made, ...heldIds].filter((id) => !have.has(id)), []);
  });

  it(`(c) the box's ring at --max-events ${RING} evicts while the server is down: the platform keeps what it received, the cursor skips evicted rows`, async () => {
    const before = await platformIds();
    await agent.kill('SIGTERM');
    await startBox(['--max-events', String(RING)]);
    await stopServe();
    const made = await makeEvents(RING + 2 * facesPer);
    assert.equal((await health(agent)).recognition.events, RING, 'the ring keeps the newest');
    const kept = made.slice(-RING);
    const evicted = made.slice(0, -RING);
    await startServe();
    const all = await until('the newest events at the platform', async () => {
      const ids = await platformIds();
      return kept.every((id) => ids.includes(id)) ? ids : null;
    }, 60_000);
    assertOnce(all);
    const have = new Set(all);
    assert.deepEqual(before.filter((id) => !have.has(id)), [], 'the platform keeps what it received before the eviction');
    assert.deepEqual(evicted.filter((id) => have.has(id)), [], 'evicted before they were uploaded: never sent');
    assert.equal(all.length, before.length + RING);
    // the upload goes on from there: a new event arrives
    const [next] = await snapshot();
    await until('an event after the eviction', async () => (await platformIds()).includes(next!), 30_000);
    assert.equal((await health(agent)).recognition.events, RING);
  });
});
