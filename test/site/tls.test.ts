// Issue 10 item 12 against real processes: `se3kit serve --tls-cert/--tls-key` serves HTTPS with a
// Secure session cookie (certificate made here with openssl); a --host other machines can reach
// needs TLS or an explicit --insecure-http; bad TLS files are usage errors that say what to do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { passwordIn, startCli, type Running } from './cli-process';

let dir: string;
let cert: string;
let key: string;
let site: Running;

function https(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, ca: readFileSync(cert) }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3kit-tls-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  site = await startCli(['serve', '--data', join(dir, 'data'), '--port', '0', '--tls-cert', cert, '--tls-key', key]);
});
after(async () => {
  await site?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('--tls-cert/--tls-key: HTTPS, and the session cookie is Secure', async () => {
  assert.match(site.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
  const password = passwordIn(site.out())!;
  const login = await https(new URL('/api/login', site.url).href, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  assert.equal(login.status, 200);
  const cookie = String(login.headers['set-cookie']);
  assert.match(cookie, /; Secure/);
  assert.match(cookie, /HttpOnly/);
  const session = await https(new URL('/api/session', site.url).href, { headers: { cookie: cookie.split(';')[0]! } });
  assert.deepEqual(JSON.parse(session.body), { authenticated: true });
  // plain HTTP on the TLS port gets no answer that carries anything
  const plain = await fetch(site.url.replace('https:', 'http:')).then((r) => r.status, () => 'refused');
  assert.notEqual(plain, 200);
  assert.equal((await https(site.url)).status, 200, 'still serving');
});

test('a --host other machines can reach needs TLS or --insecure-http; bad TLS options are usage errors', { timeout: 60_000 }, async () => {
  const data = join(dir, 'data2');
  const open = await runCli(['serve', '--data', data, '--host', '0.0.0.0', '--port', '0'], { timeoutMs: 20_000 });
  assert.equal(open.code, 2);
  assert.match(open.stderr, /--host 0\.0\.0\.0 lets other machines reach site mode, and without TLS the admin password and the session cookie cross the network in clear/);
  assert.match(open.stderr, /--tls-cert FILE --tls-key FILE/);
  assert.match(open.stderr, /--insecure-http/);

  const half = await runCli(['serve', '--data', data, '--tls-cert', cert, '--port', '0'], { timeoutMs: 20_000 });
  assert.equal(half.code, 2);
  assert.match(half.stderr, /give both --tls-cert and --tls-key/);

  const missing = await runCli(['serve', '--data', data, '--tls-cert', join(dir, 'nope.pem'), '--tls-key', key, '--port', '0'], { timeoutMs: 20_000 });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read the TLS certificate .*nope\.pem: ENOENT/);

  const junk = join(dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate\n');
  const bad = await runCli(['serve', '--data', data, '--tls-cert', junk, '--tls-key', key, '--port', '0'], { timeoutMs: 20_000 });
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /are not a matching PEM certificate and private key/);

  // --insecure-http: starts (bound to all interfaces; this test talks to it over loopback only)
  const insecure = await startCli(['serve', '--data', data, '--host', '0.0.0.0', '--port', '0', '--insecure-http']);
  try {
    assert.match(insecure.out(), /over plain HTTP \(--insecure-http\)/);
    const port = new URL(insecure.url).port;
    const res = await fetch(`http://127.0.0.1:${port}/api/session`);
    assert.deepEqual(await res.json(), { authenticated: false });
  } finally {
    await insecure.stop();
  }
});
