// The box's local admin API (PROTOCOL §7) against one real `se3kit agent` process, logged in to a
// fake platform (test/agent/recog-fixture.ts) over the embedded broker: every resource and method
// with its bad-input errors (§8 codes); a user enrolled by POST users is recognised at once in a
// snapshot, whose event names the user's group and carries the registration photo (reg_pic);
// EventServerUrl / HistoryEventUrl / MonitorServerUrl receivers get reports in addition to the
// platform (history exactly once to each); the configuration survives a restart; WipeData. Also
// the FTP server's size limit while an upload streams (raw FTP client).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import sqlite3 from 'sqlite3';
import { startBroker, type Broker } from '../../electron/broker';
import type { LoginSuccessBody } from '../../agent/protocol';
import { DESCRIPTOR } from '../../agent/face/descriptor';
import { face, health, put, readBody, startAgent, waitFor, type AgentProc } from './link-fixture';
import { freePort, startReportPlatform, type ReportPlatform } from './recog-fixture';

const DEV_SNO = 'ADMINAPITEST0001ADMINAPI';
const CAM = '192.0.2.31';
const API = '/SophonFogSys/api';
let dir: string;
let broker: Broker;
let platform: ReportPlatform;
let agent: AgentProc;
let ftpPort: number;

/** The integrator's servers: every POST kept by path, JSON or form-data. */
interface Hit {
  path: string;
  type: string;
  body: any;
}
let receiver: { url: string; hits: Hit[]; server: Server; down: boolean };

const RABBIT: LoginSuccessBody['rabbitmq'] = {
  host: '127.0.0.1',
  port: 0,
  login: 'box',
  password: 'pw',
  queue: 'box.a.cmd',
  exchange: { name: 'se3.a', type: 'topic', passive: false, durable: true, auto_delete: false, arguments: null },
};
const agentArgs = () => ['--mac', '02:00:00:00:00:31', '--ftp-port', String(ftpPort)];

async function call(method: string, resource: string, body?: unknown, opts: { query?: string; type?: string } = {}): Promise<{ status: number; body: any }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': opts.type ?? 'application/json' };
  }
  const r = await fetch(`${agent.url}${API}/${resource}${opts.query ? `?${opts.query}` : ''}`, init);
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Asserts a §8 error envelope with this HTTP status and code. */
async function fails(p: Promise<{ status: number; body: any }>, status: number, code: number, msg?: RegExp): Promise<void> {
  const r = await p;
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code, JSON.stringify(r.body));
  assert.equal(typeof r.body.error.status, 'string');
  if (msg) assert.match(r.body.error.message, msg);
}

function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(join(dir, 'agent', 'agent.db'), sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, params, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows as T[]))));
    });
  });
}

async function snapshot(img: Buffer) {
  const r = await fetch(`${agent.url}/snapshots?ep_ip=${CAM}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(img) });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()) as { faces: number; events: Array<{ event_id: string; identity_id: string; score: number; person_type: number }> };
}

const photo64 = (name: string) => face(name).toString('base64');

/** Sends raw bytes to the agent's port; resolves with everything it answers until it closes. */
function rawRequest(text: string): Promise<string> {
  const { port } = new URL(agent.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => s.write(text));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d) => (out += d));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.setTimeout(10_000, () => s.destroy(new Error('no answer')));
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-admin-'));
  broker = await startBroker({ port: 0, dataDir: join(dir, 'broker'), users: [{ name: 'box', password: 'pw' }], vhosts: ['/'] });
  RABBIT.port = broker.port;
  platform = await startReportPlatform(DEV_SNO, RABBIT);
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!;
      const raw = await readBody(req);
      if (receiver.down && req.url === '/hist') return void res.writeHead(503).end();
      const body = type === 'multipart/form-data' ? Object.fromEntries(await new Response(raw, { headers: { 'content-type': req.headers['content-type']! } }).formData()) : JSON.parse(raw);
      hits.push({ path: new URL(req.url!, 'http://x').pathname, type, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":0}');
    })().catch(() => res.writeHead(400).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server, down: false };
  ftpPort = await freePort();
  agent = await startAgent(join(dir, 'agent'), agentArgs());
  await put(agent, 'DevSno', DEV_SNO);
  await put(agent, 'LoginUrl', `${platform.url}/api/login`);
  await waitFor('logged in', async () => (await health(agent)).login.state === 'logged-in');
  const dev = await fetch(`${agent.url}/se3kit/capture-devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ep_ip: CAM, ep_type: 1, permission_ids: ['staff-id'], ftp_user: 'cam9', ftp_password: 'pw9' }),
  });
  assert.equal(dev.status, 200);
});

