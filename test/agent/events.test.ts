// The agent in process (startAgent, as the agent bundle and tests use it): a stored PUT emits
// exactly one 'change' event (what the platform login will re-login on), a rejected one none;
// a streamed (chunked) body over 64 KiB is refused as it arrives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../agent/main';

let dir = '';
let agent: RunningAgent;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-agent-events-'));
  agent = await startAgent({ dataDir: dir, host: '127.0.0.1', port: 0, mdns: false });
});
after(async () => {
  await agent?.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (path: string, body: string) =>
  fetch(`http://127.0.0.1:${agent.port}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });

test('a stored PUT emits one change event with the new values; a rejected PUT emits none', async () => {
  const seen: Array<[string, string | null, string | null]> = [];
  const onChange = (v: { dev_sno: string | null; login_url: string | null }, field: string) => seen.push([field, v.dev_sno, v.login_url]);
  agent.store.on('change', onChange);
  try {
    assert.equal((await put('/SophonMQ/api/DevSno', '{"dev_sno":"EVT1"}')).status, 200);
    assert.equal((await put('/SophonMQ/api/DevSno', '{"dev_sno":"bad one"}')).status, 400);
    assert.equal((await put('/SophonMQ/api/LoginUrl', '{"login_url":"http://127.0.0.1:9/login"}')).status, 200);
    assert.equal((await put('/SophonMQ/api/LoginUrl', '{"login_url":"mailto:x@y"}')).status, 400);
    assert.deepEqual(seen, [
      ['dev_sno', 'EVT1', null],
      ['login_url', 'EVT1', 'http://127.0.0.1:9/login'],
    ]);
    const health = (await (await fetch(`http://127.0.0.1:${agent.port}/health`)).json()) as { login: { state: string } };
    // the login starts at once (port 9 on loopback: nothing listens, so it fails, with a reason)
    assert.ok(['pending', 'failed'].includes(health.login.state), health.login.state);
  } finally {
    agent.store.off('change', onChange);
  }
});

test('a chunked body over 64 KiB (no content-length) gets 41300 and changes nothing', async () => {
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: agent.port, path: '/SophonMQ/api/DevSno', method: 'PUT', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
    req.on('response', (r) => {
      let body = '';
      r.on('data', (d) => (body += d));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.write('{"dev_sno":"BIG","pad":"');
    for (let i = 0; i < 20; i++) req.write('x'.repeat(4096));
    req.end('"}');
  });
  assert.equal(res.status, 413);
  assert.equal(JSON.parse(res.body).error.code, 41300);
  const got = (await (await fetch(`http://127.0.0.1:${agent.port}/SophonMQ/api/DevSno`)).json()) as { data: { dev_sno: string } };
  assert.equal(got.data.dev_sno, 'EVT1');
});
