// Fuzz: 10,000 malformed requests against a real `se3kit agent` process (raw sockets, 24 at a
// time), the local admin API's paths (/SophonFogSys/api/…) among them, then 2,000 well-formed
// JSON requests with wrongly typed, missing and odd fields to every admin API resource and
// method. The agent must stay up, answer none of them with a 5xx or an internal error (each
// admin API refusal a §8 envelope), and answer valid requests correctly afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process';
import { fuzz, summary } from '../helpers/http-fuzz';
import { mulberry32 } from '../helpers/random';

const ADMIN = ['permissions', 'groups', 'GroupUsers', 'users', 'GateControllerMode', 'EventAction', 'EventServerUrl', 'HistoryEventUrl', 'MonitorServerUrl', 'WipeData'];
const ADMIN_PATHS = [
  ...ADMIN.map((r) => `/SophonFogSys/api/${r}`),
  '/SophonFogSys/api/users?group_name=%&skip_num=-1&limit=abc',
  '/SophonFogSys/api/users?identity_id=&skip_num=99999999999999999999',
  '/SophonFogSys/api/permissions?permission_name=__proto__',
  '/SophonFogSys/api/groups?group_name=constructor&limit=1e3',
  '/SophonFogSys/api/__proto__',
  '/SophonFogSys/api/',
];

let dir: string;
let agent: AgentProcess;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-agent-fuzz-'));
  agent = await startAgentProcess({ dataDir: dir, mdns: false });
});
after(async () => {
  await agent?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('10,000 malformed requests: the agent stays up, never answers 5xx, and still serves valid requests', { timeout: 120_000 }, async (t) => {
  const devSno = 'FUZZ0001';
  const put = await fetch(`${agent.url}/SophonMQ/api/DevSno`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dev_sno: devSno }) });
  assert.equal(put.status, 200);

  const out = await fuzz({
    port: agent.port,
    target: {
      host: `127.0.0.1:${agent.port}`,
      paths: ['/SophonMQ/api/DevSno', '/SophonMQ/api/LoginUrl', '/health', '/', '/SophonMQ/api/', ...ADMIN_PATHS],
      extraHeaders: [`Host: ${hostname()}.local`, 'Host: [::1]:5555'],
    },
    count: 10_000,
  });
  const s = summary(out);
  t.diagnostic(s);
  assert.equal(agent.child.exitCode, null, `the agent exited during the fuzz:\n${agent.output().slice(-3000)}`);
  assert.deepEqual(out.leaks, [], 'no internal error text in any answer');
  for (const [status, n] of out.statuses) {
    assert.ok(!/^5/.test(status), `${n} answers with ${status} (${s})`);
    assert.notEqual(status, 'timeout', `${n} requests got no answer and no close within 5 s (${s})`);
  }
  assert.ok((out.statuses.get('400') ?? 0) > 1000, s);
  assert.doesNotMatch(agent.output(), /\n\s+at /, 'no stack trace in the log');

  // Still answering, and nothing the fuzz sent changed the values.
  const h = await fetch(`${agent.url}/health`);
  assert.equal(h.status, 200);
  assert.equal((await h.json()).dev_sno, devSno);
  const got = await fetch(`${agent.url}/SophonMQ/api/DevSno`);
  assert.equal(await got.text(), `{"data":{"dev_sno":"${devSno}"}}`);
  const url = 'http://platform.example:8080/login';
  const putUrl = await fetch(`${agent.url}/SophonMQ/api/LoginUrl`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_url: url }) });
  assert.equal(await putUrl.text(), `{"data":{"response":"${url}"}}`);
});

