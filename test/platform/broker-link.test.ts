// Broker provisioning and the command/result loop on the embedded broker, with amqplib acting
// as the boxes would: each box reads only its own queues and writes only its own upload queues
// (another box's queues and exchange: tried, refused 403); commands arrive on the box's queue
// through its exchange, results go back on its upload queue and are matched by messageId;
// delete_users for a person moved out of the box's group; wipe_data.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { createBrokerControl } from '../../electron/broker/control';
import { face } from '../fiqa/fixtures';
import { http, startPlatform, until, type Harness } from './harness';
import { health, put, startAgent } from '../agent/link-fixture';
import { brokerWords } from '../../electron/cli/commands/platform';

interface Login {
  token: string;
  rabbitmq: { host: string; port: number; login: string; password: string; queue: string; vHost: string; uploadVHost: string; uploadQueue: string; fiqaDownQueue: string; fiqaUploadQueue: string; exchange: { name: string } };
}

const url = (l: Login, vhost: string) => `amqp://${encodeURIComponent(l.rabbitmq.login)}:${encodeURIComponent(l.rabbitmq.password)}@127.0.0.1:${l.rabbitmq.port}/${encodeURIComponent(vhost)}`;

async function refused(conn: ChannelModel, what: string, op: (ch: Channel) => Promise<unknown>): Promise<void> {
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  await assert.rejects(op(ch), (err: { code?: number; message: string }) => {
    assert.equal(err.code, 403, `${what}: ${err.message}`);
    assert.match(err.message, /ACCESS_REFUSED/);
    return true;
  }, what);
}

