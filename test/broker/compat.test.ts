// Issue 13 items 1, 4, 5 beyond the differential suite: definitions exported by a real
// RabbitMQ (rabbitmqctl export_definitions) import unchanged — users log in with their
// passwords, vhost permissions hold — and the embedded broker's export imports into RabbitMQ;
// update-secret with a wrong secret; Python pika against the embedded broker (one-at-a-time
// publisher confirms, server properties).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { startBroker, type Broker } from '../../electron/broker/index';
import { requireComponent } from '../helpers/components';
import { RABBITMQ_SERVER, startRabbitMQ, type RabbitMQ } from '../helpers/rabbitmq';
import { connect, tempDir } from './helpers';

const root = new URL('../..', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';

describe('RabbitMQ compatibility: definitions, update-secret, pika', { timeout: 300_000 }, () => {
  const dir = tempDir('compat');
  let rabbit: RabbitMQ | null = null;
  let b: Broker;

  before(async () => {
    b = await startBroker({ port: 0, warmUp: false, dataDir: join(dir, 'main'), users: [{ name: 'test', password: 'test' }] });
  });
  after(async () => {
    await b?.close();
    await rabbit?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports rabbitmqctl export_definitions output unchanged, and RabbitMQ imports our export', async (t) => {
    if (!requireComponent(t, 'rabbitmq-server', { file: RABBITMQ_SERVER })) return;
    rabbit = await startRabbitMQ({ timeoutMs: 180_000 });
    const r = rabbit;
    await r.ctl(['add_vhost', 'site']);
    await r.ctl(['add_user', 'box7', 'box7-pass']);
    await r.ctl(['set_user_tags', 'box7', 'monitoring']);
    await r.ctl(['set_permissions', '-p', 'site', 'box7', '^box7\\..*', '^(box7\\..*|cmd)$', '^(box7\\..*|cmd)$']);
    await r.ctl(['set_permissions', '-p', 'site', 'test', '.*', '.*', '.*']);
    const c = await amqp.connect(`${r.url}/site`);
    const ch = await c.createChannel();
    await ch.assertExchange('cmd', 'topic', { durable: true });
    await ch.assertQueue('box7.commands', { durable: true, arguments: { 'x-max-length': 100 } });
    await ch.bindQueue('box7.commands', 'cmd', 'box7.#');
    await c.close();
    const file = join(dir, 'from-rabbitmq.json');
    await r.ctl(['export_definitions', file]);
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(exported.users.find((u: { name: string }) => u.name === 'box7').hashing_algorithm, 'rabbit_password_hashing_sha256');

    // Import into a fresh embedded broker, the way `se3kit broker --definitions FILE` does.
    const e = await startBroker({ port: 0, warmUp: false, dataDir: join(dir, 'imported'), definitions: exported });
    try {
      assert.deepEqual(e.listVhosts().sort(), ['/', 'site']);
      const box = await connect(e.port, { user: 'box7', pass: 'box7-pass', vhost: 'site' });
      const bch = await box.createConfirmChannel();
      bch.publish('cmd', 'box7.reboot', Buffer.from('reboot'), { persistent: true });
      await bch.waitForConfirms();
      const m = await bch.get('box7.commands', { noAck: true });
      assert.equal(m && m.content.toString(), 'reboot', 'the binding routes');
      // the regex permissions hold: box7 may not configure another box's queue
      const denied = await bch.assertQueue('box8.commands').then(
        () => 'ok',
        (err: { code?: number }) => err.code,
      );
      assert.equal(denied, 403);
      await box.close().catch(() => {});
      await assert.rejects(connect(e.port, { user: 'box7', pass: 'wrong', vhost: 'site' }), /ACCESS_REFUSED/);
      assert.deepEqual(e.listUsers().find((u) => u.name === 'box7')!.tags, ['monitoring']);

      // Our export, in RabbitMQ's format, imports into RabbitMQ and box7 logs in there.
      const ours = e.exportDefinitions();
      const back = join(dir, 'from-embedded.json');
      writeFileSync(back, JSON.stringify(ours));
      await r.ctl(['delete_user', 'box7']);
      await r.ctl(['delete_vhost', 'site']);
      await r.ctl(['import_definitions', back]);
      const again = await amqp.connect(`amqp://box7:box7-pass@127.0.0.1:${r.port}/site`);
      const ach = await again.createChannel();
      assert.equal((await ach.checkQueue('box7.commands')).messageCount, 0);
      await again.close();
    } finally {
      await e.close();
    }
  });

  it('se3kit broker --definitions imports at start and --export-definitions writes 0600 JSON; a bad file is refused with reasons', async () => {
    const defs = {
      users: [{ name: 'pl', password_hash: '', tags: [] }, { name: 'ops', password: 'plain-on-import', tags: 'administrator' }],
      vhosts: [{ name: '/' }],
      permissions: [{ user: 'ops', vhost: '/', configure: '.*', write: '.*', read: '.*' }],
    };
    const data = join(dir, 'cli');
    const file = join(dir, 'cli-defs.json');
    writeFileSync(file, JSON.stringify(defs));
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(root, 'electron/cli/main.ts'), 'broker', '--data', data, ...args], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')),
      });
    // import (start, then stop at once by exporting from the same data dir afterwards)
    const e = await startBroker({ port: 0, warmUp: false, dataDir: data, definitions: JSON.parse(readFileSync(file, 'utf8')) });
    const ops = await connect(e.port, { user: 'ops', pass: 'plain-on-import' });
    await ops.close();
    await assert.rejects(connect(e.port, { user: 'pl', pass: '' }), /ACCESS_REFUSED/, 'an empty hash lets nobody in');
    await e.close();
    const out = join(dir, 'export.json');
    const ex = cli(['--export-definitions', out]);
    assert.equal(ex.status, 0, ex.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const written = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(written.users.map((u: { name: string }) => u.name).sort(), ['ops', 'pl']);
    assert.equal(written.users[0].hashing_algorithm, 'rabbit_password_hashing_sha256');
    // a bad file: every problem named, nothing started
    writeFileSync(file, JSON.stringify({ users: [{ name: 'x', password_hash: 'short', hashing_algorithm: 'rabbit_password_hashing_sha256' }], vhosts: [], permissions: [{ user: 'x', vhost: 'nowhere', configure: '(', write: '', read: '' }] }));
    const bad = cli(['--port', '0', '--definitions', file]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /password_hash is not a rabbit_password_hashing_sha256 hash/);
    assert.match(bad.stderr, /vhost 'nowhere'/);
    assert.match(bad.stderr, /invalid regex '\('/);
  });

  it('update-secret: the right secret is accepted, a wrong one closes the connection with ACCESS_REFUSED', async () => {
    const c = await connect(b.port);
    const upd = (s: string) => (c as unknown as { updateSecret(s: Buffer, r: string): Promise<unknown> }).updateSecret(Buffer.from(s), 'rotation');
    await upd('test');
    const closed = new Promise<Error>((res) => c.on('close', (err: Error) => res(err)));
    void upd('not-the-password').catch(() => undefined);
    const err = await closed;
    assert.match(String(err), /403 \(ACCESS-REFUSED\)/);
    assert.match(b.refusedLogins().at(-1)!.reason, /update-secret: wrong secret for user 'test'/);
  });

  it('Python pika: one-at-a-time publisher confirms, consume, server properties', async (t) => {
    if (!requireComponent(t, 'python3-pika', { file: '/usr/lib/python3/dist-packages/pika/__init__.py' })) return;
    const script = `
import pika, sys, json
conn = pika.BlockingConnection(pika.ConnectionParameters('127.0.0.1', int(sys.argv[1]), '/', pika.PlainCredentials('test', 'test')))
ch = conn.channel()
ch.confirm_delivery()
ch.queue_declare('pika.q', durable=True)
for i in range(200):
    ch.basic_publish('', 'pika.q', ('m%d' % i).encode(), pika.BasicProperties(delivery_mode=2), mandatory=True)
got = []
for method, props, body in ch.consume('pika.q', inactivity_timeout=2):
    if method is None: break
    got.append(body.decode()); ch.basic_ack(method.delivery_tag)
    if len(got) == 200: break
ch.cancel()
ch.queue_delete('pika.q')
sp = conn._impl.server_properties
print(json.dumps({'got': got, 'version': sp['version'].decode() if isinstance(sp['version'], bytes) else sp['version'], 'caps': sp['capabilities']}))
conn.close()
`;
    // async: the broker runs in this process, so its event loop must keep turning
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((res) => {
      const p = spawn(PYTHON, ['-c', script, String(b.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
      p.once('exit', (status) => {
        clearTimeout(timer);
        res({ status, stdout, stderr });
      });
    });
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(res.got, Array.from({ length: 200 }, (_, i) => `m${i}`));
    assert.equal(res.version, '3.10.8');
    assert.equal(res.caps.publisher_confirms, true);
    assert.equal(res.caps.consumer_priorities, true);
  });
});
