// The agent's box configuration API (PROTOCOL §1, §8) against a real `se3kit agent` process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process';

const DEV_SNO = 'TJGSDX000120190726103455';
let dir: string;
let agent: AgentProcess;

async function req(path: string, init: { method?: string; body?: string; type?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (init.type !== null && init.body !== undefined) headers['content-type'] = init.type ?? 'application/json';
  const r = await fetch(agent.url + path, { method: init.method ?? 'GET', body: init.body, headers });
  const text = await r.text();
  return { status: r.status, text, json: text ? JSON.parse(text) : null };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-agent-test-'));
  agent = await startAgentProcess({ dataDir: dir, mdns: false });
});
after(async () => {
  await agent?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('a fresh box reads empty values and a not-configured health', async () => {
  assert.deepEqual((await req('/SophonMQ/api/DevSno')).json, { data: { dev_sno: '' } });
  assert.deepEqual((await req('/SophonMQ/api/LoginUrl')).json, { data: { login_url: '' } });
  const h = (await req('/health')).json;
  assert.equal(h.dev_sno, null);
  assert.equal(h.login_url, null);
  assert.equal(h.login.state, 'not-configured');
  assert.match(h.version, /^\d+\.\d+\.\d+/);
  assert.equal(typeof h.uptime, 'number');
});

test('PUT then GET DevSno and LoginUrl, byte-exact bodies', async () => {
  const put = await req('/SophonMQ/api/DevSno', { method: 'PUT', body: JSON.stringify({ dev_sno: DEV_SNO }) });
  assert.equal(put.status, 200);
  assert.equal(put.text, `{"data":{"response":"${DEV_SNO}"}}`);
  assert.equal((await req('/SophonMQ/api/DevSno')).text, `{"data":{"dev_sno":"${DEV_SNO}"}}`);

  const url = 'http://127.0.0.1:9/login'; // loopback, nothing listens: the login fails with a reason
  const putUrl = await req('/SophonMQ/api/LoginUrl', { method: 'PUT', body: JSON.stringify({ login_url: url }) });
  assert.equal(putUrl.text, `{"data":{"response":"${url}"}}`);
  assert.equal((await req('/SophonMQ/api/LoginUrl')).text, `{"data":{"login_url":"${url}"}}`);
  const h = (await req('/health')).json;
  assert.equal(h.dev_sno, DEV_SNO);
  assert.equal(h.login_url, url);
  assert.ok(['pending', 'failed'].includes(h.login.state), h.login.state);
});

const bad: Array<[string, string, { body?: string; type?: string | null; method?: string }, number, number]> = [
  ['empty body', '/SophonMQ/api/DevSno', { body: '' }, 400, 40002],
  ['malformed JSON', '/SophonMQ/api/DevSno', { body: '{"dev_sno":' }, 400, 40091],
  ['wrong content type', '/SophonMQ/api/DevSno', { body: `{"dev_sno":"AB"}`, type: 'text/plain' }, 415, 41591],
  ['no content type', '/SophonMQ/api/LoginUrl', { body: `{"login_url":"http://x/login"}`, type: null }, 415, 41591],
  ['missing field', '/SophonMQ/api/DevSno', { body: '{"devsno":"AB"}' }, 400, 40091],
  ['wrongly typed field', '/SophonMQ/api/DevSno', { body: '{"dev_sno":12345}' }, 400, 40091],
  ['JSON array', '/SophonMQ/api/DevSno', { body: '["AB"]' }, 400, 40091],
  ['dev_sno with a space', '/SophonMQ/api/DevSno', { body: '{"dev_sno":"AB CD"}' }, 400, 40091],
  ['dev_sno empty', '/SophonMQ/api/DevSno', { body: '{"dev_sno":""}' }, 400, 40091],
  ['dev_sno of 65 chars', '/SophonMQ/api/DevSno', { body: JSON.stringify({ dev_sno: 'A'.repeat(65) }) }, 400, 40091],
  ['relative login_url', '/SophonMQ/api/LoginUrl', { body: '{"login_url":"/login"}' }, 400, 40091],
  ['ftp login_url', '/SophonMQ/api/LoginUrl', { body: '{"login_url":"ftp://host/login"}' }, 400, 40091],
  ['body over 64 KiB', '/SophonMQ/api/DevSno', { body: JSON.stringify({ dev_sno: 'A', pad: 'x'.repeat(70_000) }) }, 413, 41300],
  ['unknown path', '/SophonMQ/api/Nope', { method: 'GET' }, 404, 40400],
  ['wrong method', '/SophonMQ/api/DevSno', { method: 'DELETE' }, 405, 40000],
];

for (const [name, path, init, status, code] of bad) {
  test(`rejects ${name} with ${code} and changes nothing`, async () => {
    const before = [(await req('/SophonMQ/api/DevSno')).text, (await req('/SophonMQ/api/LoginUrl')).text];
    const r = await req(path, { method: init.method ?? 'PUT', body: init.body, type: init.type });
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.error.code, code, r.text);
    assert.equal(typeof r.json.error.message, 'string');
    assert.ok(r.json.error.message.length > 5);
    assert.equal(typeof r.json.error.status, 'string');
    const afterVals = [(await req('/SophonMQ/api/DevSno')).text, (await req('/SophonMQ/api/LoginUrl')).text];
    assert.deepEqual(afterVals, before);
  });
}

test('values survive kill -9 and restart; no temp files are left behind', async () => {
  const next = 'ZKZCPI000120190807142601';
  await req('/SophonMQ/api/DevSno', { method: 'PUT', body: JSON.stringify({ dev_sno: next }) });
  await agent.kill('SIGKILL');
  agent = await startAgentProcess({ dataDir: dir, mdns: false });
  assert.deepEqual((await req('/SophonMQ/api/DevSno')).json, { data: { dev_sno: next } });
  assert.deepEqual((await req('/SophonMQ/api/LoginUrl')).json, { data: { login_url: 'http://127.0.0.1:9/login' } });
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('kill -9 during a burst of PUTs leaves one of the written values, never a broken file', async () => {
  const values = Array.from({ length: 40 }, (_, i) => `BURST${String(i).padStart(3, '0')}`);
  const puts = values.map((v) => req('/SophonMQ/api/DevSno', { method: 'PUT', body: JSON.stringify({ dev_sno: v }) }).catch(() => null));
  await new Promise((r) => setTimeout(r, 15));
  await agent.kill('SIGKILL');
  await Promise.all(puts);
  agent = await startAgentProcess({ dataDir: dir, mdns: false });
  const got = (await req('/SophonMQ/api/DevSno')).json.data.dev_sno;
  assert.ok(got === 'ZKZCPI000120190807142601' || values.includes(got), `unexpected value ${got}`);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'stale temp files are removed at start');
});
