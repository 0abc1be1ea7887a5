// Site mode over real HTTP and WebSocket on loopback: first-start password stored only as a
// hash, login/logout, cookie flags, 401 without a session, rate-limited failures, API errors,
// events over WS (with the origin check), static UI with SPA fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createApiHandlers } from '../../electron/api/dispatch';
import { startSiteServer, type SiteServer } from '../../electron/site/server';
import { ADMIN_FILE } from '../../electron/site/password';
import { recordingBoxes, sampleRow, servicesWith, type RecordingBoxes } from './boxes-double';

interface Ctx {
  site: SiteServer;
  boxes: RecordingBoxes;
  dataDir: string;
  password: string;
  base: string;
}

async function start(t: import('node:test').TestContext, dataDir?: string): Promise<Ctx> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'se3kit-site-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>UI</title>');
  writeFileSync(join(renderer, 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(join(renderer, 'assets', 'app-1.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'outside the UI');
  const boxes = recordingBoxes();
  const api = createApiHandlers(servicesWith(boxes, dir));
  const site = await startSiteServer({ api, dataDir: dir, rendererDir: renderer, host: '127.0.0.1', port: 0 });
  t.after(async () => {
    await site.close();
    if (!dataDir) rmSync(dir, { recursive: true, force: true });
  });
  return { site, boxes, dataDir: dir, password: site.createdPassword ?? '', base: site.url.replace(/\/$/, '') };
}

async function login(ctx: Ctx, password = ctx.password): Promise<{ status: number; cookie: string | null; setCookie: string | null }> {
  const res = await fetch(`${ctx.base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, setCookie, cookie: setCookie ? setCookie.split(';')[0]! : null };
}

function call(ctx: Ctx, method: string, params: unknown, cookie?: string | null, contentType = 'application/json') {
  return fetch(`${ctx.base}/api/call/${method}`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(params),
  });
}

test('first start creates a password stored only as a salted scrypt hash; restart keeps it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'se3kit-site-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await start(t, dir);
  assert.match(first.password, /^[A-Za-z2-9]{5}-[A-Za-z2-9]{5}-[A-Za-z2-9]{5}-[A-Za-z2-9]{5}$/);
  const file = join(dir, ADMIN_FILE);
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(first.password), 'clear-text password must not be stored');
  assert.ok(!text.includes(first.password.replace(/-/g, '')));
  const stored = JSON.parse(text);
  assert.equal(stored.algorithm, 'scrypt');
  assert.ok(Buffer.from(stored.salt, 'base64').length >= 16);
  assert.equal(Buffer.from(stored.hash, 'base64').length, 32);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  await first.site.close();

  const second = await start(t, dir);
  assert.equal(second.site.createdPassword, null, 'the password is only shown on first start');
  assert.equal((await login(second, first.password)).status, 200);
});

test('the API needs a session; a wrong password gets none; the cookie is HttpOnly and SameSite=Strict', async (t) => {
  const ctx = await start(t);
  const anon = await call(ctx, 'boxes.list', {});
  assert.equal(anon.status, 401);
  assert.deepEqual(await anon.json(), { error: { message: 'log in first', code: 'unauthenticated' } });
  const forged = await call(ctx, 'boxes.list', {}, 'se3kit_session=forged-token');
  assert.equal(forged.status, 401);

  const wrong = await login(ctx, 'not-the-password');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.setCookie, null);

  const ok = await login(ctx);
  assert.equal(ok.status, 200);
  assert.match(ok.setCookie!, /HttpOnly/);
  assert.match(ok.setCookie!, /SameSite=Strict/);
  assert.match(ok.setCookie!, /Path=\//);
  const sessionRes = await fetch(`${ctx.base}/api/session`, { headers: { cookie: ok.cookie! } });
  assert.deepEqual(await sessionRes.json(), { authenticated: true });

  const res = await call(ctx, 'boxes.list', {}, ok.cookie);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { result: [sampleRow()] });
  assert.equal(ctx.boxes.calls.length, 1);

  const out = await fetch(`${ctx.base}/api/logout`, { method: 'POST', headers: { cookie: ok.cookie!, 'content-type': 'application/json' } });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie')!, /Max-Age=0/);
  assert.equal((await call(ctx, 'boxes.list', {}, ok.cookie)).status, 401);
  assert.equal(ctx.boxes.calls.length, 1);
});

test('repeated wrong passwords are rate-limited, even when the right one follows', async (t) => {
  const ctx = await start(t);
  for (let i = 0; i < 5; i++) assert.equal((await login(ctx, `guess-${i}`)).status, 401);
  const blocked = await fetch(`${ctx.base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: ctx.password }),
  });
  assert.equal(blocked.status, 429);
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
  assert.match((await blocked.json()).error.message, /too many wrong passwords from this address; try again in \d+ s/);
});

