// Fuzz: 10,000 malformed requests against a real `se3kit serve` process (raw sockets, 24 at a
// time), with and without a session cookie. The server must stay up, answer none of them with
// a 5xx or internal error text, and serve the UI, logins and API calls correctly afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, passwordIn, startCli, type Running } from './cli-process';
import { fuzz, summary } from '../helpers/http-fuzz';

let data: string;
let site: Running;
let password: string;

before(async () => {
  data = mkdtempSync(join(tmpdir(), 'se3kit-site-fuzz-'));
  site = await startCli(['serve', '--data', data, '--port', '0']);
  password = passwordIn(site.out())!;
});
after(async () => {
  await site?.stop();
  rmSync(data, { recursive: true, force: true });
});

test('10,000 malformed requests: the site server stays up, never answers 5xx, and still serves', { timeout: 120_000 }, async (t) => {
  const port = Number(new URL(site.url).port);
  const login = await from('127.0.0.1', new URL('/api/login', site.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  assert.equal(login.status, 200);
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;

  const out = await fuzz({
    port,
    target: {
      host: `127.0.0.1:${port}`,
      paths: ['/', '/boxes', '/api/session', '/api/login', '/api/logout', '/api/call/boxes.nope', '/api/events', '/assets/x.js', '/index.html'],
      extraHeaders: [`Cookie: ${cookie}`, `Origin: http://127.0.0.1:${port}`],
    },
    count: 10_000,
  });
  const s = summary(out);
  t.diagnostic(s);
  assert.equal(site.child.exitCode, null, `the server exited during the fuzz:\n${site.out().slice(-3000)}`);
  assert.deepEqual(out.leaks, [], 'no internal error text in any answer');
  for (const [status, n] of out.statuses) {
    assert.ok(!/^5/.test(status), `${n} answers with ${status} (${s})`);
    assert.notEqual(status, 'timeout', `${n} requests got no answer and no close within 5 s (${s})`);
  }

  // The UI, a fresh login (from another source address) and an API call still work.
  const index = await from('127.0.0.2', site.url);
  assert.equal(index.status, 200);
  assert.match(index.body, /<!doctype html>/i);
  const again = await from('127.0.0.2', new URL('/api/login', site.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  assert.equal(again.status, 200, again.body);
  const fresh = String(again.headers['set-cookie']).split(';')[0]!;
  const call = await from('127.0.0.2', new URL('/api/call/nope.nope', site.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: fresh },
    body: '{}',
  });
  assert.equal(call.status, 404);
  assert.equal(JSON.parse(call.body).error.code, 'unknown_method');
  const session = await from('127.0.0.2', new URL('/api/session', site.url).href, { headers: { cookie: fresh } });
  assert.deepEqual(JSON.parse(session.body), { authenticated: true });
});
