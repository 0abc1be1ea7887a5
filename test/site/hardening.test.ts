// Issue 10 against a real `se3kit serve` process: the requests that took it down or walked
// around its limits, each followed by proof that the server still answers. Also the data
// folder lock and `--reset-password` while the server runs (issue 14 item 1).
// Login attempts come from different loopback source addresses (127.0.0.x), because the
// limiter counts per address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { from, passwordIn, startCli, type Running } from './cli-process';

let data: string;
let site: Running;
let password: string;
let port: number;

const url = (path: string) => new URL(path, site.url).href;
const loginFrom = (source: string, pw: string) =>
  from(source, url('/api/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: pw }) });

/** Sends raw bytes and returns what came back before the server closed (or 3 s passed; a request with `Connection: close` is closed by the server). */
function raw(bytes: string | Buffer, opts: { source?: string; endAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const sock = connect({ port, host: '127.0.0.1', localAddress: opts.source }, () => (opts.endAfterWrite ? sock.end(bytes) : sock.write(bytes)));
    const timer = setTimeout(() => sock.destroy(), 3000);
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

async function stillAnswers(): Promise<void> {
  assert.equal(site.child.exitCode, null, `the server exited:\n${site.out()}`);
  const r = await from('127.0.0.1', url('/'));
  assert.equal(r.status, 200);
  assert.match(r.body, /<!doctype html>/i);
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

before(async () => {
  data = mkdtempSync(join(tmpdir(), 'se3kit-harden-'));
  // A lock left behind by a process that no longer exists (kill -9) must not block the start.
  writeFileSync(join(data, 'site.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, startedAt: '2020-01-01T00:00:00Z' }));
  site = await startCli(['serve', '--data', data, '--port', '0']);
  password = passwordIn(site.out())!;
  port = Number(new URL(site.url).port);
});
after(async () => {
  await site?.stop();
  rmSync(data, { recursive: true, force: true });
});

test('item 1: GET // with WebSocket upgrade headers (no cookie) and plain GET // get a 4xx; the server keeps answering', async () => {
  const upgrade = await raw(
    'GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  assert.match(upgrade, /^HTTP\/1\.1 4\d\d /);
  await stillAnswers();
  const plain = await raw('GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.match(plain, /^HTTP\/1\.1 [24]\d\d /, 'a path, served like any other (the UI) or refused');
  assert.doesNotMatch(plain, /Invalid URL|TypeError/);
  for (const target of ['*', 'http://evil.example/', '//api/events', '/%zz']) {
    const r = await raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.match(r, /^HTTP\/1\.1 [24]\d\d /, target);
    assert.doesNotMatch(r, /Invalid URL|TypeError/, target);
  }
  await stillAnswers();
});

test('item 4: login bodies over 4 KiB are refused before they are read; 8 parallel 41 MiB bodies do not grow the server', { timeout: 60_000 }, async () => {
  const declared = await raw(
    `POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${41 * 1024 * 1024}\r\n\r\n{"password":"`,
    { source: '127.0.0.40', endAfterWrite: false },
  );
  assert.match(declared, /^HTTP\/1\.1 413 /);
  assert.match(declared, /request body is larger than 4 KiB/);

  // an API call without a session is refused before its body is read, and the connection closed
  const anon = await raw(`POST /api/call/boxes.list HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${41 * 1024 * 1024}\r\n\r\n[[[[`, {
    source: '127.0.0.43',
  });
  assert.match(anon, /^HTTP\/1\.1 401 /);
  assert.match(anon, /\r\nConnection: close\r\n/i);

  // chunked (no Content-Length): counted while it streams
  const chunk = '{"password":"' + 'x'.repeat(8000);
  const chunked = await raw(
    `POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`,
    { source: '127.0.0.41', endAfterWrite: false },
  );
  assert.match(chunked, /^HTTP\/1\.1 413 /);

  // The attack: 8 × 41 MiB bodies at once (a nested array), streamed as fast as the server reads.
  const before = rssKiB(site.child.pid!);
  const body = Buffer.alloc(41 * 1024 * 1024, '[');
  const sends = Array.from({ length: 8 }, (_, i) =>
    new Promise<number>((resolve) => {
      const req = request(url('/api/login'), { method: 'POST', localAddress: `127.0.0.${50 + i}`, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', () => resolve(-1)); // the server may close while we still send: fine
      req.end(body);
    }),
  );
  const statuses = await Promise.all(sends);
  for (const s of statuses) assert.ok(s === 413 || s === -1, `status ${s}`);
  assert.ok(statuses.includes(413));
  const grown = rssKiB(site.child.pid!) - before;
  assert.ok(grown < 60 * 1024, `server RSS grew by ${Math.round(grown / 1024)} MiB (was 380 MiB before the fix)`);
  await stillAnswers();
  assert.equal((await loginFrom('127.0.0.42', password)).status, 200);
});

test('item 5: 40 concurrent wrong passwords: at most 5 are checked, the rest refused at once; the lockout says when it ends and how to clear it', { timeout: 60_000 }, async () => {
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => loginFrom('127.0.0.60', `wrong-${i}`)));
  const counts = new Map<number, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const checked = counts.get(401) ?? 0;
  assert.ok(checked >= 1 && checked <= 5, `wrong passwords checked: ${checked} (limit 5); ${JSON.stringify([...counts])}`);
  assert.equal(checked + (counts.get(429) ?? 0), 40, JSON.stringify([...counts]));
  // one after another, the attempts left are checked, then the address is locked out
  let statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await loginFrom('127.0.0.60', `again-${i}`)).status);
  statuses = statuses.filter((x) => x === 401);
  assert.equal(checked + statuses.length, 5, 'exactly 5 wrong passwords checked in all');
  const locked = await loginFrom('127.0.0.60', password);
  assert.equal(locked.status, 429, 'the right password during the lockout is refused too');
  assert.ok(Number(locked.headers['retry-after']) > 800);
  const message = JSON.parse(locked.body).error.message as string;
  assert.match(message, /too many wrong passwords from this address; try again in \d+ s \(at \d\d:\d\d UTC\)/);
  assert.match(message, /se3kit serve --reset-password/);
  assert.match(message, /restarts se3kit serve/);
  // other addresses are not affected, and the UI stays served
  assert.equal((await loginFrom('127.0.0.61', password)).status, 200);
  await stillAnswers();
});

test('item 5: a burst of 40 password checks from as many addresses: at most 8 logins in progress, the excess refused with 429', { timeout: 60_000 }, async () => {
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => loginFrom(`127.0.1.${i + 1}`, `guess-${i}`)));
  const busy = results.filter((r) => r.status === 429);
  const checked = results.filter((r) => r.status === 401);
  assert.equal(busy.length + checked.length, 40);
  assert.ok(checked.length <= 8, `at most 8 logins in progress (one checking, the others waiting), got ${checked.length} checked`);
  assert.ok(busy.length >= 32);
  assert.match(JSON.parse(busy[0]!.body).error.message, /busy with other logins; try again in a few seconds/);
  assert.equal(busy[0]!.headers['retry-after'], '2');
  await stillAnswers();
});

test('item 12: API POSTs from another origin are refused, /api/logout included', async () => {
  const ok = await loginFrom('127.0.0.70', password);
  const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
  const evil = 'http://evil.example';
  const formLogout = await from('127.0.0.70', url('/api/logout'), { method: 'POST', headers: { cookie, origin: evil, 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
  assert.equal(formLogout.status, 403);
  const cross = await from('127.0.0.70', url('/api/call/boxes.list'), { method: 'POST', headers: { cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, body: '{}' });
  assert.equal(cross.status, 403);
  assert.match(JSON.parse(cross.body).error.message, /cross-site request refused/);
  const nullOrigin = await from('127.0.0.70', url('/api/login'), { method: 'POST', headers: { origin: 'null', 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  assert.equal(nullOrigin.status, 403);
  const session = await from('127.0.0.70', url('/api/session'), { headers: { cookie } });
  assert.deepEqual(JSON.parse(session.body), { authenticated: true }, 'the cross-site logout did nothing');
  const own = await from('127.0.0.70', url('/api/logout'), { method: 'POST', headers: { cookie, origin: `http://127.0.0.1:${port}` } });
  assert.equal(own.status, 200);
});

test('issue 14 item 1: a second serve on the same data folder is refused; --reset-password while it runs replaces the password at once and clears lockouts', { timeout: 60_000 }, async () => {
  const lock = JSON.parse(readFileSync(join(data, 'site.lock'), 'utf8'));
  assert.equal(lock.pid, site.child.pid);
  assert.equal(lock.url, site.url);

  const second = await runCli(['serve', '--data', data, '--port', '0'], { timeoutMs: 20_000 });
  assert.equal(second.code, 1);
  assert.match(second.stderr, new RegExp(`site mode is already running with the data folder .* \\(pid ${site.child.pid}, ${site.url.replace(/[.]/g, '\\.')}\\)`));

  // a logged-in session, and 127.0.0.80 locked out
  const before = await loginFrom('127.0.0.79', password);
  const cookie = String(before.headers['set-cookie']).split(';')[0]!;
  for (let i = 0; i < 5; i++) await loginFrom('127.0.0.80', `nope-${i}`);
  assert.equal((await loginFrom('127.0.0.80', password)).status, 429);

  const reset = await runCli(['serve', '--data', data, '--reset-password'], { timeoutMs: 20_000 });
  assert.equal(reset.code, 0, reset.stderr);
  assert.match(reset.stdout, /already running with this data folder .*it takes the new password at once/);
  const fresh = passwordIn(reset.stdout);
  assert.ok(fresh && fresh !== password, reset.stdout);
  assert.equal(site.child.exitCode, null);

  // the running server noticed the new file by itself: the session ended before any login
  let session = true;
  for (let i = 0; i < 50 && session; i++) {
    session = JSON.parse((await from('127.0.0.79', url('/api/session'), { headers: { cookie } })).body).authenticated;
    if (session) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(session, false, 'sessions end when the password is replaced');
  assert.equal((await loginFrom('127.0.0.81', password)).status, 401, 'the old password stops working at once');
  assert.equal((await loginFrom('127.0.0.80', fresh)).status, 200, 'the new one works, and the lockout is gone');
  password = fresh;
  assert.match(site.err(), /the admin password was replaced/);
});

test('after all of the above the server still answers', async () => {
  await stillAnswers();
  assert.ok(existsSync(join(data, 'site.lock')));
});