test('API errors: unknown method, bad params, wrong content type, bad JSON', async (t) => {
  const ctx = await start(t);
  const { cookie } = await login(ctx);
  const unknown = await call(ctx, 'fs.readFile', {}, cookie);
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.code, 'unknown_method');
  const bad = await call(ctx, 'boxes.configure', { host: '127.0.0.2', login_url: 'ftp://x/' }, cookie);
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /login_url must start with http:\/\/ or https:\/\//);
  const form = await call(ctx, 'boxes.list', {}, cookie, 'text/plain');
  assert.equal(form.status, 415);
  const badJson = await fetch(`${ctx.base}/api/call/boxes.list`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: cookie! }, body: '{' });
  assert.equal(badJson.status, 400);
  assert.equal((await badJson.json()).error.message, 'request body is not valid JSON');
  const get = await fetch(`${ctx.base}/api/call/boxes.list`, { headers: { cookie: cookie! } });
  assert.equal(get.status, 405);
  assert.deepEqual(ctx.boxes.calls, []);
});

function openWs(ctx: Ctx, headers: Record<string, string>): Promise<{ ws: WebSocket; status?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${ctx.base.replace('http', 'ws')}/api/events`, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }));
    ws.once('error', reject);
  });
}

test('events reach logged-in WebSocket clients only, from the same origin only', async (t) => {
  const ctx = await start(t);
  const { cookie } = await login(ctx);
  const anon = await openWs(ctx, {});
  assert.equal(anon.status, 401);
  const cross = await openWs(ctx, { cookie: cookie!, origin: 'http://evil.example' });
  assert.equal(cross.status, 403);

  const { ws, status } = await openWs(ctx, { cookie: cookie!, origin: ctx.base });
  assert.equal(status, undefined);
  const got: unknown[] = [];
  const two = new Promise<void>((resolve) =>
    ws.on('message', (m) => {
      got.push(JSON.parse(String(m)));
      if (got.length === 2) resolve();
    }),
  );
  const row = sampleRow('127.0.0.3', 5601);
  ctx.boxes.emitRow(row);
  ctx.boxes.emitProgress({ scanId: 1, probed: 2, total: 2, found: 1, done: true });
  await two;
  assert.deepEqual(got, [
    { event: 'boxes.row', payload: row },
    { event: 'boxes.progress', payload: { scanId: 1, probed: 2, total: 2, found: 1, done: true } },
  ]);

  // logging out closes the session's sockets
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await fetch(`${ctx.base}/api/logout`, { method: 'POST', headers: { cookie: cookie!, 'content-type': 'application/json' } });
  assert.equal(await closed, 4401);
});

function rawGet(ctx: Ctx, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${ctx.base}${path}`, { method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves the UI with content types and SPA fallback, and nothing outside it', async (t) => {
  const ctx = await start(t);
  const index = await rawGet(ctx, '/');
  assert.equal(index.status, 200);
  assert.equal(index.type, 'text/html; charset=utf-8');
  const js = await rawGet(ctx, '/assets/app-1.js');
  assert.equal(js.type, 'text/javascript; charset=utf-8');
  assert.equal(js.body, 'console.log(1)');
  assert.equal((await rawGet(ctx, '/assets/app-1.css')).type, 'text/css; charset=utf-8');
  const route = await rawGet(ctx, '/boxes');
  assert.equal(route.status, 200);
  assert.match(route.body, /<title>UI<\/title>/);
  assert.equal((await rawGet(ctx, '/assets/missing.js')).status, 404);
  for (const p of ['/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt']) {
    const r = await rawGet(ctx, p);
    assert.notEqual(r.body, 'outside the UI', p);
  }
  const headers = (await fetch(`${ctx.base}/`)).headers;
  assert.match(headers.get('content-security-policy')!, /default-src 'self'/);
  assert.equal(headers.get('x-frame-options'), 'DENY');
});
