// `se3kit broker` as a process (users, vhosts, clean SIGTERM shutdown, usage errors) and the
// amqps listener with a self-signed certificate made by openssl.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import amqp from 'amqplib';
import { startBroker } from '../../electron/broker/index';
import { requireComponent } from '../helpers/components';
import { connect, tempDir } from './helpers';

const root = new URL('../..', import.meta.url).pathname;
const cliEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'));

describe('se3kit broker command and amqps', { timeout: 90_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('runs with --user/--vhost, serves clients, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir('cli');
    dirs.push(dir);
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'electron/cli/main.ts'), 'broker', '--port', '0', '--host', '127.0.0.1', '--data', dir, '--user', 'box:s3cret', '--vhost', 'site'],
      { cwd: root, env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 30000;
      while (!/listening on amqp:\/\/127\.0\.0\.1:(\d+)/.test(out)) {
        assert.ok(Date.now() < deadline && proc.exitCode === null, `broker did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const port = Number(/listening on amqp:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
      // the start-up warm-up ran before it listened (on by default)
      assert.match(out, /broker warmed up: \d+ private messages in \d+ ms[^]*listening on/);
      const c = await connect(port, { user: 'box', pass: 's3cret', vhost: 'site' });
      const ch = await c.createChannel();
      await ch.assertQueue('cli-q', { durable: true });
      ch.sendToQueue('cli-q', Buffer.from('hello'), { persistent: true });
      const m = await new Promise<string>((res) => void ch.consume('cli-q', (x) => res(x!.content.toString()), { noAck: true }));
      assert.equal(m, 'hello');
      await c.close();
      proc.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.match(out, /broker stopped/);
    } finally {
      proc.kill('SIGKILL');
    }
    const bad = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'electron/cli/main.ts'), 'broker', '--data', dir, '--user', 'no-colon'], {
      cwd: root,
      env: cliEnv,
      encoding: 'utf8',
      timeout: 30000,
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /NAME:PASSWORD/);
  });

  it('accepts amqps with a self-signed certificate', async (t) => {
    if (!requireComponent(t, 'openssl', { bin: 'openssl' })) return;
    const dir = tempDir('tls');
    dirs.push(dir);
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], {
      encoding: 'utf8',
      timeout: 30000,
    });
    assert.equal(r.status, 0, r.stderr);
    const b = await startBroker({
      port: 0,
      dataDir: join(dir, 'data'),
      users: [{ name: 'test', password: 'test' }],
      tls: { port: 0, key: readFileSync(key), cert: readFileSync(cert) },
    });
    try {
      assert.ok(b.tlsPort);
      const c = await amqp.connect(`amqps://test:test@localhost:${b.tlsPort}`, { ca: [readFileSync(cert)], servername: 'localhost' });
      const ch = await c.createChannel();
      const q = await ch.assertQueue('', { exclusive: true });
      ch.sendToQueue(q.queue, Buffer.from('over tls'));
      await new Promise((res) => setTimeout(res, 50));
      const m = await ch.get(q.queue, { noAck: true });
      assert.equal(m && m.content.toString(), 'over tls');
      assert.equal(b.stats().connections[0]!.tls, true);
      await c.close();
      // A client that does not trust the certificate is refused by its own TLS check.
      await assert.rejects(amqp.connect(`amqps://test:test@localhost:${b.tlsPort}`));
    } finally {
      await b.close();
    }
  });
});
