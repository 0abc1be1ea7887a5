// Fuzz: 10,000 malformed requests against a real `se3kit agent` process (raw sockets, 24 at a
// time). The agent must stay up, answer none of them with a 5xx or an internal error, and
// answer valid requests correctly afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process';
import { fuzz, summary } from '../helpers/http-fuzz';

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
      paths: ['/SophonMQ/api/DevSno', '/SophonMQ/api/LoginUrl', '/health', '/', '/SophonMQ/api/'],
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
