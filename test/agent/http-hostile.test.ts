// The agent's HTTP port (5555: config API, local admin API, snapshots) against what
// hardening.test.ts and fuzz.test.ts do not send, on one real `se3kit agent` process:
// - JSON nested thousands of levels deep inside a field the agent stores (a user's info, as a
//   JSON body and as a multipart/form-data field): a 400 naming the nesting, never an internal
//   error (JSON.stringify overflowed the stack), nothing stored, and the agent keeps serving;
// - connections that send nothing are closed (Node's headersTimeout starts only at the first
//   byte), and one address holds at most 128 connections: the next gets a 503 saying so while
//   another address (127.0.0.2) is served; a keep-alive client trickling its next request head is
//   cut off about 10 s after its first byte (Node checks its timeouts every second, not every 30 s).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process';
import { exchange } from '../helpers/raw-exchange';

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
  for (const id of ['deep1', 'deep2']) assert.equal((await call('GET', `${API}users?identity_id=${id}`)).status, 404, `${id} was not stored`);
  const ok = await call('POST', `${API}users`, user('ok1', `{"name":"n","type":1,"permission_ids":["0"],"x":${deepObj(61)}}`));
  assert.equal(ok.status, 200, JSON.stringify(ok.body).slice(0, 300));
  assert.equal((await call('GET', `${API}users?identity_id=ok1`)).body.data?.identity_id, 'ok1');
  assert.equal((await call('GET', '/health')).status, 200);
  assert.doesNotMatch(agent.output(), /RangeError|Maximum call stack/);
});


test('connections that send nothing are closed; one address holds at most 128 at once, the next gets a 503; others are served', { timeout: 60_000 }, async () => {
  // meanwhile, from another address: a keep-alive client that trickles its second request's head
  // and never ends it is cut off about headersTimeout (10 s) after that head's first byte, not up
  // to 30 s later (the first request's timer no longer applies to it)
  const trickle = connect({ port: agent.port, host: '127.0.0.1', localAddress: '127.0.0.3' });
  trickle.on('error', () => undefined);
  await new Promise((r) => trickle.once('connect', r));
  const first = new Promise<void>((r) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d;
      if (/\r\n\r\n[\s\S]*\}$/.test(got)) {
        trickle.off('data', onData);
        r();
      }
    };
    trickle.on('data', onData);
  });
  trickle.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await first;
  trickle.resume();
  const trickleStart = Date.now();
  const head = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(400);
  let sent = 0;
  const drip = setInterval(() => sent < head.length && !trickle.destroyed && trickle.write(head[sent++]!), 250);
  const trickleClosed = new Promise<number>((r) => trickle.once('close', () => r(Date.now() - trickleStart)));
  const idle: Socket[] = [];
  let closed = 0;
  for (let i = 0; i < 128; i++) {
    const s = connect(agent.port, '127.0.0.1');
    s.on('error', () => undefined);
    s.on('close', () => closed++);
    s.resume(); // read what the server says (a refusal), so its close is seen
    idle.push(s);
  }
  await Promise.all(idle.map((s) => new Promise((r) => (s.readyState === 'open' ? r(null) : s.once('connect', r)))));
  const health = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
  const refused = await exchange(agent.port, '127.0.0.1', health);
  assert.match(refused, /^HTTP\/1\.1 503 /, refused.slice(0, 200));
  const e = JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4)).error;
  assert.equal(e.code, 50072);
  assert.match(e.message, /too many connections from 127\.0\.0\.1 \(128 at once\)/);
  assert.match(await exchange(agent.port, '127.0.0.2', health), /^HTTP\/1\.1 200 /, 'another address is served');
  const end = Date.now() + 30_000;
  while (closed < 128 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  assert.equal(closed, 128, `the agent closed the connections that sent nothing; open: ${idle.filter((s) => !s.destroyed).map((s) => `${s.localPort} ${s.readyState} ${s.bytesRead}`).join(', ')}`);
  const trickleMs = await trickleClosed;
  clearInterval(drip);
  assert.ok(trickleMs < 14_000, `a trickled request head held its connection ${trickleMs} ms (headersTimeout is 10 s)`);
  assert.equal((await call('GET', '/health')).status, 200);
});
