// The "broker" API area end to end below the transports: createApiHandlers over the real
// services (real embedded broker on loopback, real files), a real amqplib client. Bad params,
// start without users, users stored only as salted hashes, plain errors for a busy port,
// stats, the remembered state restored by a new services instance, close stops the broker.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import amqp from 'amqplib';
import type { BrokerStats, BrokerStatus } from '../../electron/api/broker';
import { createApiHandlers, type Api } from '../../electron/api/dispatch';
import { assembleServices, type Services } from '../../electron/api/services';
import { tempDir } from './helpers';
import { freePort } from '../helpers/ports';

const dirs: string[] = [];
const open: Array<{ api: Api; services: Services }> = [];

function area(dataDir: string): { api: Api; services: Services } {
  const services = assembleServices({ dataDir });
  const api = createApiHandlers(services);
  open.push({ api, services });
  return { api, services };
}

async function closeArea(a: { api: Api; services: Services }): Promise<void> {
  a.api.dispose();
  await a.services.close();
}

/** A fresh data dir with user "site" and a broker started on a free loopback port. */
async function runningBroker(name: string): Promise<{ dir: string; a: { api: Api; services: Services }; port: number }> {
  const dir = tempDir(name);
  dirs.push(dir);
  const a = area(dir);
  await a.services.broker.resumed;
  const port = await freePort();
  await call(a.api, 'broker.addUser', { name: 'site', password: 'correct horse' });
  await call(a.api, 'broker.start', { port, host: '127.0.0.1' });
  return { dir, a, port };
}


