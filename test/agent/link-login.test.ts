// The agent's platform login (PROTOCOL §2) and broker link against a real `se3kit agent`, the
// embedded broker and a fake platform: refused and unreachable logins show a plain reason in
// /health, retries back off (1 s, 2 s, 4 s …), a PUT re-logs in, and a broker that refuses the
// old credentials makes the box log in again and connect with the new ones. A second agent on a
// port in use says so and what to do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { startBroker, FULL_PERMISSIONS, type Broker } from '../../electron/broker';
import { startFakePlatform, startAgent, health, put, waitFor, type AgentProc, type FakePlatform } from './link-fixture';
import { runCli } from '../helpers/cli';

const DEV_SNO = 'LINKTEST0001LINKTEST0001';
const MAC = 'e0:a5:09:00:06:2b';
let dir: string;
let broker: Broker;
let platform: FakePlatform;
let agent: AgentProc;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-link-login-'));
  broker = await startBroker({ port: 0, warmUp: false, dataDir: join(dir, 'broker'), users: [{ name: 'box', password: 'pw1' }] });
  platform = await startFakePlatform(DEV_SNO, {
    host: '127.0.0.1',
    port: String(broker.port), // the vendor examples send a string
    login: 'box',
    password: 'pw1',
    queue: 'box.login.cmd',
    exchange: { name: 'se3.cmd', type: 'topic', passive: false, durable: true, auto_delete: false, arguments: null },
  });
  agent = await startAgent(join(dir, 'agent'), ['--mac', MAC]);
});
after(async () => {
  await agent?.kill();
  await platform?.close();
  await broker?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a fresh box: login and broker not configured, no users', async () => {
  const h = await health(agent);
  assert.deepEqual(h.login, { state: 'not-configured' });
  assert.deepEqual(h.broker, { state: 'not-configured' });
  assert.equal(h.users, 0);
});

test('a second agent on a port already in use says so and what to do, exit 1', async () => {
  const port = new URL(agent.url).port;
  const r = await runCli(['agent', '--data', join(dir, 'agent2'), '--host', '127.0.0.1', '--port', port, '--no-mdns', '--ftp-port', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`se3kit: cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use \\(another agent, or another program\\); pass --port N`));
  assert.equal((await health(agent)).login.state, 'not-configured', 'the first agent is untouched');
});

test('an unreachable platform: failed, with the reason', async () => {
  const closed = await new Promise<number>((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
  await put(agent, 'DevSno', DEV_SNO);
  await put(agent, 'LoginUrl', `http://127.0.0.1:${closed}/api/login`);
  const h = await waitFor('login failed', async () => ((await health(agent)).login.state === 'failed' ? health(agent) : null));
  assert.match(h.login.error, new RegExp(`^platform unreachable: ECONNREFUSED 127\\.0\\.0\\.1:${closed}$`));
  assert.ok(!Number.isNaN(Date.parse(h.login.since)));
});

test('refused logins show the platform code, back off 1 s → 2 s → 4 s, then log in; the broker channel comes up', async () => {
  platform.refuseNext = { count: 3, status: 403, code: 40003, message: 'MAC already bound to another box' };
  await put(agent, 'LoginUrl', `${platform.url}/api/login`); // a PUT re-logs in at once
  const failed = await waitFor('refused', async () => {
    const h = await health(agent);
    return h.login.state === 'failed' && /refused/.test(h.login.error ?? '') ? h : null;
  });
  assert.equal(failed.login.error, 'refused by the platform: 403 40003 MAC already bound to another box');
  const ok = await waitFor('logged in', async () => {
    const h = await health(agent);
    return h.login.state === 'logged-in' && h.broker.state === 'connected' ? h : null;
  }, 30_000);
  assert.equal(ok.login.error, undefined);
  assert.equal(platform.logins.length, 4);
  for (const l of platform.logins) {
    assert.equal(l.method, 'GET');
    assert.deepEqual(l.query, { dev_sno: DEV_SNO, hex_mac: '0xe0a50900062b' });
  }
  const gaps = platform.logins.slice(1).map((l, i) => l.at - platform.logins[i]!.at);
  // 1 s, 2 s, 4 s (timers fire no earlier; the machine may add a little)
  assert.ok(gaps[0]! >= 950 && gaps[0]! < 1900, `gaps ${gaps}`);
  assert.ok(gaps[1]! >= 1950 && gaps[1]! < 3900, `gaps ${gaps}`);
  assert.ok(gaps[2]! >= 3950 && gaps[2]! < 7900, `gaps ${gaps}`);
  // the box declared the exchange and bound its queue (routing key = queue name)
  const conn = await (await import('amqplib')).default.connect(`amqp://box:pw1@127.0.0.1:${broker.port}`);
  const ch = await conn.createChannel();
  await ch.checkExchange('se3.cmd');
  const q = await ch.checkQueue('box.login.cmd');
  assert.equal(q.consumerCount, 1);
  await conn.close();
});

test('a PUT of DevSno or LoginUrl logs in again at once', async () => {
  const before = platform.logins.length;
  await put(agent, 'DevSno', DEV_SNO);
  await waitFor('second login', () => platform.logins.length === before + 1);
  await waitFor('logged in again', async () => (await health(agent)).login.state === 'logged-in');
});

test('the broker refuses the old credentials → the box logs in again and connects with the new ones', async () => {
  const before = platform.logins.length;
  platform.rabbitmq = { ...platform.rabbitmq, password: 'pw2' };
  broker.deleteUser('box'); // closes the box's connection
  broker.addUser('box', 'pw2');
  broker.setPermissions('box', '/', FULL_PERMISSIONS);
  await waitFor('re-login', () => platform.logins.length > before, 30_000);
  const h = await waitFor('reconnected', async () => {
    const x = await health(agent);
    return x.broker.state === 'connected' && x.login.state === 'logged-in' ? x : null;
  }, 30_000);
  assert.ok(h.broker.since);
  assert.match(agent.output(), /asking the platform for new parameters/);
});

test('the broker stays down → after three failed attempts the box logs in again, and connects once the broker is back', async () => {
  const port = broker.port;
  const before = platform.logins.length;
  await broker.close();
  const h = await waitFor('broker failed', async () => {
    const x = await health(agent);
    return x.broker.state === 'failed' ? x : null;
  }, 20_000);
  assert.match(h.broker.error, new RegExp(`^cannot connect to the broker at 127\\.0\\.0\\.1:${port} \\(vhost /\\): .*ECONNREFUSED`));
  await waitFor('re-login for new parameters', () => platform.logins.length > before, 20_000);
  broker = await startBroker({ port, warmUp: false, dataDir: join(dir, 'broker'), users: [{ name: 'box', password: 'pw2' }] });
  await waitFor('connected again', async () => (await health(agent)).broker.state === 'connected', 60_000);
  assert.equal((await health(agent)).login.state, 'logged-in');
});