describe('platform broker provisioning and command loop (embedded broker)', () => {
  let h: Harness;
  let a: Login;
  let b: Login;
  let devA: string;
  let devB: string;
  const conns: ChannelModel[] = [];
  before(async () => {
    h = await startPlatform({ autoSync: false, linkWatchMs: 300 });
    devA = (await h.platform.addDevice('A')).devSno;
    devB = (await h.platform.addDevice('B')).devSno;
    a = (await http(`${h.base}/login?dev_sno=${devA}&hex_mac=0x0000000000a1`)).json();
    b = (await http(`${h.base}/login?dev_sno=${devB}&hex_mac=0x0000000000b1`)).json();
  });
  after(async () => {
    for (const c of conns) await c.close().catch(() => undefined);
    await h?.close();
  });

  async function connect(l: Login, vhost: string): Promise<ChannelModel> {
    const c = await amqp.connect(url(l, vhost));
    c.on('error', () => undefined);
    conns.push(c);
    return c;
  }

  it('provisions on the running broker the Broker panel controls (BrokerControl.running())', async () => {
    const br = h.broker.running();
    assert.ok(br, 'the platform started the embedded broker');
    assert.equal(br.port, h.amqpPort);
    assert.equal(a.rabbitmq.port, h.amqpPort);
    const users = br.listUsers().map((u) => u.name);
    for (const l of [a, b]) assert.ok(users.includes(l.rabbitmq.login), `${l.rabbitmq.login} provisioned`);
    assert.ok(br.listVhosts().includes(a.rabbitmq.uploadVHost));
    // a control whose broker is not running has none to give
    const dir = mkdtempSync(join(tmpdir(), 'se3-broker-stopped-'));
    const stopped = createBrokerControl({ dataDir: dir, warmUp: false });
    try {
      await stopped.resumed;
      assert.equal(stopped.running(), null);
    } finally {
      await stopped.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lets a box use its own queues and refuses another box's (403)", async () => {
    const cmdA = await connect(a, a.rabbitmq.vHost);
    const ch = await cmdA.createChannel();
    // §2: the box declares the exchange as given and binds its queue with the queue name
    await ch.assertExchange(a.rabbitmq.exchange.name, 'topic', { durable: true, autoDelete: false });
    await ch.bindQueue(a.rabbitmq.queue, a.rabbitmq.exchange.name, a.rabbitmq.queue);
    await ch.consume(a.rabbitmq.queue, () => undefined);
    await ch.consume(a.rabbitmq.fiqaDownQueue, () => undefined);
    await ch.close();

    await refused(cmdA, "consume B's command queue", (c) => c.consume(b.rabbitmq.queue, () => undefined));
    await refused(cmdA, "consume B's FIQA queue", (c) => c.consume(b.rabbitmq.fiqaDownQueue, () => undefined));
    await refused(cmdA, "bind B's queue to A's exchange", (c) => c.bindQueue(b.rabbitmq.queue, a.rabbitmq.exchange.name, '#'));
    await refused(cmdA, "bind A's queue to B's exchange", (c) => c.bindQueue(a.rabbitmq.queue, b.rabbitmq.exchange.name, '#'));
    await refused(cmdA, "purge B's queue", (c) => c.purgeQueue(b.rabbitmq.queue));
    await refused(cmdA, "delete B's queue", (c) => c.deleteQueue(b.rabbitmq.queue));
    // publishing into B's queue: through B's exchange, or the default exchange
    for (const [what, exchange, key] of [
      ["publish to B's exchange", b.rabbitmq.exchange.name, b.rabbitmq.queue],
      ["publish to B's queue (default exchange)", '', b.rabbitmq.queue],
      ["publish to A's own command queue", a.rabbitmq.exchange.name, a.rabbitmq.queue],
    ] as const) {
      const pc = await cmdA.createConfirmChannel();
      pc.on('error', () => undefined);
      await assert.rejects(
        new Promise<void>((resolve, reject) => {
          pc.publish(exchange, key, Buffer.from('{"method":"wipe_data"}'), {}, (err) => (err ? reject(err) : resolve()));
          pc.once('error', reject);
        }),
        (err: { code?: number; message: string }) => err.code === 403 || /ACCESS_REFUSED/.test(err.message),
        what,
      );
    }
    // B's upload vhost is closed to A
    await assert.rejects(amqp.connect(url(a, b.rabbitmq.uploadVHost)), /access to vhost|ACCESS_REFUSED|NOT_ALLOWED|403|530|got <ConnectionClose/);
    // A's own upload vhost: publish its results, read nothing
    const upA = await connect(a, a.rabbitmq.uploadVHost);
    const pub = await upA.createConfirmChannel();
    await new Promise<void>((resolve, reject) => pub.sendToQueue(a.rabbitmq.fiqaUploadQueue, Buffer.from('{}'), {}, (err) => (err ? reject(err) : resolve())));
    await pub.close();
    await refused(upA, 'consume its own results queue', (c) => c.consume(a.rabbitmq.uploadQueue, () => undefined));
    // a wrong password is refused at login
    await assert.rejects(amqp.connect(url({ ...a, rabbitmq: { ...a.rabbitmq, password: 'wrong-password' } }, 'se3')), /ACCESS_REFUSED|403/);
  });

  it('sends commands through the box exchange and takes results from its upload queue', async () => {
    await h.platform.addGroup('staff');
    await h.platform.addGroup('night');
    await h.platform.assign(devA, 'staff');
    await h.platform.savePerson({ id: 'u1', name: 'Una', groups: ['staff'] }, { update: false, photos: [face('obama.jpg')] });
    await h.platform.savePerson({ id: 'u2', name: 'Vic', groups: ['staff'] }, { update: false, photos: [face('biden.jpg')] });
    await h.platform.savePerson({ id: 'u3', name: 'Wes', groups: ['night'] }, { update: false, photos: [face('obama2.jpg')] });

    const got: any[] = [];
    const cmd = await connect(a, a.rabbitmq.vHost);
    const ch = await cmd.createChannel();
    await ch.consume(a.rabbitmq.queue, (m) => {
      if (!m) return;
      got.push(JSON.parse(m.content.toString()));
      ch.ack(m);
    });
    const up = await connect(a, a.rabbitmq.uploadVHost);
    const upCh = await up.createConfirmChannel();
    const reply = (body: object) =>
      new Promise<void>((resolve, reject) => upCh.sendToQueue(a.rabbitmq.uploadQueue, Buffer.from(JSON.stringify(body)), { persistent: true }, (e) => (e ? reject(e) : resolve())));

    const [rep] = await h.platform.sync(devA);
    assert.deepEqual({ ...rep, error: rep!.error }, { devSno: devA, added: 2, deleted: 0, unchanged: 0, commands: 1, error: null });
    const add = await until('add_users_plus on the box queue', () => got.find((m) => m.method === 'add_users_plus'));
    assert.deepEqual(Object.keys(add).sort(), ['extend_params', 'messageId', 'method', 'userid_list']);
    assert.deepEqual(add.userid_list, ['u1', 'u2']);
    assert.deepEqual(add.extend_params, { path: '/getSendPerson' });
    assert.equal((await h.platform.getPerson('u1')).boxes[0]!.state, 'pending');

    await reply({
      success: true,
      code: 0,
      message: 'ok',
      dev_sno: devA,
      messageKey: 'add_users_plus',
      messageId: add.messageId,
      result: { success_users: [{ userid: 'u1', message: 'ok', code: 0 }], failed_users: [{ userid: 'u2', message: 'face too small', code: 40094 }] },
    });
    await until('u1 enrolled', async () => (await h.platform.getPerson('u1')).boxes[0]?.state === 'enrolled');
    assert.deepEqual((await h.platform.getPerson('u2')).boxes, [{ devSno: devA, name: 'A', state: 'failed', code: 40094, message: 'face too small' }]);
    // results with an unknown messageId, or junk, change nothing and do not stop the consumer
    await reply({ success: true, code: 0, message: 'ok', dev_sno: devA, messageKey: 'add_users_plus', messageId: 'not-ours', result: { success_users: [{ userid: 'u2', message: 'ok', code: 0 }], failed_users: [] } });
    await reply({ nonsense: true });

    // u1 moves to the night group: deleted from A, u3 is not A's
    await h.platform.savePerson({ id: 'u1', name: 'Una', groups: ['night'] }, { update: true });
    const [rep2] = await h.platform.sync(devA);
    assert.equal(rep2!.deleted, 1);
    assert.equal(rep2!.added, 0);
    const del = await until('delete_users on the box queue', () => got.find((m) => m.method === 'delete_users'));
    assert.deepEqual(del.userid_list, ['u1']);
    await reply({ success: true, code: 0, message: 'ok', dev_sno: devA, messageKey: 'delete_users', messageId: del.messageId, result: { success_users: [{ userid: 'u1', message: 'deleted', code: 0 }], failed_users: [] } });
    await until('u1 gone from A', async () => (await h.platform.getPerson('u1')).boxes.length === 0);
    assert.equal((await h.platform.getPerson('u2')).boxes[0]!.state, 'failed');

    const { messageId } = await h.platform.wipe(devA, { users: true, events: false });
    const wipe = await until('wipe_data on the box queue', () => got.find((m) => m.method === 'wipe_data'));
    assert.equal(wipe.messageId, messageId);
    assert.deepEqual(wipe.wipe_options, { users: true, events: false });
    await reply({ success: true, code: 0, message: 'ok', dev_sno: devA, messageKey: 'wipe_data', messageId, result: { wipe_options: { users: true, events: false } } });
    await until('A emptied', async () => (await h.platform.getPerson('u2')).boxes.length === 0);
    // the next sync brings the box up to date again
    const [rep3] = await h.platform.sync(devA);
    assert.equal(rep3!.added, 1);
  });

  it('sends user_info_list with the photo inline when configured so', async () => {
    await h.platform.setSettings({ inlineUsers: true });
    for (const c of conns.splice(0)) await c.close().catch(() => undefined); // the earlier consumers
    const got: any[] = [];
    const cmd = await connect(a, a.rabbitmq.vHost);
    const ch = await cmd.createChannel();
    await ch.consume(a.rabbitmq.queue, (m) => {
      if (!m) return;
      got.push(JSON.parse(m.content.toString()));
      ch.ack(m);
    });
    await h.platform.savePerson({ id: 'u9', name: 'Zed', type: 5, groups: ['staff'] }, { update: false, photos: [face('biden2.jpg')] });
    const [rep] = await h.platform.sync(devA);
    assert.equal(rep!.added, 1);
    const add = await until('inline add_users_plus', () => got.find((m) => m.method === 'add_users_plus' && m.user_info_list));
    assert.equal(add.userid_list, undefined);
    assert.equal(add.user_info_list.length, 1);
    const u = add.user_info_list[0];
    assert.deepEqual(Object.keys(u).sort(), ['identity_id', 'info', 'reg_photo', 'register_type']);
    assert.equal(u.identity_id, 'u9');
    assert.deepEqual(Buffer.from(u.reg_photo, 'base64'), face('biden2.jpg'));
    assert.equal(u.info.name, 'Zed');
    assert.equal(u.info.type, 5);
    await h.platform.setSettings({ inlineUsers: false });
  });

  it("disabling a code closes the box's broker connection and refuses its next broker login; enabling gives it back", async () => {
    const devC = (await h.platform.addDevice('C')).devSno;
    const c: Login = (await http(`${h.base}/login?dev_sno=${devC}&hex_mac=0x0000000000c1`)).json();
    const conn = await amqp.connect(url(c, c.rabbitmq.vHost));
    conn.on('error', () => undefined);
    conns.push(conn);
    const closed = new Promise<void>((r) => conn.once('close', () => r()));
    const disabled = await h.platform.setDeviceEnabled(devC, false);
    assert.equal(disabled.brokerState, 'revoked');
    await closed; // the box's open connection is closed at once
    await assert.rejects(amqp.connect(url(c, c.rabbitmq.vHost)), /ACCESS_REFUSED|403/);
    // its queue and what waits in it stay for when it is enabled again
    const enabled = await h.platform.setDeviceEnabled(devC, true);
    assert.equal(enabled.brokerState, 'ready');
    const again = await amqp.connect(url(c, c.rabbitmq.vHost));
    again.on('error', () => undefined);
    conns.push(again);
    const ch = await again.createChannel();
    assert.equal((await ch.checkQueue(c.rabbitmq.queue)).queue, c.rabbitmq.queue);
    await ch.close();
  });

  it('"broker login ready" is true when shown, and "box connected" only while a real agent holds its connection', { timeout: 120_000 }, async () => {
    const d = await h.platform.addDevice('agent box');
    const view = async () => (await h.platform.listDevices()).find((x) => x.devSno === d.devSno)!;
    await until('provisioned', async () => (await view()).brokerState === 'ready');
    assert.equal((await view()).brokerConnected, false, 'no box has connected yet');
    assert.equal(brokerWords(await view()), 'broker login ready, box not connected');
    const dir = mkdtempSync(join(tmpdir(), 'se3-broker-words-'));
    const agent = await startAgent(join(dir, 'agent'), ['--mac', 'e0:a5:09:00:99:07', '--ftp-port', '0']);
    try {
      await put(agent, 'DevSno', d.devSno);
      await put(agent, 'LoginUrl', `http://127.0.0.1:${h.platform.boxPort}/login`);
      await until('agent linked', async () => (await health(agent)).broker?.state === 'connected', 60_000);
      await until('shown connected', async () => (await view()).brokerConnected);
      assert.equal(brokerWords(await view()), 'broker login ready, box connected');
      // the pages are told (platform.changed 'devices') when the box drops, with nothing else
      // changing: they read the list again and show it without a reload
      // the watch looks every 300 ms here: give it a few looks at the connected box first
      await new Promise((r) => setTimeout(r, 1500));
      const told: number[] = [];
      const off = h.platform.onChange((what) => void (what === 'devices' && told.push(Date.now())));
      try {
        await agent.kill();
        await until('told the box dropped', async () => told.length > 0);
        assert.equal((await view()).brokerConnected, false, 'not connected when told');
        told.length = 0;
        await h.broker.stop();
        await until('told the broker stopped', async () => told.length > 0);
        await h.broker.start({ port: h.amqpPort, host: '127.0.0.1' });
      } finally {
        off();
      }
      await until('shown not connected once the agent stops', async () => !(await view()).brokerConnected);
    } finally {
      await agent.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
    // the broker stopped: "ready" is not shown
    await h.broker.stop();
    const v = await view();
    assert.equal(v.brokerState, 'not ready');
    assert.match(v.brokerError ?? '', /the broker is not running, or the box's queue is gone/);
  });
});
