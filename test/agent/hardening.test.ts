// Issue 10 against a real `se3kit agent` process: the request that ended it (GET //), DNS
// rebinding (Host), LoginUrl injection and credentials, lost concurrent writes, a damaged
// box-config.json, aborted requests and the log that grew without bound. The agent's stderr
// goes to a file, as under the supervisor fallback, with a small rotation size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../helpers/cli';
import { BoxClient } from '../../electron/services/box-client/box-client';

const NAME = 'se3-agent-hardening-test';
const LOG_MAX = 20_000;
let dir: string;
let data: string;
let logFile: string;
let child: ChildProcess;
let port: number;

const log = () => readFileSync(logFile, 'utf8');

function http(path: string, init: { method?: string; body?: string; host?: string; type?: string } = {}): Promise<{ status: number; text: string; json: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (init.host !== undefined) headers.host = init.host;
    if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json';
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function raw(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const sock = connect({ port, host: '127.0.0.1' }, () => sock.write(bytes));
    const timer = setTimeout(() => sock.destroy(), 3000);
    sock.on('data', (d) => (got += d));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
  });
}

async function stillAnswers(): Promise<void> {
  assert.equal(child.exitCode, null, `the agent exited:\n${log()}`);
  const h = await http('/health');
  assert.equal(h.status, 200);
  assert.match(h.json.version, /^\d+\.\d+\.\d+/);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-agent-harden-'));
  data = join(dir, 'data');
  logFile = join(dir, 'agent.log');
  // item 11: a damaged box-config.json (a truncated write from an older release, say)
  mkdirSync(data);
  writeFileSync(join(data, 'box-config.json'), '{"dev_sno": "TJGSDX0001", "login_u');
  const fd = openSync(logFile, 'a'); // O_APPEND, like the supervisor's `>> agent.log`
  child = spawn(process.execPath, [cliPath, 'agent', '--data', data, '--host', '127.0.0.1', '--port', '0', '--no-mdns', '--name', NAME], {
    stdio: ['ignore', 'pipe', fd],
    env: { ...process.env, SE3_AGENT_LOG_MAX_BYTES: String(LOG_MAX) },
  });
  closeSync(fd);
  let out = '';
  port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not listen:\n${out}\n${log()}`)), 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^listening \S+:(\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', () => reject(new Error(`agent exited:\n${out}\n${log()}`)));
  });
});
after(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

test('item 11: a damaged box-config.json is moved aside, the agent starts unconfigured and logs which file', async () => {
  const aside = readdirSync(data).filter((f) => f.startsWith('box-config.json.damaged-'));
  assert.equal(aside.length, 1, readdirSync(data).join(', '));
  assert.equal(readFileSync(join(data, aside[0]!), 'utf8'), '{"dev_sno": "TJGSDX0001", "login_u', 'kept as it was, for the technician');
  assert.ok(!existsSync(join(data, 'box-config.json')));
  assert.match(log(), new RegExp(`box-config\\.json was damaged .*moved it to .*${aside[0]!.replace(/[.]/g, '\\.')} and started with DevSno and LoginUrl unset`));
  assert.deepEqual((await http('/SophonMQ/api/DevSno')).json, { data: { dev_sno: '' } });
  await stillAnswers();
});

test('item 2: GET // (and other odd request targets) get a 4xx; the agent keeps answering', async () => {
  const r = await raw('GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.match(r, /^HTTP\/1\.1 404 /);
  await stillAnswers();
  for (const target of ['*', 'http://evil.example/health', '/%zz', '//SophonMQ/api/DevSno']) {
    const t = await raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.match(t, /^HTTP\/1\.1 4\d\d /, target);
  }
  await stillAnswers();
});

test("item 9: Host must be an IP literal or the box's own names; a rebound name cannot PUT a LoginUrl", async () => {
  const evil = await http('/SophonMQ/api/LoginUrl', { method: 'PUT', host: 'rebind.evil.example', body: JSON.stringify({ login_url: 'http://evil.example/login' }) });
  assert.equal(evil.status, 403);
  assert.equal(evil.json.error.code, 40000);
  assert.match(evil.json.error.message, /Host "rebind\.evil\.example" is not this box; address it by IP or as .*\.local/);
  assert.equal((await http('/SophonMQ/api/LoginUrl', { host: 'rebind.evil.example' })).status, 403, 'reads are refused too');
  assert.deepEqual((await http('/SophonMQ/api/LoginUrl')).json, { data: { login_url: '' } }, 'nothing was stored');
  for (const host of [`${hostname()}.evil.example`, 'localhost.evil.example', `${NAME}.example`, '127.0.0.1.nip.io']) {
    assert.equal((await http('/health', { host })).status, 403, host);
  }
  for (const host of [`127.0.0.1:${port}`, '127.0.0.1', '10.1.2.3:5555', `[::1]:${port}`, '[fe80::1]', hostname(), `${hostname()}.local`, `${hostname().toUpperCase()}.LOCAL:${port}`, NAME, `${NAME}.local`, 'localhost']) {
    assert.equal((await http('/health', { host })).status, 200, host);
  }
  await stillAnswers();
});

test('item 10: LoginUrl with control characters or credentials is refused; the stored URL is the normalised one', async () => {
  for (const [value, message] of [
    ['http://host/\r\nX-Injected: 1', /control characters/],
    ['http://host/\tx', /control characters/],
    ['http://user:pw@host/', /must not contain a user name or password/],
    ['http://user@host/', /must not contain a user name or password/],
    ['http://host/a b', /contains spaces/],
  ] as const) {
    const r = await http('/SophonMQ/api/LoginUrl', { method: 'PUT', body: JSON.stringify({ login_url: value }) });
    assert.equal(r.status, 400, value);
    assert.equal(r.json.error.code, 40091);
    assert.match(r.json.error.message, message);
  }
  assert.deepEqual((await http('/SophonMQ/api/LoginUrl')).json, { data: { login_url: '' } });
  const put = await http('/SophonMQ/api/LoginUrl', { method: 'PUT', body: JSON.stringify({ login_url: 'HTTP://Platform.EXAMPLE:80/login' }) });
  assert.equal(put.text, '{"data":{"response":"http://platform.example/login"}}');
  assert.equal((await http('/SophonMQ/api/LoginUrl')).text, '{"data":{"login_url":"http://platform.example/login"}}');
  assert.equal(JSON.parse(readFileSync(join(data, 'box-config.json'), 'utf8')).login_url, 'http://platform.example/login');
});

test('item 8: concurrent PUT DevSno and PUT LoginUrl never lose one of the two writes (50 rounds), in memory and on disk', async () => {
  for (let i = 0; i < 50; i++) {
    const sno = `ROUND${String(i).padStart(3, '0')}`;
    const url = `http://platform.example/login/${i}`;
    const [a, b] = await Promise.all([
      http('/SophonMQ/api/DevSno', { method: 'PUT', body: JSON.stringify({ dev_sno: sno }) }),
      http('/SophonMQ/api/LoginUrl', { method: 'PUT', body: JSON.stringify({ login_url: url }) }),
    ]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    const h = (await http('/health')).json;
    assert.deepEqual([h.dev_sno, h.login_url], [sno, url], `round ${i} in memory`);
    const disk = JSON.parse(readFileSync(join(data, 'box-config.json'), 'utf8'));
    assert.deepEqual([disk.dev_sno, disk.login_url], [sno, url], `round ${i} on disk`);
  }
});

