// Commands over the broker (PROTOCOL §4, §5) against a real `se3kit agent` with the face engine,
// the embedded broker and a fake platform: add_users_plus by userid_list and by user_info_list
// (a partial face fails with 40094 and a plain reason), delete_users, wipe_data, fiqa on
// fiqaDownQueue; results via uploadQueue (in another vhost), via notify_path, and none in
// one-way mode; malformed messages get 40071 and the consumer goes on; kill -9 mid-batch →
// after the restart every user is enrolled exactly once and the result is delivered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import sqlite3 from 'sqlite3';
import { startBroker, type Broker } from '../../electron/broker';
import { addUsersPlusByIds, addUsersPlusByInfo, deleteUsersCommand, fiqaCommand, wipeDataCommand, type LoginSuccessBody } from '../../agent/protocol';
import { face, health, put, QueueReader, sleep, startAgent, startFakePlatform, waitFor, type AgentProc, type FakePlatform } from './link-fixture';
import { DESCRIPTOR } from '../../agent/face/descriptor';

const DEV_SNO = 'CMDTEST00001CMDTEST00001';
let dir: string;
let broker: Broker;
let platform: FakePlatform;
let agent: AgentProc;
let up: QueueReader;
let fiqaUp: QueueReader;
let pubConn: ChannelModel;
let pub: Channel;

const RABBIT: LoginSuccessBody['rabbitmq'] = {
  host: '127.0.0.1',
  port: 0,
  login: 'box',
  password: 'pw',
  queue: 'box.c.cmd',
  vHost: '/',
  uploadVHost: 'up',
  uploadQueue: 'box.c.up',
  fiqaDownQueue: 'box.c.fiqa',
  fiqaUploadQueue: 'box.c.fiqa.up',
  exchange: { name: 'se3.cmd', type: 'topic', passive: false, durable: true, auto_delete: false, arguments: null },
};

/** The platform's side: publish through the exchange with routing key = the box's queue. */
const send = (cmd: unknown) => pub.publish('se3.cmd', 'box.c.cmd', Buffer.from(typeof cmd === 'string' ? cmd : JSON.stringify(cmd)), { persistent: true });

const agentArgs = () => ['--mac', '02:00:00:00:00:11'];