function listening(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: { code?: unknown; message: string }) => {
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

const call = <T>(api: Api, method: string, params: unknown = {}) => api.call(method, params) as Promise<T>;

describe('broker control through the API', { timeout: 60_000 }, () => {
  after(async () => {
    for (const a of open) await closeArea(a).catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('rejects bad params with clear messages', async () => {
    const dir = tempDir('control-params');
    dirs.push(dir);
    const { api, services } = area(dir);
    await services.broker.resumed;
    await rejects(call(api, 'broker.start', { port: 70000 }), 'bad_params', /port: The port must be a whole number from 1 to 65535/);
    await rejects(call(api, 'broker.start', { port: '5672' }), 'bad_params', /port: the port must be a number/);
    await rejects(call(api, 'broker.start', { host: '10.0.0.1' }), 'bad_params', /host must be "0.0.0.0".*or "127.0.0.1"/);
    await rejects(call(api, 'broker.start', { port: 5672, extra: 1 }), 'bad_params', /extra/);
    await rejects(call(api, 'broker.addUser', { name: 'site', password: 'short' }), 'bad_params', /password: The password needs at least 8 characters/);
    await rejects(call(api, 'broker.addUser', { name: 'a b', password: 'long-enough' }), 'bad_params', /name: Use only letters, digits/);
    await rejects(call(api, 'broker.addUser', { name: 'site' }), 'bad_params', /password: password must be text/);
    await rejects(call(api, 'broker.deleteUser', { name: '' }), 'bad_params', /name the user to delete/);
  });

  it('broker.setPassword changes a password while stopped and while running; refused logins reach the stats', async () => {
    const dir = tempDir('control-password');
    dirs.push(dir);
    const a = area(dir);
    await a.services.broker.resumed;
    await rejects(call(a.api, 'broker.setPassword', { name: 'site', password: 'short' }), 'bad_params', /at least 8 characters/);
    await rejects(call(a.api, 'broker.setPassword', { name: 'nobody', password: 'long-enough' }), 'no_such_user', /no user named "nobody"/);
    await call(a.api, 'broker.addUser', { name: 'site', password: 'first-password' });
    await call(a.api, 'broker.setPassword', { name: 'site', password: 'second-password' }); // stopped: in the file
    const port = await freePort();
    const status = await call<BrokerStatus>(a.api, 'broker.start', { port, host: '127.0.0.1' });
    assert.ok(status.addresses.includes(`amqp://127.0.0.1:${port}`));
    await assert.rejects(amqp.connect(`amqp://site:first-password@127.0.0.1:${port}`), /ACCESS_REFUSED/);
    (await amqp.connect(`amqp://site:second-password@127.0.0.1:${port}`)).close();
    await call(a.api, 'broker.setPassword', { name: 'site', password: 'third-password' }); // running: at once
    await assert.rejects(amqp.connect(`amqp://site:second-password@127.0.0.1:${port}`), /ACCESS_REFUSED/);
    const c = await amqp.connect(`amqp://site:third-password@127.0.0.1:${port}`, { clientProperties: { connection_name: 'platform-1' } });
    const stats = await call<BrokerStats>(a.api, 'broker.stats');
    assert.equal(stats.connections[0]!.connectionName, 'platform-1');
    assert.deepEqual(
      stats.refusedLogins.map((r) => [r.user, r.reason]),
      [
        ['site', "wrong password for user 'site'"],
        ['site', "wrong password for user 'site'"],
      ],
    );
    assert.match(stats.refusedLogins[0]!.peer, /^127\.0\.0\.1:\d+$/);
    await c.close();
    await call(a.api, 'broker.stop');
  });

  it('refuses to start without users; starts, reports stats, stores only a salted hash', async () => {
    const dir = tempDir('control-start');
    dirs.push(dir);
    const a = area(dir);
    const { api } = a;
    await a.services.broker.resumed;
    const port = await freePort();
    await rejects(call(api, 'broker.start', { port, host: '127.0.0.1' }), 'no_users', /Add a broker user first/);
    let status = await call<BrokerStatus>(api, 'broker.status');
    assert.equal(status.state, 'stopped');
    assert.match(status.lastError ?? '', /Add a broker user first/);
    assert.equal(existsSync(join(dir, 'broker-settings.json')), false, 'a refused start remembers nothing');

    status = await call<BrokerStatus>(api, 'broker.addUser', { name: 'site', password: 'correct horse' });
    assert.deepEqual(status.users, [{ name: 'site', vhosts: ['/'] }]);
    const defs = readFileSync(join(dir, 'broker', 'definitions.json'), 'utf8');
    assert.ok(!defs.includes('correct horse'), 'the password is not stored in clear');
    assert.match(defs, /"passwordHash":"[A-Za-z0-9+/=]{48}"/);
    await rejects(call(api, 'broker.addUser', { name: 'site', password: 'another one' }), 'user_exists', /already a user named "site"/);

    // a busy port: the plain error, and nothing remembered
    const blocker = await listening(port);
    await rejects(call(api, 'broker.start', { port, host: '127.0.0.1' }), 'port_in_use', new RegExp(`Port ${port} is already in use.*Choose a different port`));
    await new Promise((r) => blocker.close(r));

    const events: string[] = [];
    const statsSeen = new Promise<BrokerStats>((resolve) => {
      const off = api.events.subscribe((event, payload) => {
        events.push(event);
        if (event === 'broker.stats' && (payload as BrokerStats).queues.some((q) => q.name === 'jobs' && q.messages === 3)) {
          off();
          resolve(payload as BrokerStats);
        }
      });
    });
    status = await call<BrokerStatus>(api, 'broker.start', { port, host: '127.0.0.1' });
    assert.equal(status.state, 'running');
    assert.equal(status.port, port);
    assert.equal(status.lastError, null);
    assert.deepEqual(status.settings, { enabled: true, port, host: '127.0.0.1' });
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'broker-settings.json'), 'utf8')), { version: 1, enabled: true, port, host: '127.0.0.1' });

    await assert.rejects(amqp.connect(`amqp://site:wrong-password@127.0.0.1:${port}`), 'a wrong password is refused');
    const conn = await amqp.connect(`amqp://site:${encodeURIComponent('correct horse')}@127.0.0.1:${port}`);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('jobs', { durable: true });
    for (let i = 0; i < 3; i++) ch.sendToQueue('jobs', Buffer.from(`job ${i}`), { persistent: true });
    await ch.waitForConfirms();

    const pushed = await statsSeen;
    assert.ok(events.includes('broker.status'));
    assert.equal(pushed.connections.length, 1);
    assert.equal(pushed.connections[0]!.user, 'site');
    assert.equal(pushed.connections[0]!.vhost, '/');
    const fetched = await call<BrokerStats>(api, 'broker.stats');
    assert.equal(fetched.queues.find((q) => q.name === 'jobs')?.messages, 3);

    // the only user of a running broker cannot be deleted
    await rejects(call(api, 'broker.deleteUser', { name: 'site' }), 'last_user', /only user/);
    await rejects(call(api, 'broker.deleteUser', { name: 'nobody' }), 'no_such_user', /no user named "nobody"/);
    await rejects(call(api, 'broker.start', { port: port === 65535 ? port - 1 : port + 1 }), 'already_running', /already running on port/);
    await conn.close();

    // close() stops the broker cleanly and keeps "enabled": a new instance resumes it
    await closeArea(a);
    await assert.rejects(amqp.connect(`amqp://site:${encodeURIComponent('correct horse')}@127.0.0.1:${port}`), /ECONNREFUSED/);

    const b = area(dir);
    await b.services.broker.resumed;
    status = await call<BrokerStatus>(b.api, 'broker.status');
    assert.equal(status.state, 'running', status.lastError ?? '');
    assert.equal(status.port, port);
    const again = await amqp.connect(`amqp://site:${encodeURIComponent('correct horse')}@127.0.0.1:${port}`);
    const ch2 = await again.createChannel();
    const q = await ch2.checkQueue('jobs');
    assert.equal(q.messageCount, 3, 'persistent messages survived');
    await again.close();

    // Stop is remembered: the next instance leaves the broker stopped
    status = await call<BrokerStatus>(b.api, 'broker.stop');
    assert.equal(status.state, 'stopped');
    assert.equal(status.settings.enabled, false);
    assert.equal(await call(b.api, 'broker.stats'), null);
    await closeArea(b);
    const c = area(dir);
    await c.services.broker.resumed;
    status = await call<BrokerStatus>(c.api, 'broker.status');
    assert.equal(status.state, 'stopped');
    assert.equal(status.settings.port, port);

    // users can be deleted while stopped (and then start is refused again)
    status = await call<BrokerStatus>(c.api, 'broker.deleteUser', { name: 'site' });
    assert.deepEqual(status.users, []);
    await rejects(call(c.api, 'broker.start', {}), 'no_users', /Add a broker user first/);
    await closeArea(c);
  });

  it('a remembered broker whose port is taken at app start keeps the reason for the panel', async () => {
    const { dir, a, port } = await runningBroker('control-resume-busy');
    await closeArea(a);

    const blocker = await listening(port);
    try {
      const b = area(dir);
      await b.services.broker.resumed;
      const status = await call<BrokerStatus>(b.api, 'broker.status');
      assert.equal(status.state, 'stopped');
      assert.match(status.lastError ?? '', new RegExp(`was running when Field Kit last closed but could not start again. Port ${port} is already in use`));
      assert.equal(status.settings.enabled, true, 'still wanted: the next app start tries again');
      await closeArea(b);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('a start that fails (busy port) leaves no queue logs or timers open behind it', async (t) => {
    if (!existsSync('/proc/self/fd')) return t.skip('needs /proc/self/fd');
    const { a, port } = await runningBroker('control-failed-start');
    const conn = await amqp.connect(`amqp://site:${encodeURIComponent('correct horse')}@127.0.0.1:${port}`);
    const ch = await conn.createConfirmChannel();
    for (let i = 0; i < 4; i++) {
      await ch.assertQueue(`durable-${i}`, { durable: true });
      ch.sendToQueue(`durable-${i}`, Buffer.from('kept'), { persistent: true });
    }
    await ch.waitForConfirms();
    await conn.close();
    await call(a.api, 'broker.stop');

    const blocker = await listening(port);
    try {
      const fds = () => readdirSync('/proc/self/fd').length;
      const before = fds();
      for (let i = 0; i < 3; i++) await rejects(call(a.api, 'broker.start', { port, host: '127.0.0.1' }), 'port_in_use', /already in use/);
      // A next segment being prepared on the libuv pool when the start failed closes its fd once
      // that pool step returns (store/segment-prep.ts), so wait for the count to settle (≤ 15 s).
      for (let waited = 0; fds() > before && waited < 15000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      assert.equal(fds(), before, 'every failed start closed the queue logs it had opened');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    const status = await call<BrokerStatus>(a.api, 'broker.start', { port, host: '127.0.0.1' });
    assert.equal(status.state, 'running');
    const again = await amqp.connect(`amqp://site:${encodeURIComponent('correct horse')}@127.0.0.1:${port}`);
    const ch2 = await again.createChannel();
    for (let i = 0; i < 4; i++) assert.equal((await ch2.checkQueue(`durable-${i}`)).messageCount, 1);
    await again.close();
    await closeArea(a);
  });

  it('a damaged user list is reported in plain words, not started over', async () => {
    const dir = tempDir('control-damaged');
    dirs.push(dir);
    mkdirSync(join(dir, 'broker'));
    writeFileSync(join(dir, 'broker', 'definitions.json'), '{"version":1,"users":"oops"}');
    const { api, services } = area(dir);
    await services.broker.resumed;
    const status = await call<BrokerStatus>(api, 'broker.status');
    assert.equal(status.state, 'stopped');
    assert.match(status.lastError ?? '', /The broker's user list could not be read: .*definitions\.json is not a valid broker definitions file/);
    await rejects(call(api, 'broker.start', {}), 'storage', /user list could not be read/);
    await rejects(call(api, 'broker.addUser', { name: 'site', password: 'correct horse' }), 'storage', /user list could not be read/);
    assert.equal(readFileSync(join(dir, 'broker', 'definitions.json'), 'utf8'), '{"version":1,"users":"oops"}', 'left as it was');
  });

  it('services with an unreadable data dir come up with the broker stopped', async () => {
    const { api, services } = area('/nonexistent/se3kit-broker-test');
    await services.broker.resumed;
    const status = await call<BrokerStatus>(api, 'broker.status');
    assert.equal(status.state, 'stopped');
    assert.deepEqual(status.users, []);
  });
});
