// Recognition on the box (PROTOCOL §6) against a real `se3kit agent`, the embedded broker (for
// enrolment by add_users_plus) and a fake platform receiving the reports: capture devices
// registered (bad input refused) and reported to deviceInfoAddr; a snapshot of an enrolled
// person by HTTP and by FTP → realtime event at every recordAddr URL with the identity and a
// score above the threshold; an unknown face, and a person outside the device's permission
// groups → stranger; device status with real figures; history batches: every event exactly
// once, across a platform outage and a kill -9 during an upload; ring eviction (--max-events).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import sqlite3 from 'sqlite3';
import { startBroker, type Broker } from '../../electron/broker';
import { addUsersPlusByInfo, type LoginSuccessBody } from '../../agent/protocol';
import { DESCRIPTOR } from '../../agent/face/descriptor';
import { face, health, put, QueueReader, startAgent, waitFor, type AgentProc } from './link-fixture';
import { freePort, ftpUpload, startReportPlatform, type ReportPlatform } from './recog-fixture';

const DEV_SNO = 'RECOGTEST001RECOGTEST001';
const CAM1 = '192.0.2.11'; // group g1, FTP user cam1
const CAM2 = '192.0.2.12'; // group g2
let dir: string;
let broker: Broker;
let platform: ReportPlatform;
let agent: AgentProc;
let up: QueueReader;
let pubConn: ChannelModel;
let pub: Channel;
let ftpPort: number;

const RABBIT: LoginSuccessBody['rabbitmq'] = {
  host: '127.0.0.1',
  port: 0,
  login: 'box',
  password: 'pw',
  queue: 'box.r.cmd',
  uploadQueue: 'box.r.up',
  exchange: { name: 'se3.r', type: 'topic', passive: false, durable: true, auto_delete: false, arguments: null },
};

const agentArgs = () => ['--mac', '02:00:00:00:00:21', '--ftp-port', String(ftpPort)];

function query<T>(dataDir: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(join(dataDir, 'agent.db'), sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, params, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows as T[]))));
    });
  });
}

const api = (a: AgentProc, path: string, init: RequestInit = {}) => fetch(`${a.url}${path}`, init);

