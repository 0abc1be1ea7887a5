// Realtime before history (agent/reports/priority.ts, agent/reports/history.ts): a history batch
// is not read or sent while a snapshot is in flight, and goes once it has settled (or after the
// longest wait, so history is never starved); the batch built event by event is byte for byte
// JSON.stringify of the bodies; the pictures read one query each come back as stored. Real
// agent.db (migrations), real HTTP receiver on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgentDb } from '../../agent/store/db';
import { AGENT_MIGRATIONS } from '../../agent/store/migrations';
import { DbWriter } from '../../agent/store/serial';
import { EventStore, type EventBody } from '../../agent/events/store';
import { batchJson, HistoryUploader } from '../../agent/reports/history';
import { RealtimeFirst } from '../../agent/reports/priority';
import { postTo } from '../../agent/reports/post';
import { Sleeper } from '../../agent/link/status';

let dir = '';
let db: Awaited<ReturnType<typeof openAgentDb>>;
let events: EventStore;
let server: Server;
let url = '';
const received: Array<{ at: number; body: EventBody[] }> = [];

const ev = (i: number): Parameters<EventStore['add']>[0] => ({
  identity_id: `u${i}`,
  identity_name: `Zoë "${i}" 张`,
  group_name: 'g1',
  reg_pic: '',
  timestamp: 1_700_000_000_000 + i,
  score: 0.9,
  ext_data: { device_ip: '192.0.2.1', ep_id: 'x', person_type: 1, device_type: '1', dev_sno: 'S', grab_fiqa_info: {}, box_fiqa_info: { age: 30 } },
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-history-priority-'));
  db = await openAgentDb(dir, { migrations: AGENT_MIGRATIONS });
  events = new EventStore(new DbWriter(db), 100);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ at: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.end('{"status":0}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/records`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a batch built event by event is byte for byte JSON.stringify of the bodies', async () => {
  const bodies = [0, 1, 2].map((i) => ({ ...ev(i), ext_data: { ...ev(i).ext_data, event_id: `e${i}`, spot_pic: Buffer.from(`pic ${i} \u2028`).toString('base64') } })) as EventBody[];
  assert.equal((await batchJson(bodies)).toString('utf8'), JSON.stringify(bodies));
  assert.equal((await batchJson([])).toString('utf8'), '[]');
});

/** A history uploader to the test receiver that waits for `gate` at most `maxWaitMs` per step. */
function uploaderWaitingFor(gate: RealtimeFirst, maxWaitMs: number): HistoryUploader {
  return new HistoryUploader({
    events,
    targets: () => [{ key: url, label: url, post: (_b, json) => postTo(url, json) }],
    periodMs: () => 60_000,
    prepare: async (b) => b,
    sleeper: new Sleeper(),
    log: () => undefined,
    quiet: () => gate.idle(maxWaitMs),
  });
}

test('history waits while a snapshot is in flight, sends once it settles, with the pictures as stored', async () => {
  const pics = [Buffer.from('first picture'), null, Buffer.alloc(3000, 7)];
  for (const [i, p] of pics.entries()) await events.add(ev(i), p);
  const gate = new RealtimeFirst();
  const up = uploaderWaitingFor(gate, 5000);
  const leave = gate.enter();
  const t0 = Date.now();
  const sending = up.uploadOnce();
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(received.length, 0, 'nothing sent while the snapshot is in flight');
  const left = Date.now();
  leave();
  assert.equal(await sending, true);
  assert.equal(received.length, 1);
  assert.ok(received[0]!.at >= left && received[0]!.at - t0 < 5000, 'sent after the snapshot settled, not after the longest wait');
  const got = received[0]!.body;
  assert.deepEqual(got.map((b) => b.identity_id), ['u0', 'u1', 'u2']);
  assert.deepEqual(got.map((b) => b.ext_data.spot_pic), pics.map((p) => (p ? p.toString('base64') : '')));
  assert.equal(await events.cursor(url), (await events.after(0, 100)).at(-1)!.id, 'the cursor moved after the 200');
  assert.equal(await up.uploadOnce(), false, 'nothing twice');
});

test('a snapshot that never settles delays history by the longest wait only', async () => {
  await events.add(ev(9), Buffer.from('late'));
  const gate = new RealtimeFirst();
  gate.enter(); // never left
  const up = uploaderWaitingFor(gate, 150);
  const n = received.length;
  assert.equal(await up.uploadOnce(), true);
  assert.equal(received.length, n + 1);
  assert.deepEqual(received.at(-1)!.body.map((b) => b.identity_id), ['u9']);
});