after(async () => {
  await agent?.kill();
  await platform?.close();
  await broker?.close();
  await new Promise<void>((r) => (receiver ? (receiver.server.close(() => r()), receiver.server.closeAllConnections()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

test('requests: content type, empty, malformed and oversized bodies, unknown resources and methods get §8 errors', async () => {
  await fails(call('POST', 'groups', '{"group_name":"x"}', { type: 'text/plain' }), 415, 41591);
  await fails(call('POST', 'groups', ' ', {}), 400, 40002);
  await fails(call('POST', 'groups', '{"group_name":', {}), 400, 40091, /not valid JSON/);
  await fails(call('POST', 'groups', '[1,2]'), 400, 40091, /JSON object/);
  await fails(call('POST', 'groups', { group_name: 'x', description: 'y'.repeat(70 * 1024) }), 413, 41300);
  // a body over the limit is refused by its declared length, before it is read
  const big = await rawRequest(`POST ${API}/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${15 * 1024 * 1024}\r\n\r\n{"identity_id":"big",`);
  assert.match(big, /^HTTP\/1\.1 413 /);
  assert.match(big, /"code":41300/);
  await fails(call('GET', 'nothing'), 404, 40400, /no such admin API resource/);
  const r = await fetch(`${agent.url}${API}/GroupUsers`);
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'PUT, DELETE');
  await fails(call('PATCH', 'users'), 405, 40000);
  // the DNS-rebinding guard of port 5555 applies here too
  assert.match(await rawRequest(`GET ${API}/users HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`), /^HTTP\/1\.1 403 /);
});

test('permissions: POST, GET (list, by name, paging), PUT (description, rename), DELETE keeps or removes the users, with bad input', async () => {
  let r = await call('GET', 'permissions');
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.body.data.permissions_list.map((p: any) => [p.permission_id, p.name]),
    [['0', 'default']],
  );
  r = await call('POST', 'permissions', { permission_name: 'Staff', permission_id: 'staff-id', description: 'employees' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data, { permission_id: 'staff-id', name: 'Staff', permission_name: 'Staff', description: 'employees', info: {}, version: 'V2' });
  r = await call('POST', 'permissions', { permission_name: 'Visitors', info: { floor: 2 } });
  assert.match(r.body.data.permission_id, /^[0-9a-f-]{36}$/, 'a UUID when none is given');
  await fails(call('POST', 'permissions', { permission_name: 'Staff' }), 409, 40012, /already exists/);
  await fails(call('POST', 'permissions', { permission_name: 'Other', permission_id: 'staff-id' }), 409, 40091, /already used/);
  await fails(call('POST', 'permissions', { permission_name: 'a,b' }), 400, 40012, /commas/);
  await fails(call('POST', 'permissions', {}), 400, 40012, /permission_name/);
  await fails(call('POST', 'permissions', { permission_name: 'X', info: 'nope' }), 400, 40091, /info/);

  r = await call('GET', 'permissions', undefined, { query: 'skip_num=1&limit=2' });
  assert.deepEqual(r.body.data.pagination, { skip_num: 1, limit: 2, num_pages: 2, total_count: 3 });
  assert.deepEqual(
    r.body.data.permissions_list.map((p: any) => p.name),
    ['Visitors'],
  );
  r = await call('GET', 'permissions', undefined, { query: 'permission_name=Staff' });
  assert.equal(r.body.data.permissions_list[0].permission_id, 'staff-id');
  await fails(call('GET', 'permissions', undefined, { query: 'permission_name=Nobody' }), 404, 40491);
  await fails(call('GET', 'permissions', undefined, { query: 'limit=0' }), 400, 40091, /limit/);
  await fails(call('GET', 'permissions', undefined, { query: 'skip_num=x' }), 400, 40091, /skip_num/);

  r = await call('PUT', 'permissions', { permission_name: 'Visitors', description: 'guests' });
  assert.equal(r.body.data.info.description, 'guests');
  const vid = r.body.data.info.permission_id;
  r = await call('PUT', 'permissions', { permission_id: vid, permission_name: 'Guests' });
  assert.equal(r.body.data.info.name, 'Guests');
  await fails(call('PUT', 'permissions', { permission_id: vid, permission_name: 'Staff' }), 409, 40012);
  await fails(call('PUT', 'permissions', { permission_name: 'Nobody', description: '' }), 404, 40491);
  await fails(call('PUT', 'permissions', { description: 'x' }), 400, 40091, /permission_name/);

  await fails(call('DELETE', 'permissions', { permission_name: 'Guests', user_recursive_delete: 'maybe' }), 400, 40005);
  await fails(call('DELETE', 'permissions', { permission_name: 'Nobody' }), 404, 40491);
  r = await call('DELETE', 'permissions', undefined, { query: 'permission_name=Guests' });
  assert.equal(r.status, 200);
  assert.equal(r.body.data.permission_name, 'Guests');
  assert.equal((await call('GET', 'permissions')).body.data.pagination.total_count, 2);
});

test('groups and GroupUsers: POST, GET, PUT, DELETE, members added and removed, with bad input', async () => {
  let r = await call('POST', 'groups', { group_name: 'Lobby', description: 'front desk' });
  assert.deepEqual(r.body.data, { group_name: 'Lobby', name: 'Lobby', description: 'front desk', info: {} });
  await fails(call('POST', 'groups', { group_name: 'Lobby' }), 409, 40012);
  await fails(call('POST', 'groups', { group_name: '' }), 400, 40012);
  await fails(call('POST', 'groups', { group_name: 'x'.repeat(65) }), 400, 40012, /64/);
  r = await call('GET', 'groups');
  assert.deepEqual(
    r.body.data.groups_list.map((g: any) => [g.group_name, g.user_count]),
    [
      ['default_group', 0],
      ['Lobby', 0],
    ],
  );
  r = await call('PUT', 'groups', { group_name: 'Lobby', info: { building: 'A' } });
  assert.deepEqual(r.body.data.info.info, { building: 'A' });
  assert.equal(r.body.data.info.description, 'front desk', 'what is not sent stays');
  await fails(call('PUT', 'groups', { group_name: 'Nowhere' }), 404, 40491);
  await fails(call('GET', 'groups', undefined, { query: 'group_name=Nowhere' }), 404, 40491);
  // members must be enrolled users; nothing changes otherwise
  await fails(call('PUT', 'GroupUsers', { group_name: 'Lobby', identity_id: ['ghost'] }), 404, 40491, /ghost/);
  await fails(call('PUT', 'GroupUsers', { group_name: 'Nowhere', identity_id: ['ghost'] }), 404, 40491);
  await fails(call('PUT', 'GroupUsers', { group_name: 'Lobby', identity_id: [] }), 400, 40091, /identity_id/);
  await fails(call('PUT', 'GroupUsers', { group_name: 'Lobby', identity_id: ['x'], with_identity_id: 3 }), 400, 40005);
});

let obamaEvent: any;

test('users: POST enrols through the FIQA gate and the gallery sees the user at once; the event names the group and carries reg_pic', async () => {
  const noFace = await sharp({ create: { width: 320, height: 320, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer();
  const base = { group_name: 'Lobby', info: { name: 'Obama', type: 1, permission_ids: ['staff-id'], badge: 'B-7' } };
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: '!!not base64!!' }), 400, 40003);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: Buffer.from('hello, not a picture').toString('base64') }), 400, 40003);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: noFace.toString('base64') }), 400, 40004);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: photo64('obama_partial_face.jpg') }), 400, 40006, /rejected at level high/);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', group_name: 'Lobby,Nowhere', reg_photo: photo64('obama.jpg') }), 400, 40012, /Nowhere/);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', info: { name: 'X', permission_ids: ['nope'] }, reg_photo: photo64('obama.jpg') }), 404, 40491, /nope/);
  await fails(call('POST', 'users', { ...base, identity_id: '', reg_photo: photo64('obama.jpg') }), 400, 40091, /identity_id/);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1' }), 400, 40091, /reg_photo/);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: photo64('obama.jpg'), ignore_exist: 'yes' }), 400, 40005);
  await fails(call('POST', 'users', { ...base, identity_id: 'x1', reg_photo: photo64('obama.jpg'), fiqa_level: 'best' }), 400, 40091, /fiqa_level/);
  assert.equal((await call('GET', 'users')).body.data.pagination.total_count, 0, 'nothing was stored by the refused requests');

  const r = await call('POST', 'users', { ...base, identity_id: 'p-obama', reg_photo: photo64('obama.jpg') });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.data, { identity_id: 'p-obama', group_name: ['Lobby'], register_type: 1, info: { badge: 'B-7', name: 'Obama', type: 1, permission_ids: ['staff-id'], user_id: 'p-obama' } });
  const [row] = await query<{ model_id: string; n: number }>('SELECT model_id, length(embedding) AS n FROM users WHERE identity_id = ?', ['p-obama']);
  assert.equal(row!.model_id, DESCRIPTOR.modelId);
  await fails(call('POST', 'users', { ...base, identity_id: 'p-obama', reg_photo: photo64('obama.jpg') }), 409, 40011);

  // recognised at once (no restart, no reload)
  const snap = await snapshot(face('obama2.jpg'));
  assert.equal(snap.events[0]!.identity_id, 'p-obama');
  const id = snap.events[0]!.event_id;
  obamaEvent = await waitFor('realtime at the platform', () => platform.realtime.get('/records')?.find((e) => e.ext_data.event_id === id));
  assert.equal(obamaEvent.identity_name, 'Obama');
  assert.equal(obamaEvent.group_name, 'Lobby', "group_name is the user's group");
  const reg = Buffer.from(obamaEvent.reg_pic, 'base64');
  assert.ok(reg.length > 1000 && reg.length <= 64 * 1024, `reg_pic is a bounded picture (${reg.length} bytes)`);
  const meta = await sharp(reg).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.ok(Math.max(meta.width!, meta.height!) <= 480);
  // a stranger has no reg_pic
  const stranger = await snapshot(face('biden.jpg'));
  assert.equal(stranger.events[0]!.person_type, 4);

  // create_no_exit_permission makes the missing permission group
  const b = await call('POST', 'users', { identity_id: 'p-biden', reg_photo: photo64('biden2.jpg'), create_no_exit_permission: true, info: { name: 'Biden', type: 5, permission_ids: ['vip-id'] } });
  assert.equal(b.status, 200, JSON.stringify(b.body));
  assert.deepEqual(b.body.data.group_name, ['default_group'], 'no group_name: the default group');
  assert.equal((await call('GET', 'permissions', undefined, { query: 'permission_name=vip-id' })).body.data.permissions_list[0].permission_id, 'vip-id');
});

