// The agent when its data disk fills up (its data folder on a 3 MiB tmpfs in a private mount
// namespace, when this runs as root; skipped otherwise): users with photos are added through
// the local admin API until the disk is full. Each answer is a 200 or a 507 saying the disk is
// full (never a bare internal error), every user acknowledged is there, and the agent keeps
// answering (GET /health, reads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../helpers/cli';

const API = '/SophonFogSys/api/';

test('disk full: 507 saying so, every acknowledged user kept, the agent keeps answering', { timeout: 120_000 }, async (t) => {
  if (process.getuid?.() !== 0 || spawnSync('unshare', ['-m', 'true']).status !== 0) return void t.skip('needs root and unshare for a private tmpfs');
  const dir = mkdtempSync(join(tmpdir(), 'se3-agent-full-'));
  const agentArgs = [process.execPath, cliPath, 'agent', '--data', dir, '--host', '127.0.0.1', '--port', '0', '--no-mdns', '--ftp-port', '0'];
  const child = spawn('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=3m se3-test "$0" && exec "$@"', dir, ...agentArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the agent did not listen within 30 s:\n${out}`)), 30_000);
      child.stdout!.on('data', () => {
        const m = /^listening \S+:(\d+)$/m.exec(out);
        if (m) resolve((clearTimeout(timer), Number(m[1])));
      });
      child.once('exit', () => reject((clearTimeout(timer), new Error(`the agent exited:\n${out}`))));
    });
    const call = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? undefined : { 'content-type': 'application/json' } });
      return { status: r.status, body: (await r.json()) as any };
    };
    assert.equal((await call('POST', `${API}groups`, { group_name: 'g' })).status, 200);
    const photo = readFileSync(join(import.meta.dirname, '../../../shared/fixtures/faces/obama-1080p.jpg')).toString('base64');
    const acked: string[] = [];
    let full = 0;
    for (let i = 0; i < 60 && full < 3; i++) {
      const r = await call('POST', `${API}users`, { identity_id: `u${i}`, group_name: 'g', reg_photo: photo, info: { name: `n${i}`, type: 1, permission_ids: ['0'] } });
      if (r.status === 200) acked.push(`u${i}`);
      else {
        assert.equal(r.status, 507, JSON.stringify(r.body));
        assert.match(r.body.error.message, /the box's disk is full: this request was not taken; free some space and send it again/);
        full++;
      }
    }
    t.diagnostic(`${acked.length} users taken, then ${full} refused`);
    assert.ok(acked.length > 0 && full === 3, `${acked.length} taken, ${full} refused:\n${out.slice(-2000)}`);
    assert.equal((await call('GET', '/health')).status, 200);
    for (const id of acked) assert.equal((await call('GET', `${API}users?identity_id=${id}`)).body.data?.identity_id, id, id);
    assert.equal(child.exitCode, null, 'the agent is still running');
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
});