function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(join(dir, 'agent', 'agent.db'), sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, params, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows as T[]))));
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-link-cmd-'));
  broker = await startBroker({ port: 0, warmUp: false, dataDir: join(dir, 'broker'), users: [{ name: 'box', password: 'pw' }], vhosts: ['/', 'up'] });
  RABBIT.port = broker.port;
  platform = await startFakePlatform(DEV_SNO, RABBIT);
  // the platform declares the upload and fiqa queues; the box declares/binds its command queue
  up = await QueueReader.open(`amqp://box:pw@127.0.0.1:${broker.port}/up`, 'box.c.up');
  fiqaUp = await QueueReader.open(`amqp://box:pw@127.0.0.1:${broker.port}/up`, 'box.c.fiqa.up');
  pubConn = await amqp.connect(`amqp://box:pw@127.0.0.1:${broker.port}`);
  pub = await pubConn.createChannel();
  await pub.assertQueue('box.c.fiqa', { durable: true });
  agent = await startAgent(join(dir, 'agent'), agentArgs());
  await put(agent, 'DevSno', DEV_SNO);
  await put(agent, 'LoginUrl', `${platform.url}/api/login`);
  await waitFor('connected', async () => (await health(agent)).broker.state === 'connected');
});
after(async () => {
  await agent?.kill();
  await up?.close();
  await fiqaUp?.close();
  await pubConn?.close().catch(() => undefined);
  await platform?.close();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('add_users_plus by userid_list: details from extend_params.path, photos by URL; a partial face fails with 40094 and a reason', async () => {
  platform.people.set('p-obama', { identity_id: 'p-obama', reg_url: `${platform.url}/photos/obama.jpg`, register_type: 1, info: { name: 'Obama', type: 1, permission_ids: ['1046'] } });
  platform.people.set('p-biden', { identity_id: 'p-biden', relative_pic_url: '/biden.jpg', register_type: 1, info: { name: 'Biden', type: 5 } });
  platform.people.set('p-partial', { identity_id: 'p-partial', reg_url: `${platform.url}/photos/obama_partial_face.jpg`, register_type: 1, info: { name: 'Partial', type: 1 } });
  send(addUsersPlusByIds(['p-obama', 'p-biden', 'p-partial', 'p-ghost'], '/getSendPerson', { messageId: 'm1' }));
  const r = await up.byId('m1');
  assert.equal(r.success, true);
  assert.equal(r.code, 0);
  assert.equal(r.dev_sno, DEV_SNO);
  assert.equal(r.messageKey, 'add_users_plus');
  assert.deepEqual(
    r.result.success_users.map((u: any) => [u.userid, u.username, u.code]).sort(),
    [
      ['p-biden', 'Biden', 0],
      ['p-obama', 'Obama', 0],
    ],
  );
  const failed = Object.fromEntries(r.result.failed_users.map((u: any) => [u.userid, u]));
  assert.equal(failed['p-partial'].code, 40094);
  assert.match(failed['p-partial'].message, /face cut off by the photo border/);
  assert.equal(failed['p-ghost'].code, 50074);
  // every request to the platform carried dev_sno and the current token (§3)
  assert.deepEqual(platform.detailsRequests.at(-1)!.query, { dev_sno: DEV_SNO, token: platform.token });
  assert.deepEqual(platform.detailsRequests.at(-1)!.body, { userid_list: ['p-obama', 'p-biden', 'p-partial', 'p-ghost'] });
  assert.ok(platform.photoRequests.some((p) => p.path === '/img/biden.jpg' && p.query.token === platform.token), 'relative_pic_url uses imgServerAddr');
  assert.equal((await health(agent)).users, 2);
  const rows = await query<{ identity_id: string; name: string; type: number; permission_ids: string; n: number; model_id: string; info: string }>(
    'SELECT identity_id, name, type, permission_ids, length(embedding) AS n, model_id, info FROM users ORDER BY identity_id',
  );
  assert.deepEqual(
    rows.map((x) => [x.identity_id, x.name, x.type, x.permission_ids, x.n]),
    [
      ['p-biden', 'Biden', 5, '["0"]', DESCRIPTOR.dims * 4],
      ['p-obama', 'Obama', 1, '["1046"]', DESCRIPTOR.dims * 4],
    ],
  );
  for (const x of rows) assert.equal(x.model_id, DESCRIPTOR.modelId);
});

test('add_users_plus by user_info_list: inline base64 photos, other info keys kept, bad base64 fails that user only', async () => {
  send(
    addUsersPlusByInfo(
      [
        { identity_id: 'i-1', reg_photo: face('obama2.jpg').toString('base64'), register_type: 1, info: { name: 'Inline', type: 1, permission_ids: ['7'], dept: 'ops' } },
        { identity_id: 'i-bad', reg_photo: '!!! not base64 !!!', info: { name: 'Bad' } },
        { identity_id: 'i-2', reg_photo: `data:image/jpeg;base64,${face('biden2.jpg').toString('base64')}`, register_type: 2, info: { name: 'Stranger', type: 4 } },
        { info: { name: 'No id' } },
      ],
      { messageId: 'm2' },
    ),
  );
  const r = await up.byId('m2');
  assert.equal(r.code, 0);
  assert.deepEqual(r.result.success_users.map((u: any) => u.userid).sort(), ['i-1', 'i-2']);
  const failed = r.result.failed_users.map((u: any) => [u.userid, u.code, u.message]);
  assert.deepEqual(failed[0], ['i-bad', 40094, 'reg_photo is not valid base64']);
  assert.equal(failed[1][0], '');
  assert.equal(failed[1][1], 40071);
  assert.match(failed[1][2], /identity_id/);
  const [row] = await query<{ info: string; permission_ids: string; register_type: number }>("SELECT info, permission_ids, register_type FROM users WHERE identity_id = 'i-1'");
  assert.deepEqual(JSON.parse(row!.info), { dept: 'ops' });
  assert.equal(row!.permission_ids, '["7"]');
  assert.equal((await health(agent)).users, 4);
});

test('malformed messages get 40071 with the reason, are acked, and the consumer goes on', async () => {
  const before = up.messages.length;
  send('this is not JSON');
  send({ method: 'reboot_now', messageId: 'm3' });
  send({ method: 'delete_users', messageId: 'm4', userid_list: 'p-biden' });
  send(deleteUsersCommand(['p-biden', 'nobody'], { messageId: 'm5' }));
  const r5 = await up.byId('m5');
  const bad = up.messages.slice(before, before + 3);
  assert.deepEqual(
    bad.map((m) => [m.success, m.code, m.messageKey, m.messageId]),
    [
      [false, 40071, '', undefined],
      [false, 40071, 'reboot_now', 'm3'],
      [false, 40071, 'delete_users', 'm4'],
    ],
  );
  assert.equal(bad[0].message, 'message is not JSON');
  assert.match(bad[1].message, /unknown method "reboot_now"/);
  assert.match(bad[2].message, /userid_list/);
  assert.deepEqual(r5.result.success_users.map((u: any) => [u.userid, u.message]), [
    ['p-biden', 'deleted'],
    ['nobody', 'not enrolled on this box; nothing to delete'],
  ]);
  assert.equal((await health(agent)).users, 3);
  const q = await pub.checkQueue('box.c.cmd');
  assert.equal(q.messageCount, 0);
});

test('fiqa on fiqaDownQueue: the §4.4 list, one entry per face, to fiqaUploadQueue', async () => {
  pub.sendToQueue('box.c.fiqa', Buffer.from(JSON.stringify(fiqaCommand(face('two_people.jpg').toString('base64'), 'high', { messageId: 'f1' }))));
  const r = await fiqaUp.byId('f1');
  assert.equal(r.messageKey, 'fiqa');
  assert.equal(r.code, 0);
  assert.equal(r.result.data.length, 2);
  for (const e of r.result.data) {
    assert.deepEqual(Object.keys(e).sort(), ['bbox', 'fails', 'fiqa_result', 'info', 'score', 'success']);
    assert.equal(e.bbox.length, 4);
  }
  assert.ok(!up.messages.some((m) => m.messageId === 'f1'));
});

test('wipe_data removes every user', async () => {
  send(wipeDataCommand({ users: true, events: false }, { messageId: 'm6' }));
  const r = await up.byId('m6');
  assert.deepEqual(r.result, { wipe_options: { users: true, events: false } });
  assert.equal((await health(agent)).users, 0);
  assert.deepEqual(await query('SELECT identity_id FROM users'), []);
});

test('without uploadQueue results go to notify_path (with dev_sno and token); without either, none is sent', async () => {
  const { uploadQueue: _u, uploadVHost: _v, fiqaUploadQueue: _f, ...noUpload } = RABBIT;
  platform.rabbitmq = noUpload;
  const logins = platform.logins.length;
  await put(agent, 'LoginUrl', `${platform.url}/api/login`);
  await waitFor('re-login', async () => platform.logins.length > logins && (await health(agent)).broker.state === 'connected');
  const upBefore = up.messages.length;
  send(addUsersPlusByInfo([{ identity_id: 'o-1', reg_photo: face('obama.jpg').toString('base64'), info: { name: 'OneWay' } }], { messageId: 'm8' }));
  send(deleteUsersCommand(['nobody'], { messageId: 'm9', notifyPath: '/notify' }));
  const n = await waitFor('notified', () => platform.notified.find((x) => x.body.messageId === 'm9'));
  assert.deepEqual(n.query, { dev_sno: DEV_SNO, token: platform.token });
  assert.equal(n.body.messageKey, 'delete_users');
  // m8 ran before m9 (one lane, in order) but had no route: nothing sent, its effect is there
  assert.ok(!platform.notified.some((x) => x.body.messageId === 'm8'));
  await sleep(300);
  assert.equal(up.messages.length, upBefore);
  assert.equal((await health(agent)).users, 1);
});

test('an uploadQueue that does not exist yet: the result is kept and delivered once the queue is there', async () => {
  platform.rabbitmq = { ...RABBIT, uploadQueue: 'box.c.up.late' };
  const logins = platform.logins.length;
  await put(agent, 'LoginUrl', `${platform.url}/api/login`);
  await waitFor('re-login', async () => platform.logins.length > logins && (await health(agent)).broker.state === 'connected');
  send(deleteUsersCommand(['nobody'], { messageId: 'm12' }));
  await waitFor('returned by the broker', () => /the broker has no queue "box\.c\.up\.late"/.test(agent.output()), 30_000);
  const late = await QueueReader.open(`amqp://box:pw@127.0.0.1:${broker.port}/up`, 'box.c.up.late');
  try {
    const r = await late.byId('m12', 30_000);
    assert.equal(r.messageKey, 'delete_users');
  } finally {
    await late.close();
  }
});

test('kill -9 in the middle of a batch: after the restart every user is enrolled exactly once and the result arrives', async () => {
  platform.rabbitmq = RABBIT;
  const logins = platform.logins.length;
  await put(agent, 'LoginUrl', `${platform.url}/api/login`);
  await waitFor('re-login', async () => platform.logins.length > logins && (await health(agent)).broker.state === 'connected');
  const photos = ['obama.jpg', 'obama2.jpg', 'biden.jpg', 'biden2.jpg'];
  const users = Array.from({ length: 40 }, (_, i) => ({ identity_id: `k-${i}`, relative_pic_url: `/${photos[i % 4]}`, info: { name: `K ${i}` } }));
  send(addUsersPlusByInfo(users, { messageId: 'm10' }));
  await waitFor('some enrolled', async () => (await health(agent)).users >= 6, 60_000, 20);
  await agent.kill('SIGKILL');
  const enrolledBefore = (await query<{ n: number }>("SELECT count(*) AS n FROM users WHERE identity_id LIKE 'k-%'"))[0]!.n;
  assert.ok(enrolledBefore > 0 && enrolledBefore < 40, `killed too late: ${enrolledBefore} enrolled`);
  assert.ok(!up.messages.some((m) => m.messageId === 'm10'));

  agent = await startAgent(join(dir, 'agent'), agentArgs());
  const r = await up.byId('m10', 120_000);
  assert.equal(r.result.success_users.length, 40);
  assert.equal(r.result.failed_users.length, 0);
  // the users committed before the kill were not analysed again
  assert.equal(r.result.success_users.filter((u: any) => u.message === 'ok (photo unchanged)').length, enrolledBefore);
  const rows = await query<{ identity_id: string; n: number }>("SELECT identity_id, count(*) AS n FROM users WHERE identity_id LIKE 'k-%' GROUP BY identity_id");
  assert.equal(rows.length, 40);
  assert.ok(rows.every((x) => x.n === 1));
  await sleep(500);
  assert.equal(up.messages.filter((m) => m.messageId === 'm10').length, 1);
  assert.equal((await health(agent)).users, 41);
});

test('SIGTERM in the middle of a batch: no half result is sent; after the restart the batch completes', async () => {
  const photos = ['obama.jpg', 'biden.jpg', 'obama2.jpg', 'biden2.jpg'];
  const users = Array.from({ length: 24 }, (_, i) => ({ identity_id: `s-${i}`, relative_pic_url: `/${photos[i % 4]}`, info: { name: `S ${i}` } }));
  const start = (await health(agent)).users;
  send(addUsersPlusByInfo(users, { messageId: 'm11' }));
  await waitFor('some enrolled', async () => (await health(agent)).users >= start + 3, 60_000, 20);
  await agent.kill('SIGTERM');
  assert.equal(agent.child.exitCode, 0, agent.output());
  await sleep(300);
  assert.ok(!up.messages.some((m) => m.messageId === 'm11'), 'a result was sent for an interrupted batch');
  agent = await startAgent(join(dir, 'agent'), agentArgs());
  const r = await up.byId('m11', 120_000);
  assert.equal(r.result.success_users.length, 24);
  assert.deepEqual(r.result.failed_users, []);
  assert.equal((await health(agent)).users, start + 24);
});

test('descriptors made by another model are re-made from the stored photos at start', async () => {
  await agent.kill('SIGTERM');
  const [before] = await query<{ model_id: string; e: Buffer }>("SELECT model_id, embedding AS e FROM users WHERE identity_id = 'k-0'");
  await new Promise<void>((resolve, reject) => {
    const db = new sqlite3.Database(join(dir, 'agent', 'agent.db'), (err) => {
      if (err) return reject(err);
      db.run(`UPDATE users SET model_id = 'faceres:000000000000', embedding = zeroblob(${DESCRIPTOR.dims * 4}) WHERE identity_id IN ('k-0', 'k-1')`, (e) => db.close(() => (e ? reject(e) : resolve())));
    });
  });
  agent = await startAgent(join(dir, 'agent'), agentArgs());
  const rows = await waitFor('re-embedded', async () => {
    const r = await query<{ identity_id: string; model_id: string; e: Buffer }>("SELECT identity_id, model_id, embedding AS e FROM users WHERE identity_id IN ('k-0', 'k-1') ORDER BY identity_id");
    return r.every((x) => x.model_id === before!.model_id) ? r : null;
  }, 60_000, 200);
  // the same photo and model give the same descriptor again
  const bytes = DESCRIPTOR.dims * 4;
  const a = new Float32Array(rows[0]!.e.buffer.slice(rows[0]!.e.byteOffset, rows[0]!.e.byteOffset + bytes));
  const b = new Float32Array(before!.e.buffer.slice(before!.e.byteOffset, before!.e.byteOffset + bytes));
  let dot = 0;
  for (let i = 0; i < DESCRIPTOR.dims; i++) dot += a[i]! * b[i]!;
  assert.ok(dot > 0.99, `cosine ${dot}`);
  assert.match(agent.output(), /2 descriptors were made by another model/);
});