test('users: GET one (with its photo) and lists by group with skip_num/limit; PUT changes details or the photo; DELETE', async () => {
  let r = await call('GET', 'users', undefined, { query: 'identity_id=p-obama' });
  assert.equal(r.status, 200);
  assert.ok(Buffer.from(r.body.data.reg_photo, 'base64').equals(face('obama.jpg')));
  assert.deepEqual(r.body.data.group_name, ['Lobby']);
  r = await call('GET', 'users', undefined, { query: 'group_name=Lobby&skip_num=0&limit=10' });
  assert.deepEqual(
    r.body.data.identities.map((u: any) => u.identity_id),
    ['p-obama'],
  );
  r = await call('GET', 'users', undefined, { query: 'skip_num=1&limit=1' });
  assert.deepEqual(r.body.data.pagination, { skip_num: 1, limit: 1, num_pages: 2, total_count: 2 });
  assert.deepEqual(
    r.body.data.identities.map((u: any) => u.identity_id),
    ['p-biden'],
  );
  await fails(call('GET', 'users', undefined, { query: 'group_name=Nowhere' }), 404, 40491);
  await fails(call('GET', 'users', undefined, { query: 'identity_id=ghost' }), 404, 40491);
  await fails(call('GET', 'users', undefined, { query: 'limit=5000' }), 400, 40091, /limit/);

  // GroupUsers on enrolled users
  r = await call('PUT', 'GroupUsers', { group_name: 'Lobby', identity_id: ['p-biden'], with_identity_id: true });
  assert.deepEqual(r.body.data, { group_name: 'Lobby', identity_id: ['p-obama', 'p-biden'] });
  r = await call('DELETE', 'GroupUsers', { group_name: 'Lobby', identity_id: ['p-biden'], with_identity_id: true });
  assert.deepEqual(r.body.data.identity_id, ['p-obama']);

  r = await call('PUT', 'users', { identity_id: 'p-biden', info: { name: 'Joe' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.info.name, 'Joe');
  assert.deepEqual(r.body.data.info.permission_ids, ['vip-id'], 'permissions not sent stay');
  await fails(call('PUT', 'users', { identity_id: 'ghost', info: { name: 'x' } }), 404, 40491);
  await fails(call('PUT', 'users', { identity_id: 'p-biden', reg_photo: photo64('obama_partial_face.jpg') }), 400, 40006);
  assert.equal((await call('GET', 'users', undefined, { query: 'identity_id=p-biden' })).body.data.info.name, 'Joe', 'a refused photo changes nothing');
  await fails(call('PUT', 'users', { identity_id: 'p-biden', group_name: 'Nowhere' }), 400, 40012);

  await fails(call('DELETE', 'users', { identity_id: 'ghost' }), 404, 40491);
  await fails(call('DELETE', 'users', {}), 400, 40091, /identity_id/);
});

test('permission and group deletion: without user_recursive_delete the users stay, with it they go', async () => {
  // vip-id removed from Biden, who stays enrolled
  let r = await call('DELETE', 'permissions', { permission_id: 'vip-id' });
  assert.equal(r.body.data.users, 1);
  r = await call('GET', 'users', undefined, { query: 'identity_id=p-biden' });
  assert.deepEqual(r.body.data.info.permission_ids, []);
  // a group deleted with its users
  await call('POST', 'groups', { group_name: 'Temp' });
  await call('PUT', 'GroupUsers', { group_name: 'Temp', identity_id: ['p-biden'] });
  r = await call('DELETE', 'groups', { group_name: 'Temp', user_recursive_delete: true });
  assert.equal(r.body.data.users, 1);
  await fails(call('GET', 'users', undefined, { query: 'identity_id=p-biden' }), 404, 40491);
  assert.equal((await health(agent)).users, 1);
  await fails(call('DELETE', 'groups', { group_name: 'Temp' }), 404, 40491);
});

test('settings: GateControllerMode, EventAction, EventServerUrl, HistoryEventUrl, MonitorServerUrl with defaults and bad input', async () => {
  let r = await call('GET', 'GateControllerMode');
  assert.deepEqual(r.body.data, { controller_mode: 'opendoor' });
  r = await call('POST', 'GateControllerMode', { controller_mode: 'alarm' });
  assert.deepEqual(r.body.data, { controller_mode: 'alarm' });
  await fails(call('POST', 'GateControllerMode', { controller_mode: 5 }), 400, 40091, /controller_mode/);
  await fails(call('POST', 'GateControllerMode', { controller_mode: 'open door!' }), 400, 40091);

  r = await call('PUT', 'EventAction', { action: [{ action_ip: '192.0.2.50', action_port: 502, action_mode: 'relay' }] });
  assert.deepEqual(r.body.data, { action: [{ action_ip: '192.0.2.50', action_port: 502, action_mode: 'relay', action_duration: 5, logic_port: 0 }] });
  await fails(call('PUT', 'EventAction', { action: [{ action_ip: 'door', action_port: 502, action_mode: 'relay' }] }), 400, 40091, /action_ip/);
  await fails(call('PUT', 'EventAction', { action: [{ action_ip: '192.0.2.50', action_port: 70000, action_mode: 1 }] }), 400, 40091, /action_port/);
  await fails(call('PUT', 'EventAction', { action: 'x' }), 400, 40091, /action/);

  assert.deepEqual((await call('GET', 'EventServerUrl')).body.data, { event_server_url: [], real_need_reg_pic: true, 'content-type': 'json' });
  assert.deepEqual((await call('GET', 'HistoryEventUrl')).body.data, { history_upload_event_url: [], history_need_reg_pic: false, 'content-type': 'json', reported_peroid: 20 });
  await fails(call('POST', 'EventServerUrl', { event_server_url: ['ftp://x/y'] }), 400, 40091, /event_server_url/);
  await fails(call('POST', 'EventServerUrl', { event_server_url: ['http://user:pw@x/y'] }), 400, 40091, /credentials/);
  await fails(call('POST', 'EventServerUrl', { event_server_url: [receiver.url], 'content-type': 'xml' }), 400, 40091, /content-type/);
  await fails(call('POST', 'EventServerUrl', { event_server_url: [receiver.url], real_need_reg_pic: 1 }), 400, 40005);
  await fails(call('POST', 'HistoryEventUrl', { history_upload_event_url: [receiver.url], reported_peroid: 0 }), 400, 40091, /reported_peroid/);
  await fails(call('POST', 'MonitorServerUrl', { monitor_server_url: 'not a url' }), 400, 40091, /monitor_server_url/);
  assert.deepEqual((await call('POST', 'MonitorServerUrl', { monitor_server_url: '' })).body.data.monitor_server_url, [], "'' switches it off");
  assert.equal((await call('GET', 'EventAction')).body.data.action.length, 1, 'GET EventAction (an extension) reads it back');
});

test('EventServerUrl, HistoryEventUrl and MonitorServerUrl receive reports in addition to the platform; history once to each', async () => {
  let r = await call('POST', 'EventServerUrl', { event_server_url: [`${receiver.url}/rt`], real_need_reg_pic: false });
  assert.equal(r.status, 200);
  r = await call('POST', 'HistoryEventUrl', { history_upload_event_url: `${receiver.url}/hist`, history_need_reg_pic: true, reported_peroid: 1 });
  assert.equal(r.status, 200);
  r = await call('POST', 'MonitorServerUrl', { monitor_server_url: `${receiver.url}/mon`, 'content-type': 'form-data', reported_peroid: 1 });
  assert.equal(r.status, 200);

  const snap = await snapshot(face('obama3.jpg'));
  const id = snap.events[0]!.event_id;
  const rt = await waitFor('realtime at the EventServerUrl', () => receiver.hits.find((h) => h.path === '/rt' && h.body.ext_data?.event_id === id));
  assert.equal(rt.type, 'application/json');
  assert.equal(rt.body.identity_id, 'p-obama');
  assert.equal(rt.body.reg_pic, '', 'real_need_reg_pic false');
  await waitFor('the same event at the platform', () => platform.realtime.get('/records')?.find((e) => e.ext_data.event_id === id));
  // the platform's copy follows the same setting
  assert.equal(platform.realtime.get('/records')!.find((e) => e.ext_data.event_id === id).reg_pic, '');

  // history: every stored event exactly once at the HistoryEventUrl and at the platform
  const all = (await query<{ event_id: string }>('SELECT event_id FROM events ORDER BY id')).map((e) => e.event_id);
  assert.ok(all.length >= 3);
  const counts = (batches: any[][]) => {
    const m = new Map<string, number>();
    for (const b of batches) for (const e of b) m.set(e.ext_data.event_id, (m.get(e.ext_data.event_id) ?? 0) + 1);
    return m;
  };
  const local = () => counts(receiver.hits.filter((h) => h.path === '/hist').map((h) => h.body));
  await waitFor('history at the HistoryEventUrl', () => all.every((e) => local().has(e)));
  await waitFor('history at the platform', () => all.every((e) => counts(platform.history.get('/records') ?? []).has(e)));
  for (const m of [local(), counts(platform.history.get('/records') ?? [])]) assert.deepEqual([...m].filter(([, n]) => n > 1), [], 'none twice');
  const known = receiver.hits.filter((h) => h.path === '/hist').flatMap((h) => h.body).find((e: any) => e.identity_id === 'p-obama');
  assert.ok(known.reg_pic.length > 1000, 'history_need_reg_pic: history events carry reg_pic');

  const mon = await waitFor('device status at the MonitorServerUrl', () => receiver.hits.find((h) => h.path === '/mon'));
  assert.equal(mon.type, 'multipart/form-data');
  assert.equal(mon.body.dev_sno, DEV_SNO);
  assert.equal(JSON.parse(mon.body.sub_devices)[0].ep_ip, CAM);
  assert.equal(typeof JSON.parse(mon.body.gateway_ext_data).cpu_usage, 'number');
  const h = (await health(agent)).admin_api;
  assert.equal(h.event_server_urls, 1);
  assert.ok(h.history_batches_sent >= 1 && h.monitor_reports_sent >= 1, JSON.stringify(h));
  assert.equal(h.history_error, null);
});

test('a HistoryEventUrl that fails holds back only its own cursor: the platform goes on, and after it recovers every event arrives once', async () => {
  receiver.down = true;
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(...(await snapshot(face('obama_and_biden.jpg'))).events.map((e) => e.event_id));
  await waitFor('the platform has them', () => ids.every((id) => (platform.history.get('/records') ?? []).some((b) => b.some((e: any) => e.ext_data.event_id === id))));
  const histIds = () => receiver.hits.filter((h) => h.path === '/hist').flatMap((h) => h.body.map((e: any) => e.ext_data.event_id as string));
  assert.ok(!ids.some((id) => histIds().includes(id)), 'nothing acknowledged while the receiver fails');
  await waitFor('the failure shows in /health', async () => /HTTP 503/.test((await health(agent)).admin_api.history_error ?? ''));
  receiver.down = false;
  await waitFor('the receiver catches up', () => ids.every((id) => histIds().includes(id)), 60_000, 200);
  assert.equal(histIds().length, new Set(histIds()).size, 'none twice');
});

test('a restart keeps the configuration, groups and members; new events go on to both history destinations once', async () => {
  await agent.kill();
  const seen = receiver.hits.length;
  agent = await startAgent(join(dir, 'agent'), agentArgs());
  assert.deepEqual((await call('GET', 'GateControllerMode')).body.data, { controller_mode: 'alarm' });
  assert.equal((await call('GET', 'EventAction')).body.data.action[0].action_ip, '192.0.2.50');
  assert.deepEqual((await call('GET', 'EventServerUrl')).body.data.event_server_url, [`${receiver.url}/rt`]);
  assert.equal((await call('GET', 'HistoryEventUrl')).body.data.reported_peroid, 1);
  assert.equal((await call('GET', 'MonitorServerUrl')).body.data['content-type'], 'form-data');
  assert.equal((await call('GET', 'permissions', undefined, { query: 'permission_name=Staff' })).body.data.permissions_list[0].permission_id, 'staff-id');
  assert.deepEqual((await call('GET', 'users', undefined, { query: 'identity_id=p-obama' })).body.data.group_name, ['Lobby']);
  await waitFor('logged in again', async () => (await health(agent)).login.state === 'logged-in');
  const snap = await snapshot(face('obama2.jpg'));
  const id = snap.events[0]!.event_id;
  await waitFor('realtime after restart', () => receiver.hits.slice(seen).find((h) => h.path === '/rt' && h.body.ext_data?.event_id === id));
  await waitFor('history after restart', () => receiver.hits.slice(seen).some((h) => h.path === '/hist' && h.body.some((e: any) => e.ext_data.event_id === id)));
  const hist = receiver.hits.filter((h) => h.path === '/hist').flatMap((h) => h.body.map((e: any) => e.ext_data.event_id));
  assert.equal(hist.length, new Set(hist).size, 'nothing sent twice across the restart');
});

test('WipeData removes users, groups and events; permissions and settings stay; the agent goes on', async () => {
  const r = await call('POST', 'WipeData');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.users, 1);
  assert.ok(r.body.data.events >= 4);
  assert.equal((await call('GET', 'users')).body.data.pagination.total_count, 0);
  assert.deepEqual(
    (await call('GET', 'groups')).body.data.groups_list.map((g: any) => g.group_name),
    ['default_group'],
  );
  assert.equal((await query('SELECT * FROM events')).length, 0);
  assert.equal((await query('SELECT * FROM admin_group_users')).length, 0);
  assert.equal((await call('GET', 'permissions')).body.data.pagination.total_count, 2);
  assert.deepEqual((await call('GET', 'GateControllerMode')).body.data, { controller_mode: 'alarm' });
  const snap = await snapshot(face('obama2.jpg'));
  assert.equal(snap.events[0]!.person_type, 4, 'the wiped user is no longer recognised');
  await fails(call('POST', 'WipeData', 'x', { type: 'text/plain' }), 415, 41591);
});

/** Opens an FTP data transfer and streams `size` bytes; resolves with the STOR replies. */
async function ftpStream(user: string, pass: string, name: string, size: number): Promise<string[]> {
  const sock = connect(ftpPort, '127.0.0.1');
  await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
  sock.setEncoding('utf8');
  let buf = '';
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  sock.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (/^\d{3} /.test(line)) lines.push(line); // (continuation lines of multi-line replies skipped)
      wake?.();
    }
  });
  const next = async (): Promise<string> => {
    const end = Date.now() + 20_000;
    while (!lines.length) {
      if (Date.now() > end) throw new Error('no FTP reply');
      await new Promise<void>((r) => ((wake = r), setTimeout(r, 200)));
    }
    return lines.shift()!;
  };
  const cmd = async (c: string) => (sock.write(`${c}\r\n`), next());
  try {
    await next();
    await cmd(`USER ${user}`);
    assert.match(await cmd(`PASS ${pass}`), /^230/);
    await cmd('TYPE I');
    const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(await cmd('PASV'))!;
    const data = connect(Number(m[5]) * 256 + Number(m[6]), '127.0.0.1');
    await new Promise<void>((r, j) => data.once('connect', () => r()).once('error', j));
    data.on('error', () => undefined);
    const replies = [await cmd(`STOR ${name}`)];
    // stream until the server stops the transfer (or everything is sent)
    const chunk = Buffer.alloc(64 * 1024, 0xab);
    let sent = 0;
    while (sent < size && !data.destroyed) {
      if (!data.write(chunk)) await new Promise((r) => data.once('drain', r).once('close', r));
      sent += chunk.length;
    }
    data.end();
    replies.push(await next());
    return replies;
  } finally {
    sock.destroy();
  }
}

test('FTP: an upload over the size limit is stopped while it streams, its partial file removed, and logged', async () => {
  const replies = await ftpStream('cam9', 'pw9', 'huge.jpg', 64 * 1024 * 1024);
  assert.match(replies[0]!, /^150/);
  assert.match(replies[1]!, /^(550|426|451)/, `the transfer is refused: ${replies[1]}`);
  assert.match(replies[1]!, /over 4194304 bytes/);
  const spool = join(dir, 'agent', 'spool', 'cam9');
  await waitFor('partial file removed', () => !existsSync(join(spool, 'huge.jpg')));
  assert.deepEqual(existsSync(spool) ? readdirSync(spool) : [], []);
  assert.match(agent.output(), /ftp: cam9 upload huge\.jpg stopped at/);
  assert.equal((await health(agent)).recognition.ftp_port, ftpPort, 'the FTP server still runs');
});
