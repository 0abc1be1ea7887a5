// `se3kit serve` and `se3kit desktop` as processes (dist/cli.mjs): the admin password is
// printed once, --reset-password replaces it, loopback by default, clean exit on SIGTERM, and
// `desktop` says why it falls back to site mode where Electron or a display is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { cli, passwordIn, startCli } from './cli-process';

async function loginStatus(url: string, password: string): Promise<number> {
  const res = await fetch(new URL('/api/login', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  return res.status;
}

test('serve: password printed once, kept across restarts, replaced by --reset-password', { timeout: 60_000 }, async (t) => {
  if (!existsSync(cli)) assert.fail(`${cli} missing: run node build/build.mjs`);
  const data = mkdtempSync(join(tmpdir(), 'se3kit-cli-'));
  t.after(() => rmSync(data, { recursive: true, force: true }));

  const first = await startCli(['serve', '--data', data, '--port', '0']);
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const password = passwordIn(first.out());
  assert.ok(password, first.out());
  assert.equal(first.out().split(password).length - 1, 1, 'printed exactly once');
  assert.equal(await loginStatus(first.url, password), 200);
  assert.equal(await loginStatus(first.url, 'wrong'), 401);
  assert.equal(await first.stop(), 0);

  const second = await startCli(['serve', '--data', data, '--port', '0']);
  assert.equal(passwordIn(second.out()), null, second.out());
  assert.ok(!second.out().includes(password));
  assert.equal(await loginStatus(second.url, password), 200);
  assert.equal(await second.stop(), 0);

  const reset = await startCli(['serve', '--data', data, '--port', '0', '--reset-password']);
  const newPassword = passwordIn(reset.out());
  assert.ok(newPassword && newPassword !== password);
  assert.equal(await loginStatus(reset.url, password), 401);
  assert.equal(await loginStatus(reset.url, newPassword), 200);
  assert.equal(await reset.stop(), 0);
});

test('serve: usage errors exit 2; a port in use exits 1 saying what to do', { timeout: 30_000 }, async (t) => {
  const data = mkdtempSync(join(tmpdir(), 'se3kit-cli-'));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      c.stderr.on('data', (d) => (stderr += d));
      c.once('exit', (code) => resolve({ code, stderr }));
    });
  const bad = await run(['serve', '--data', data, '--port', 'eighty']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /expected a TCP port/);
  // one port given to two listeners is a usage error naming both, not "already in use" (by itself)
  const same = await run(['serve', '--data', data, '--port', '18111', '--box-port', '18111']);
  assert.equal(same.code, 2);
  assert.match(same.stderr, /--port and --box-port are both 18111; give each its own port/);
  const amqp = await run(['serve', '--data', data, '--port', '0', '--box-port', '5672']);
  assert.equal(amqp.code, 2);
  assert.match(amqp.stderr, /--box-port and --amqp-port are both 5672/);

  const holderData = mkdtempSync(join(tmpdir(), 'se3kit-cli-'));
  const holder = await startCli(['serve', '--data', holderData, '--port', '0']);
  t.after(async () => {
    await holder.stop();
    rmSync(holderData, { recursive: true, force: true });
  });
  const port = new URL(holder.url).port;
  const busy = await run(['serve', '--data', data, '--port', port]);
  assert.equal(busy.code, 1);
  assert.match(busy.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; pass --port N`));
});

test('desktop: without an Electron binary or display, says why and runs site mode', { timeout: 30_000 }, async (t) => {
  const data = mkdtempSync(join(tmpdir(), 'se3kit-cli-'));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { DISPLAY: '', WAYLAND_DISPLAY: '' };
  const run = await startCli(['desktop', '--data', data, '--port', '0'], env);
  t.after(() => run.stop());
  assert.match(run.out(), /se3kit desktop: cannot open the desktop app: (the Electron binary is not installed|there is no display|Electron will not run as root)/);
  assert.match(run.out(), /Running headless site mode instead/);
  const res = await fetch(new URL('/api/session', run.url));
  assert.deepEqual(await res.json(), { authenticated: false });
  assert.ok(passwordIn(run.out()));
});