/** Sends raw bytes to the agent's port and resolves everything it answers until it closes. */
function rawRequest(a: AgentProc, text: string): Promise<string> {
  const { hostname, port } = new URL(a.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write(text));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d) => (out += d));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.setTimeout(10_000, () => s.destroy(new Error(`no answer from ${a.url}`)));
  });
}
const postJson = (a: AgentProc, path: string, body: unknown) => api(a, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const snapshot = async (a: AgentProc, ip: string, img: Buffer) => {
  const r = await api(a, `/snapshots?ep_ip=${ip}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(img) });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()) as { faces: number; events: Array<{ event_id: string; identity_id: string; score: number; person_type: number }> };
};

/** event_id → how many acknowledged history batches carried it, at one recordAddr path */
function historyCounts(path = '/records'): Map<string, number> {
  const m = new Map<string, number>();
  for (const b of platform.history.get(path) ?? []) for (const e of b) m.set(e.ext_data.event_id, (m.get(e.ext_data.event_id) ?? 0) + 1);
  return m;
}

async function allEventIds(): Promise<string[]> {
  return (await query<{ event_id: string }>(join(dir, 'agent'), 'SELECT event_id FROM events ORDER BY id')).map((r) => r.event_id);
}

/** every stored event arrived exactly once in acknowledged history batches (both URLs) */
async function assertHistoryComplete(): Promise<void> {
  const ids = await allEventIds();
  for (const path of ['/records', '/records-b']) {
    await waitFor(`history at ${path}`, () => ids.every((id) => historyCounts(path).has(id)), 120_000, 250).catch((err) => {
      throw new Error(`${(err as Error).message}; ${ids.filter((id) => !historyCounts(path).has(id)).length} of ${ids.length} missing; agent log:\n${agent.output().slice(-3000)}`);
    });
    const counts = historyCounts(path);
    const dup = [...counts].filter(([, n]) => n > 1);
    assert.deepEqual(dup, [], `no event twice at ${path}`);
    assert.equal(counts.size, ids.length, `every event once at ${path}`);
    for (const b of platform.history.get(path)!) assert.ok(b.length >= 1 && b.length <= 100, `batch of ${b.length}`);
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-recog-'));
  broker = await startBroker({ port: 0, warmUp: false, dataDir: join(dir, 'broker'), users: [{ name: 'box', password: 'pw' }], vhosts: ['/'] });
  RABBIT.port = broker.port;
  platform = await startReportPlatform(DEV_SNO, RABBIT);
  up = await QueueReader.open(`amqp://box:pw@127.0.0.1:${broker.port}/`, 'box.r.up');
  pubConn = await amqp.connect(`amqp://box:pw@127.0.0.1:${broker.port}`);
  pub = await pubConn.createChannel();
  ftpPort = await freePort();
  agent = await startAgent(join(dir, 'agent'), agentArgs());
  await put(agent, 'DevSno', DEV_SNO);
  await put(agent, 'LoginUrl', `${platform.url}/api/login`);
  await waitFor('connected', async () => (await health(agent)).broker.state === 'connected');
  pub.publish(
    'se3.r',
    'box.r.cmd',
    Buffer.from(JSON.stringify(addUsersPlusByInfo([{ identity_id: 'p-obama', reg_photo: face('obama.jpg').toString('base64'), register_type: 1, info: { name: 'Obama', type: 1, permission_ids: ['g1'] } }], { messageId: 'enrol' }))),
  );
  const r = await up.byId('enrol');
  assert.deepEqual(
    r.result.success_users.map((u: any) => u.userid),
    ['p-obama'],
  );
});

after(async () => {
  await agent?.kill();
  await up?.close();
  await pubConn?.close().catch(() => undefined);
  await platform?.close();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('capture devices: registered, listed without passwords, bad input refused, add and remove reported to deviceInfoAddr', async () => {
  const bad: Array<[unknown, number, RegExp]> = [
    ['not json', 400, /not valid JSON/],
    [{ ep_ip: 'camera-1', ep_type: 1 }, 400, /ep_ip must be an IPv4 or IPv6 address/],
    [{ ep_ip: CAM1, ep_type: 9 }, 400, /ep_type/],
    [{ ep_ip: CAM1, ep_type: 1, ftp_user: 'cam1' }, 400, /ftp_user and ftp_password together/],
    [{ ep_ip: CAM1, ep_type: 1, surprise: true }, 400, /surprise/],
  ];
  for (const [body, status, msg] of bad) {
    const r = await postJson(agent, '/se3kit/capture-devices', body);
    assert.equal(r.status, status, JSON.stringify(body));
    const e = (await r.json()) as any;
    assert.match(e.error.message, msg);
  }
  const text = await api(agent, '/se3kit/capture-devices', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
  assert.equal(text.status, 415);

  let r = await postJson(agent, '/se3kit/capture-devices', { ep_ip: CAM1, ep_type: 1, name: 'Gate A', location: 'lobby', permission_ids: ['g1'], ftp_user: 'cam1', ftp_password: 's3cret' });
  assert.equal(r.status, 200);
  r = await postJson(agent, '/se3kit/capture-devices', { ep_ip: CAM2, ep_type: '2', name: 'Yard', stream_url: 'rtsp://192.0.2.12:554/ch2', permission_ids: ['g2'] });
  assert.equal(r.status, 200);
  r = await postJson(agent, '/se3kit/capture-devices', { ep_ip: '192.0.2.13', ep_type: 1, ftp_user: 'cam1', ftp_password: 'x' });
  assert.equal(r.status, 409, 'an FTP user belongs to one device');
  r = await postJson(agent, '/se3kit/capture-devices', { ep_ip: '192.0.2.99', ep_type: 4, name: 'Temp' });
  assert.equal(r.status, 200);
  assert.equal((await api(agent, '/se3kit/capture-devices?ep_ip=192.0.2.99', { method: 'DELETE' })).status, 200);
  const gone = await api(agent, '/se3kit/capture-devices?ep_ip=192.0.2.99', { method: 'DELETE' });
  assert.equal(gone.status, 404);

  const list = (await (await api(agent, '/se3kit/capture-devices')).json()) as any;
  assert.deepEqual(
    list.devices.map((d: any) => [d.ep_ip, d.ep_type, d.name, d.permission_ids, d.ftp_password]),
    [
      [CAM1, '1', 'Gate A', ['g1'], '***'],
      [CAM2, '2', 'Yard', ['g2'], undefined],
    ],
  );
  await waitFor('device info reports', () => platform.deviceInfo.length >= 4);
  const seen = platform.deviceInfo.map((b) => [b.actionType, b.deviceInfo.epIp, b.deviceInfo.epId, b.deviceInfo.devSno]);
  assert.deepEqual(seen, [
    [1, CAM1, `${DEV_SNO}__${CAM1}`, DEV_SNO],
    [1, CAM2, `${DEV_SNO}__${CAM2}`, DEV_SNO],
    [1, '192.0.2.99', `${DEV_SNO}__192.0.2.99`, DEV_SNO],
    [2, '192.0.2.99', `${DEV_SNO}__192.0.2.99`, DEV_SNO],
  ]);
  assert.equal(platform.deviceInfo[1].deviceInfo.epStreamUrl, 'rtsp://192.0.2.12:554/ch2');
});

test('HTTP snapshot of the enrolled person → realtime event at every recordAddr URL with identity and score ≥ threshold', async () => {
  const img = face('obama2.jpg');
  const r = await snapshot(agent, CAM1, img);
  assert.equal(r.faces, 1);
  assert.equal(r.events[0]!.identity_id, 'p-obama');
  const id = r.events[0]!.event_id;
  for (const path of ['/records', '/records-b']) {
    const ev = await waitFor(`realtime at ${path}`, () => platform.realtime.get(path)?.find((e) => e.ext_data.event_id === id));
    assert.equal(ev.identity_id, 'p-obama');
    assert.equal(ev.identity_name, 'Obama');
    assert.equal(ev.group_name, 'g1');
    assert.ok(ev.score >= DESCRIPTOR.threshold && ev.score <= 1, `score ${ev.score}`);
    assert.ok(Math.abs(ev.timestamp - Date.now()) < 60_000);
    assert.equal(ev.ext_data.device_ip, CAM1);
    assert.equal(ev.ext_data.ep_id, `${DEV_SNO}__${CAM1}`);
    assert.equal(ev.ext_data.dev_sno, DEV_SNO);
    assert.equal(ev.ext_data.device_type, '1');
    assert.equal(ev.ext_data.person_type, 1);
    assert.ok(Buffer.from(ev.ext_data.spot_pic, 'base64').equals(img), 'spot_pic is the snapshot');
    const fi = ev.ext_data.box_fiqa_info;
    assert.equal(typeof fi.age, 'number');
    assert.ok(fi.sex === 0 || fi.sex === 1);
    assert.equal(typeof fi.info.face_size, 'number');
    assert.equal(typeof fi.fiqa_result, 'boolean');
    assert.ok(Array.isArray(fi.success) && Array.isArray(fi.fails));
  }
  assert.deepEqual(platform.queries.at(-1), { dev_sno: DEV_SNO, token: platform.token });
});

test('an unknown face, and an enrolled face at a device of another permission group, are strangers (person_type 4, no realtime)', async () => {
  const before = platform.realtime.get('/records')?.length ?? 0;
  const unknown = await snapshot(agent, CAM1, face('biden.jpg'));
  assert.equal(unknown.events.length, 1);
  assert.equal(unknown.events[0]!.person_type, 4);
  assert.equal(unknown.events[0]!.identity_id, '');
  assert.ok(unknown.events[0]!.score < DESCRIPTOR.threshold);
  const otherGroup = await snapshot(agent, CAM2, face('obama2.jpg'));
  assert.equal(otherGroup.events[0]!.person_type, 4, 'Obama is in g1, CAM2 recognises g2 only');
  // both arrive by the history upload, with the stranger shape
  await waitFor('history has the strangers', () => [unknown, otherGroup].every((x) => historyCounts().has(x.events[0]!.event_id)));
  const all = (platform.history.get('/records') ?? []).flat();
  const s = all.find((e) => e.ext_data.event_id === unknown.events[0]!.event_id);
  assert.equal(s.ext_data.person_type, 4);
  assert.equal(s.identity_id, '');
  assert.equal(platform.realtime.get('/records')?.length ?? 0, before, 'strangers are not sent as realtime events');
});

test('snapshot input errors: unknown device 404, no ep_ip, empty body, too large, not an image', async () => {
  let r = await api(agent, '/snapshots?ep_ip=192.0.2.200', { method: 'POST', body: new Uint8Array(face('obama2.jpg')) });
  assert.equal(r.status, 404);
  assert.match(((await r.json()) as any).error.message, /no capture device 192\.0\.2\.200/);
  r = await api(agent, '/snapshots', { method: 'POST', body: new Uint8Array(face('obama2.jpg')) });
  assert.equal(r.status, 400);
  r = await api(agent, `/snapshots?ep_ip=${CAM1}`, { method: 'POST', body: new Uint8Array(Buffer.alloc(0)) });
  assert.equal(r.status, 400);
  // too large: refused on its declared length before the body is read (and the connection is
  // then closed, so the client gets the answer without sending the 5 MiB)
  const head = await rawRequest(agent, `POST /snapshots?ep_ip=${CAM1} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: ${5 * 1024 * 1024}\r\n\r\n`);
  assert.match(head, /^HTTP\/1\.1 413 /);
  assert.match(head, /"code":40007/);
  r = await api(agent, `/snapshots?ep_ip=${CAM1}`, { method: 'POST', body: new Uint8Array(Buffer.from('this is not a picture')) });
  assert.equal(r.status, 400);
  assert.equal(((await r.json()) as any).error.code, 40003);
  assert.equal((await health(agent)).version.length > 0, true, 'the agent still answers');
});

test('FTP: the camera logs in with its credentials, the upload is recognised and leaves the spool; wrong password refused', async () => {
  const wrong = await ftpUpload(ftpPort, 'cam1', 'nope', 'x.jpg', face('obama3.jpg'));
  assert.match(wrong.pass, /^530/);
  const ok = await ftpUpload(ftpPort, 'cam1', 's3cret', 'snap-001.jpg', face('obama3.jpg'));
  assert.match(ok.stor!, /^226/);
  const ev = await waitFor('realtime event from the FTP snapshot', () => platform.realtime.get('/records')?.find((e) => Buffer.from(e.ext_data.spot_pic, 'base64').equals(face('obama3.jpg'))));
  assert.equal(ev.identity_id, 'p-obama');
  assert.equal(ev.ext_data.device_ip, CAM1);
  assert.ok(ev.score >= DESCRIPTOR.threshold);
  const spool = join(dir, 'agent', 'spool', 'cam1');
  await waitFor('spool emptied', () => existsSync(spool) && readdirSync(spool).length === 0);
});

test('device status to deviceMonitorAddr with real CPU, memory and disk figures and the capture devices', async () => {
  const s = await waitFor('status with devices', () => platform.status.find((b) => b.sub_devices?.length === 2));
  assert.equal(s.dev_sno, DEV_SNO);
  assert.equal(s.gateway_status, 'online');
  const x = s.gateway_ext_data;
  assert.equal(x.gateway_mac, '02:00:00:00:00:21');
  for (const k of ['cpu_usage', 'memory_size', 'memory_usage', 'disk_size', 'disk_free_size']) assert.equal(typeof x[k], 'number', k);
  assert.ok(x.memory_size > 0 && x.memory_usage > 0 && x.memory_usage < 1);
  assert.ok(x.disk_size > 0 && x.disk_free_size > 0 && x.disk_free_size <= x.disk_size);
  assert.ok(x.cpu_usage >= 0 && x.cpu_usage <= 100);
  assert.deepEqual(
    s.sub_devices.map((d: any) => [d.ep_id, d.ep_ip, d.ep_type, d.ep_url]),
    [
      [`${DEV_SNO}__${CAM1}`, CAM1, '1', ''],
      [`${DEV_SNO}__${CAM2}`, CAM2, '2', 'rtsp://192.0.2.12:554/ch2'],
    ],
  );
});

test('platform down while the box makes events → after it is back every event arrives once, in batches of ≤ 100', async () => {
  await assertHistoryComplete();
  platform.mode = 'down';
  const img = face('obama2.jpg');
  let made = 0;
  while (made < 150) made += (await snapshot(agent, CAM1, img)).events.length;
  assert.ok((await health(agent)).recognition.history_error, 'the box saw the outage');
  platform.mode = 'up';
  await assertHistoryComplete();
});

test('kill -9 during a history upload → after the restart no event lost, none twice', async () => {
  platform.mode = 'hold';
  for (let i = 0; i < 3; i++) await snapshot(agent, CAM1, face('obama_and_biden.jpg'));
  await platform.held();
  await agent.kill('SIGKILL');
  platform.dropHeld(); // the platform never answered 200
  platform.mode = 'up';
  agent = await startAgent(join(dir, 'agent'), agentArgs());
  await assertHistoryComplete();
});

test('the events ring keeps the newest --max-events, evicting older ones with their pictures', async () => {
  const d2 = join(dir, 'ring');
  const a = await startAgent(d2, ['--max-events', '5', '--ftp-port', '0']);
  try {
    assert.equal((await postJson(a, '/se3kit/capture-devices', { ep_ip: CAM1, ep_type: 1 })).status, 200);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(...(await snapshot(a, CAM1, face('obama_and_biden.jpg'))).events.map((e) => e.event_id));
    assert.ok(ids.length >= 6);
    const rows = await query<{ event_id: string; n: number }>(d2, 'SELECT event_id, length(spot_pic) AS n FROM events ORDER BY id');
    assert.deepEqual(
      rows.map((r) => r.event_id),
      ids.slice(-5),
    );
    for (const r of rows) assert.equal(r.n, face('obama_and_biden.jpg').length);
    assert.equal((await health(a)).recognition.events, 5);
  } finally {
    await a.kill();
  }
});