test('item 11: an aborted upload costs no stack trace; the running agent rotates its log past the limit', async () => {
  // a PUT that promises 60 KB and resets the connection after 10 bytes
  await new Promise<void>((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' }, () => {
      sock.write('PUT /SophonMQ/api/DevSno HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"dev_sno":');
      setTimeout(() => {
        sock.resetAndDestroy();
        resolve();
      }, 100);
    });
    sock.on('error', () => undefined);
  });
  await new Promise((r) => setTimeout(r, 200));
  await stillAnswers();
  assert.doesNotMatch(log(), /\n\s+at /, 'no stack trace in the log');

  // 600 malformed requests, one log line each: far past the 20 kB limit
  for (let i = 0; i < 30; i++) await Promise.all(Array.from({ length: 20 }, () => raw('NOT-HTTP\r\n\r\n')));
  await stillAnswers();
  assert.ok(existsSync(`${logFile}.1`), 'rotated to agent.log.1');
  assert.ok(statSync(logFile).size <= LOG_MAX + 1000, `agent.log is ${statSync(logFile).size} bytes`);
  assert.ok(statSync(`${logFile}.1`).size >= LOG_MAX);
  assert.match(readFileSync(`${logFile}.1`, 'utf8'), /refused a malformed request from 127\.0\.0\.1 \(HPE_INVALID_METHOD\)/);
  assert.match(log(), /log rotated: the previous lines are in .*agent\.log\.1|refused a malformed request/);
});

test("item 10: the desktop's box client validates and normalises exactly as the agent does", async () => {
  const client = new BoxClient({ timeoutMs: 5000 });
  const ok = await client.configure({ host: '127.0.0.1', port, login_url: 'HTTPS://Platform.Example:443/box-login' });
  assert.equal(ok.ok, true, ok.error);
  assert.equal(ok.login_url, 'https://platform.example/box-login', 'read back equals what was sent: the normalised URL');
  for (const bad of ['http://admin:secret@platform.example/', 'http://platform.example/\r\nX-Injected: 1']) {
    const refused = await client.configure({ host: '127.0.0.1', port, login_url: bad });
    assert.equal(refused.ok, false);
    assert.match(refused.error!, /nothing was sent to the box/);
  }
  assert.equal((await http('/SophonMQ/api/LoginUrl')).json.data.login_url, 'https://platform.example/box-login');
});