/** A JSON value of a random shape: what a confused integrator (or an attacker) might send in a field. */
function oddValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * 14);
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor(r() * 2 ** 40) - 2 ** 39;
    case 3: return r() * 1e308 * (r() < 0.5 ? -1 : 1);
    case 4: return '';
    case 5: return 'x'.repeat(Math.floor(r() * 300));
    case 6: return ['true', 'false', '0', '-1', 'http://127.0.0.1:1/x', 'ftp://x', '192.0.2.1', 'a,b', '\u0000', '__proto__', 'default_group', '0'][Math.floor(r() * 12)];
    case 7: return 'data:image/jpeg;base64,' + 'QUJD'.repeat(Math.floor(r() * 50));
    case 8: return depth > 2 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => oddValue(r, depth + 1));
    case 9: return depth > 2 ? {} : Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [pickKey(r), oddValue(r, depth + 1)]));
    case 10: return { name: oddValue(r, 3), type: oddValue(r, 3), permission_ids: oddValue(r, 3) };
    case 11: return [{ action_ip: oddValue(r, 3), action_port: oddValue(r, 3), action_mode: oddValue(r, 3) }];
    case 12: return Number.MAX_SAFE_INTEGER + 2;
    default: return '\ud800';
  }
}
const KEYS = ['permission_name', 'permission_id', 'description', 'info', 'user_recursive_delete', 'group_name', 'identity_id', 'with_identity_id', 'reg_photo', 'ignore_exist',
  'create_no_exit_permission', 'fiqa_level', 'register_type', 'skip_num', 'limit', 'controller_mode', 'action', 'event_server_url', 'real_need_reg_pic', 'content-type',
  'history_upload_event_url', 'history_need_reg_pic', 'reported_peroid', 'monitor_server_url', '__proto__', 'constructor'];
function pickKey(r: () => number): string {
  return KEYS[Math.floor(r() * KEYS.length)]!;
}

test('2,000 odd JSON requests to every admin API resource and method: §8 errors, never a 5xx, and the API still works', { timeout: 180_000 }, async () => {
  const r = mulberry32(0x5eed_7a11);
  const statuses = new Map<number, number>();
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  const jobs = Array.from({ length: 2000 }, () => {
    const resource = ADMIN[Math.floor(r() * (ADMIN.length - 1))]!; // WipeData apart: it is checked once below
    const method = methods[Math.floor(r() * methods.length)]!;
    const body = Object.fromEntries(Array.from({ length: Math.floor(r() * 6) }, () => [pickKey(r), oddValue(r)]));
    const text = r() < 0.1 ? JSON.stringify(oddValue(r)) : JSON.stringify(body);
    return { resource, method, text, query: r() < 0.3 ? `?${new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString()}` : '' };
  });
  for (let i = 0; i < jobs.length; i += 16) {
    await Promise.all(
      jobs.slice(i, i + 16).map(async (j) => {
        const init: RequestInit = { method: j.method };
        if (j.method !== 'GET') Object.assign(init, { body: j.text, headers: { 'content-type': 'application/json' } });
        const res = await fetch(`${agent.url}/SophonFogSys/api/${j.resource}${j.query}`, { ...init, signal: AbortSignal.timeout(15_000) });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${j.method} ${j.resource} ${j.text.slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`);
        if (res.status >= 400) assert.match(JSON.parse(text).error.status, /^[A-Z_]+$/, text);
      }),
    );
  }
  assert.equal(agent.child.exitCode, null, `the agent exited:\n${agent.output().slice(-3000)}`);
  assert.ok((statuses.get(400) ?? 0) > 500, JSON.stringify([...statuses]));
  assert.doesNotMatch(agent.output(), /\n\s+at /, 'no stack trace in the log');
  const wipe = await fetch(`${agent.url}/SophonFogSys/api/WipeData`, { method: 'POST' });
  assert.equal(wipe.status, 200);
  const perms = (await (await fetch(`${agent.url}/SophonFogSys/api/permissions?permission_name=default`)).json()) as any;
  assert.equal(perms.data.permissions_list[0].permission_id, '0');
  const groups = (await (await fetch(`${agent.url}/SophonFogSys/api/groups`)).json()) as any;
  assert.deepEqual(groups.data.groups_list.map((g: any) => g.group_name), ['default_group']);
});
