// The agent's HTTP port (5555: config API, local admin API, snapshots) against what
// hardening.test.ts and fuzz.test.ts do not send, on one real `se3kit agent` process:
// - JSON nested thousands of levels deep inside a field the agent stores (a user's info, as a
//   JSON body and as a multipart/form-data field): a 400 naming the nesting, never an internal
//   error (JSON.stringify overflowed the stack), nothing stored, and the agent keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process';

const API = '/SophonFogSys/api/';
const photo = readFileSync(join(import.meta.dirname, '../../../shared/fixtures/faces/obama.jpg'));
const deepObj = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

let dir: string;
let agent: AgentProcess;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-agent-hostile-'));
  agent = await startAgentProcess({ dataDir: dir, mdns: false });
});
after(async () => {
  await agent?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: string | FormData, type = 'application/json') {
  const r = await fetch(agent.url + path, { method, body, headers: typeof body === 'string' ? { 'content-type': type } : undefined });
  return { status: r.status, body: (await r.json()) as any };
}

function tooDeep(r: { status: number; body: any }, field: string, what: string) {
  assert.equal(r.status, 400, `${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
  assert.equal(r.body.error.code, 40091, what);
  assert.match(r.body.error.message, new RegExp(`^${field} nests arrays/objects more than 64 levels deep`), what);
}

test('JSON nested 20,000 levels deep in a stored field gets a 400, nothing is stored, the agent keeps serving', { timeout: 60_000 }, async () => {
  assert.equal((await call('POST', `${API}groups`, '{"group_name":"g"}')).status, 200);
  const user = (id: string, info: string) => `{"identity_id":"${id}","group_name":"g","reg_photo":"${photo.toString('base64')}","info":${info}}`;
  tooDeep(await call('POST', `${API}users`, user('deep1', `{"name":"n","type":1,"permission_ids":["0"],"x":${deepObj(20_000)}}`)), 'request body', 'users JSON');
  const form = new FormData();
  form.set('identity_id', 'deep2');
  form.set('group_name', 'g');
  form.set('info', `{"name":"n","type":1,"permission_ids":["0"],"x":${deepObj(20_000)}}`);
  form.set('reg_photo', new Blob([photo], { type: 'image/jpeg' }), 'obama.jpg');
  tooDeep(await call('POST', `${API}users`, form), 'info', 'users multipart info');
  tooDeep(await call('PUT', '/SophonMQ/api/DevSno', `{"dev_sno":"A1","x":${deepObj(65)}}`), 'request body', 'DevSno');
  // nothing stored; 64 levels are still taken
  assert.equal((await call('GET', `${API}users?identity_id=deep1`)).body.data?.identities?.length ?? 0, 0);
  assert.equal((await call('GET', `${API}users?identity_id=deep2`)).body.data?.identities?.length ?? 0, 0);
  const ok = await call('POST', `${API}users`, user('ok1', `{"name":"n","type":1,"permission_ids":["0"],"x":${deepObj(61)}}`));
  assert.equal(ok.status, 200, JSON.stringify(ok.body).slice(0, 300));
  assert.equal((await call('GET', '/health')).status, 200);
  assert.doesNotMatch(agent.output(), /RangeError|Maximum call stack/);
});
