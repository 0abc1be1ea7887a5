// Broker hardening (issue 10 items 6, 7, 15): guest only from loopback (login from a network
// namespace), passwords from a users file or the environment, reading stops once a connection
// closes, handshake-stage connections capped, definitions 0600 and the data dir 0700.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startBroker, type Broker } from '../../electron/broker/index';
import { addUserAtRest } from '../../electron/broker/control-users';
import { requireComponent } from '../helpers/components';
import { createTestNet, type TestNet } from '../helpers/netns';
import { connect, sleep, tempDir } from './helpers';
import { connectionCloseCode, handshakeBytes, raw, until, type Raw } from './raw-client';

const root = new URL('../..', import.meta.url).pathname;
const cliEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'));
const mode = (p: string) => statSync(p).mode & 0o777;

/** amqplib login from inside a network namespace; resolves 'ok' or the error text. */
function loginFrom(net: TestNet, ns: string, url: string): Promise<string> {
  const script = `require('amqplib').connect(${JSON.stringify(url)}).then(c=>{console.log('ok');return c.close()},e=>console.log(String(e.message)))`;
  const child = net.spawnIn(ns, process.execPath, ['-e', script], { cwd: root });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((r) => child.once('exit', () => r(out.trim())));
}

describe('broker hardening', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const dir = (tag: string) => {
    const d = tempDir(tag);
    dirs.push(d);
    return d;
  };

  it('guest/guest (made when no user is given) logs in from loopback only; refusals are recorded', async (t) => {
    if (!requireComponent(t, 'network namespaces', { bin: 'ip', root: true })) return;
    const net = await createTestNet({ hosts: 1 });
    const b = await startBroker({ port: 0, warmUp: false, host: '0.0.0.0', dataDir: dir('guest') });
    try {
      assert.deepEqual(b.listUsers().map((u) => u.name), ['guest']);
      const local = await connect(b.port, { user: 'guest', pass: 'guest' });
      await local.close();
      const ns = net.hosts[0]!;
      const remote = await loginFrom(net, ns.ns, `amqp://guest:guest@${net.hostIp}:${b.port}`);
      assert.match(remote, /ACCESS_REFUSED/);
      const refused = b.refusedLogins();
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!.user, 'guest');
      assert.match(refused[0]!.peer, new RegExp(`^${ns.ip.replace(/\./g, '\\.')}:`));
      assert.match(refused[0]!.reason, /only connect via localhost/);
      // A real user is not restricted; a wrong password is refused and recorded with its reason.
      b.addUser('box', 'box-password');
      b.setPermissions('box', '/', { configure: '.*', write: '.*', read: '.*' });
      assert.equal(await loginFrom(net, ns.ns, `amqp://box:box-password@${net.hostIp}:${b.port}`), 'ok');
      await assert.rejects(connect(b.port, { user: 'box', pass: 'nope' }), /ACCESS_REFUSED/);
      assert.match(b.refusedLogins().at(-1)!.reason, /wrong password for user 'box'/);
    } finally {
      await b.close();
      await net.close();
    }
  });

  it('se3kit broker takes passwords from $SE3KIT_BROKER_PASSWORD and --users-file, and says guest is loopback-only', async () => {
    const d = dir('cliusers');
    const file = join(d, 'users.txt');
    writeFileSync(file, '# site users\nplatform:pl@tform-secret\n\nbox-7:b0x:with:colons\n', { mode: 0o600 });
    const run = async (args: string[], env: NodeJS.ProcessEnv, check: (port: number, out: string) => Promise<void>) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'electron/cli/main.ts'), 'broker', '--port', '0', '--host', '127.0.0.1', ...args], {
        cwd: root,
        env: { ...cliEnv, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      proc.stdout.on('data', (x) => (out += x));
      proc.stderr.on('data', (x) => (out += x));
      const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
      try {
        await until(() => /listening on amqp:\/\/127\.0\.0\.1:(\d+)/.test(out) || proc.exitCode !== null, 30000);
        const m = /listening on amqp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        assert.ok(m, `broker did not start: ${out}`);
        await check(Number(m[1]), out);
        proc.kill('SIGTERM');
        assert.equal(await exited, 0);
      } finally {
        proc.kill('SIGKILL');
      }
    };
    await run(['--data', join(d, 'a'), '--user', 'ops', '--users-file', file, '--no-warm-up'], { SE3KIT_BROKER_PASSWORD: 'from-the-env' }, async (port, out) => {
      assert.doesNotMatch(out, /guest/);
      for (const [user, pass] of [['ops', 'from-the-env'], ['platform', 'pl@tform-secret'], ['box-7', 'b0x:with:colons']] as const) {
        const c = await connect(port, { user, pass });
        await c.close();
      }
    });
    await run(['--data', join(d, 'b'), '--no-warm-up'], {}, async (port, out) => {
      assert.match(out, /'guest' can log in only from this computer/);
      assert.doesNotMatch(out, /warmed up/);
      const c = await connect(port, { user: 'guest', pass: 'guest' });
      await c.close();
    });
  });

  it('definitions.json is 0600 and the data dir 0700, whichever code creates them first', async () => {
    const base = dir('modes');
    // 1. the broker itself, into a fresh directory
    const a = join(base, 'a');
    let b = await startBroker({ port: 0, warmUp: false, dataDir: a, users: [{ name: 'u', password: 'p' }] });
    await b.close();
    assert.equal(mode(a), 0o700);
    assert.equal(mode(join(a, 'definitions.json')), 0o600);
    // 2. the Broker page adding a user while the broker is stopped (creates the dir and file)
    const c = join(base, 'c', 'broker');
    addUserAtRest(c, 'box', 'box-password');
    assert.equal(mode(c), 0o700);
    assert.equal(mode(join(c, 'definitions.json')), 0o600);
    // 3. an existing, too open directory and a leftover temp file are tightened
    const e = join(base, 'e');
    mkdirSync(e, { mode: 0o755 });
    chmodSync(e, 0o755);
    writeFileSync(join(e, 'definitions.json.tmp'), 'x', { mode: 0o644 });
    b = await startBroker({ port: 0, warmUp: false, dataDir: e, users: [{ name: 'u', password: 'p' }] });
    b.addUser('v', 'q');
    await b.close();
    assert.equal(mode(e), 0o700);
    assert.equal(mode(join(e, 'definitions.json')), 0o600);
  });

  describe('closing connections and the handshake stage', () => {
    let b: Broker;
    before(async () => {
      b = await startBroker({
        port: 0,
        dataDir: dir('closing'),
        users: [{ name: 'test', password: 'test' }],
        maxPendingConnections: 30,
        maxPendingPerAddress: 10,
        handshakeTimeoutMs: 3000,
        closeWaitMs: 60_000, // a connection dropped in these tests was dropped for what it sent, not by this timer
      });
    });
    after(async () => b?.close());

    it('after a FRAME_ERROR nothing more is read: 64 MiB of junk is not buffered', async () => {
      const r = await raw(b.port);
      r.sock.write(handshakeBytes());
      await until(() => r.data().length > 0);
      const rss0 = process.memoryUsage().rss;
      r.sock.write(Buffer.from([1, 0, 1, 0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef, 0x00])); // bad frame end
      const junk = Buffer.alloc(1 << 20, 0x41);
      let accepted = 0;
      for (let i = 0; i < 64 && !r.sock.destroyed; i++) {
        if (r.sock.write(junk)) accepted += junk.length;
        else await Promise.race([new Promise((res) => r.sock.once('drain', res)), sleep(200)]);
      }
      await r.closed;
      assert.equal(connectionCloseCode(r.data()), 501);
      assert.ok(r.sock.bytesWritten < 24 * 1024 * 1024, `the server read ${r.sock.bytesWritten} bytes after the frame error`);
      assert.ok(process.memoryUsage().rss - rss0 < 40 * 1024 * 1024, 'no junk buffered');
      await until(() => b.stats().connections.length === 0, 3000); // destroyed within its 1 s linger
    });

    it('during the close wait after another connection error, reading is bounded (dropped past 64 KiB)', async () => {
      const r = await raw(b.port);
      r.sock.write(handshakeBytes('test', 'test', 'no-such-vhost'));
      await until(() => connectionCloseCode(r.data()) !== null);
      assert.equal(connectionCloseCode(r.data()), 530);
      const junkFrame = Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 206])]);
      for (let i = 0; i < 20000 && !r.sock.destroyed; i++) r.sock.write(junkFrame); // 160 KB of heartbeats
      // the close wait is 60 s here: only the 64 KiB bound can drop the socket within 20 s
      let timer: NodeJS.Timeout | undefined;
      const dropped = await Promise.race([r.closed.then(() => true), new Promise<boolean>((res) => (timer = setTimeout(() => res(false), 20_000)))]);
      clearTimeout(timer);
      assert.ok(dropped, 'dropped for reading past 64 KiB during the close wait');
    });

    it('caps connections still in the handshake, per address and overall; others still get in', async () => {
      const idle: Raw[] = [];
      for (let i = 0; i < 12; i++) idle.push(await raw(b.port));
      await sleep(100);
      const open = () => idle.filter((x) => !x.sock.destroyed && x.sock.readyState === 'open');
      // the 11th and 12th from 127.0.0.1 are dropped at once
      await until(() => open().length === 10, 2000);
      // another address still gets in while 127.0.0.1 is at its cap
      const other = await raw(b.port, { localAddress: '127.0.0.2' });
      other.sock.write(handshakeBytes());
      await until(() => b.stats().connections.some((c) => c.state === 'running'));
      other.sock.destroy();
      // the idle ones go after the handshake timeout, and the address is free again
      await Promise.all(open().map((x) => x.closed));
      const c = await connect(b.port);
      await c.close();
    });
  });
});
