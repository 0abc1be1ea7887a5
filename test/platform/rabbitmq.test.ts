// The platform on an external RabbitMQ (Debian rabbitmq-server with the management plugin,
// started by the test): per-box users, vhosts and permissions through the management HTTP
// API; a box's credentials cannot consume, bind to or publish into another box's queues (403);
// a real agent logs in, connects to RabbitMQ and enrols its people, results via its upload
// queue; a wrong admin password gives a plain reason.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp, { type ChannelModel } from 'amqplib';
import { createRabbitmqProvisioner } from '../../electron/platform/broker-rabbitmq';
import { health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { requireComponent } from '../helpers/components';
import { RABBITMQ_SERVER, startRabbitMQ, type RabbitMQ } from '../helpers/rabbitmq';
import { face } from '../fiqa/fixtures';
import { http, startPlatform, until, type Harness } from './harness';

describe('platform on an external RabbitMQ (management API)', () => {
  let rabbit: RabbitMQ | undefined;
  let h: Harness | undefined;
  let agent: AgentProc | undefined;
  let dir: string;
  let skip = false;
  before(async (t) => {
    if (!requireComponent(t as never, 'RabbitMQ', { file: RABBITMQ_SERVER })) {
      skip = true;
      return;
    }
    dir = mkdtempSync(join(tmpdir(), 'se3-platform-rmq-'));
    rabbit = await startRabbitMQ({ management: true, timeoutMs: 120_000 });
    h = await startPlatform({
      autoSync: false,
      provisioner: () => createRabbitmqProvisioner({ brokerUrl: `amqp://test:test@127.0.0.1:${rabbit!.port}`, adminUrl: rabbit!.adminUrl! }),
    });
  });
  after(async () => {
    await agent?.kill();
    await h?.close();
    await rabbit?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("provisions boxes that cannot touch each other's queues", async (t) => {
    if (skip) return t.skip('RabbitMQ is not installed');
    const a = await h!.platform.addDevice('A');
    const b = await h!.platform.addDevice('B');
    const la = (await http(`${h!.base}/login?dev_sno=${a.devSno}&hex_mac=0x0000000000a1`)).json();
    const lb = (await http(`${h!.base}/login?dev_sno=${b.devSno}&hex_mac=0x0000000000b1`)).json();
    assert.equal(la.rabbitmq.port, rabbit!.port);
    assert.equal(la.rabbitmq.host, '127.0.0.1');
    const url = (vhost: string) => `amqp://${la.rabbitmq.login}:${encodeURIComponent(la.rabbitmq.password)}@127.0.0.1:${rabbit!.port}/${encodeURIComponent(vhost)}`;
    const conn: ChannelModel = await amqp.connect(url(la.rabbitmq.vHost));
    conn.on('error', () => undefined);
    try {
      const ch = await conn.createChannel();
      await ch.assertExchange(la.rabbitmq.exchange.name, 'topic', { durable: true, autoDelete: false });
      await ch.checkQueue(la.rabbitmq.queue);
      await ch.bindQueue(la.rabbitmq.queue, la.rabbitmq.exchange.name, la.rabbitmq.queue);
      await ch.consume(la.rabbitmq.queue, () => undefined);
      await ch.close();
      const tries: Array<[string, (c: amqp.Channel) => Promise<unknown>]> = [
        ["consume B's queue", (c) => c.consume(lb.rabbitmq.queue, () => undefined)],
        ["bind B's queue", (c) => c.bindQueue(lb.rabbitmq.queue, la.rabbitmq.exchange.name, '#')],
        ["bind to B's exchange", (c) => c.bindQueue(la.rabbitmq.queue, lb.rabbitmq.exchange.name, '#')],
      ];
      for (const [what, op] of tries) {
        const c = await conn.createChannel();
        c.on('error', () => undefined);
        await assert.rejects(op(c), (e: { code?: number; message: string }) => e.code === 403 && /ACCESS_REFUSED/.test(e.message), what);
      }
      for (const [exchange, key] of [
        [lb.rabbitmq.exchange.name, lb.rabbitmq.queue],
        ['', lb.rabbitmq.queue],
      ] as const) {
        const c = await conn.createConfirmChannel();
        c.on('error', () => undefined);
        await assert.rejects(
          new Promise<void>((resolve, reject) => {
            c.publish(exchange, key, Buffer.from('{}'), {}, (err) => (err ? reject(err) : resolve()));
            c.once('error', reject);
          }),
          (e: { code?: number; message: string }) => e.code === 403 || /ACCESS_REFUSED/.test(e.message),
          `publish into B's queue via '${exchange}'`,
        );
      }
      await assert.rejects(amqp.connect(url(lb.rabbitmq.uploadVHost)), /ACCESS_REFUSED|NOT_ALLOWED|403|530|access to vhost|ConnectionClose/);
      // disabling A's code closes its connection and refuses its next login; enabling gives it back
      const closed = new Promise<void>((r) => conn.once('close', () => r()));
      assert.equal((await h!.platform.setDeviceEnabled(a.devSno, false)).brokerState, 'revoked');
      await closed;
      await assert.rejects(amqp.connect(url(la.rabbitmq.vHost)), /ACCESS_REFUSED|403/);
      assert.equal((await h!.platform.setDeviceEnabled(a.devSno, true)).brokerState, 'ready');
      const again = await amqp.connect(url(la.rabbitmq.vHost));
      await again.close();
    } finally {
      await conn.close().catch(() => undefined);
    }
  });

  it('a real agent logs in, connects to RabbitMQ and enrols its people', async (t) => {
    if (skip) return t.skip('RabbitMQ is not installed');
    await h!.platform.addGroup('staff');
    const d = await h!.platform.addDevice('agent');
    await h!.platform.assign(d.devSno, 'staff');
    await h!.platform.savePerson({ id: 'r1', name: 'Rae', groups: ['staff'] }, { update: false, photos: [face('obama.jpg')] });
    await h!.platform.savePerson({ id: 'r2', name: 'Sam', groups: ['staff'] }, { update: false, photos: [face('obama_partial_face.jpg')] });
    agent = await startAgent(join(dir, 'agent'), ['--mac', 'e0:a5:09:00:99:01']);
    await put(agent, 'DevSno', d.devSno);
    await put(agent, 'LoginUrl', `http://127.0.0.1:${h!.platform.boxPort}/login`);
    await until('agent linked', async () => (await health(agent!)).broker?.state === 'connected', 60_000);
    await h!.platform.sync(d.devSno);
    await until('results', async () => (await h!.platform.getPerson('r1')).boxes[0]?.state === 'enrolled', 60_000);
    // the partial face fails the check the box enrols with: not sent, and the state says why
    assert.equal((await h!.platform.getPerson('r2')).boxes[0]!.state, 'held');
    assert.match((await h!.platform.getPerson('r2')).boxes[0]!.message ?? '', /^not sent: photo fails the check/);
    assert.equal((await health(agent)).users, 1);
  });

  it('removing a box deletes its user, vhost, queues and exchange; resources of codes no longer in the database are swept at start', { timeout: 120_000 }, async (t) => {
    if (skip) return t.skip('RabbitMQ is not installed');
    const admin = new URL(rabbit!.adminUrl!);
    const api = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${admin.origin}/api${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from('test:test').toString('base64')}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return r.status;
    };
    const present = async (devSno: string) => ({
      user: (await api('GET', `/users/box.${devSno}`)) === 200,
      vhost: (await api('GET', `/vhosts/se3.up.${devSno}`)) === 200,
      queue: (await api('GET', `/queues/se3/se3.${devSno}.cmd`)) === 200,
      exchange: (await api('GET', `/exchanges/se3/se3.cmd.${devSno}`)) === 200,
    });
    const all = { user: true, vhost: true, queue: true, exchange: true };
    const none = { user: false, vhost: false, queue: false, exchange: false };
    const d = await h!.platform.addDevice('C');
    await until('C provisioned', async () => (await h!.platform.listDevices()).find((x) => x.devSno === d.devSno && x.brokerState === 'ready'));
    assert.deepEqual(await present(d.devSno), all);
    await h!.platform.removeDevice(d.devSno);
    assert.deepEqual(await present(d.devSno), none);
    // left by a crash between a removal's commit and its clean-up (a code the database no longer has)
    const orphan = 'ORPHANCODE0000000000RMQ1';
    assert.equal(await api('PUT', `/users/box.${orphan}`, { password: 'x', tags: '' }), 201);
    assert.equal(await api('PUT', `/vhosts/se3.up.${orphan}`, {}), 201);
    assert.equal(await api('PUT', `/queues/se3/se3.${orphan}.cmd`, { durable: true }), 201);
    const kept = (await h!.platform.listDevices())[0]!.devSno;
    await h!.close({ keep: true });
    h = await startPlatform(
      { autoSync: false, provisioner: () => createRabbitmqProvisioner({ brokerUrl: `amqp://test:test@127.0.0.1:${rabbit!.port}`, adminUrl: rabbit!.adminUrl! }) },
      { dir: h!.dir, amqpPort: h!.amqpPort },
    );
    await until('the orphan swept', async () => {
      const p = await present(orphan);
      return !p.user && !p.vhost && !p.queue;
    });
    const k = await present(kept);
    assert.ok(k.user && k.vhost && k.queue, `a box in the database keeps its resources: ${JSON.stringify(k)}`);
  });

  it('says plainly when the management login is wrong', async (t) => {
    if (skip) return t.skip('RabbitMQ is not installed');
    const bad = createRabbitmqProvisioner({ brokerUrl: `amqp://test:test@127.0.0.1:${rabbit!.port}`, adminUrl: rabbit!.adminUrl!.replace('test:test', 'test:wrong') });
    await assert.rejects(bad.start(), /refused the management login: check the user and password in --broker-admin-url/);
  });
});
