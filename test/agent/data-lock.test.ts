// One agent per data folder: a second `se3kit agent` on the same --data (which would overwrite
// the first one's users, events and configuration) is refused naming the process that holds it;
// the lock of an agent killed with SIGKILL does not block the next start; a clean stop removes it.
// Real CLI processes (dist/cli.mjs), loopback only, FTP off so that no port clash hides the lock.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliArgv, runCli } from '../helpers/cli';
import { spawn, type ChildProcess } from 'node:child_process';

const args = (dir: string) => ['agent', '--data', dir, '--host', '127.0.0.1', '--port', '0', '--no-mdns', '--ftp-port', '0', '--mac', '02:00:00:00:00:5e'];

async function startAgentCli(dir: string): Promise<{ proc: ChildProcess; exited: Promise<number | null>; out: () => string }> {
  const [cmd, argv] = cliArgv(args(dir));
  const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (!/^listening \S+:\d+$/m.test(out)) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`the agent did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, exited, out: () => out };
}

describe('se3kit agent: one agent per data folder', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'se3-agent-lock-'));
  const running: ChildProcess[] = [];
  after(() => {
    for (const p of running) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second agent on the same --data, takes over the lock of a killed one, and removes it on a clean stop', async () => {
    const first = await startAgentCli(dir);
    running.push(first.proc);
    const second = await runCli(args(dir), { timeoutMs: 30_000 });
    assert.notEqual(second.code, 0, second.stdout + second.stderr);
    assert.match(second.stderr, new RegExp(`another agent already runs on the data folder .* \\(process ${first.proc.pid}, since .*\\); stop it first \\(kill ${first.proc.pid}\\) or give another --data`));
    assert.doesNotMatch(second.stdout, /listening/);
    assert.equal(first.proc.exitCode, null, 'the first agent still runs');

    first.proc.kill('SIGKILL');
    await first.exited;
    assert.equal(existsSync(join(dir, 'agent.lock')), true, 'a kill -9 leaves the lock file behind');
    const third = await startAgentCli(dir);
    running.push(third.proc);
    third.proc.kill('SIGTERM');
    assert.equal(await third.exited, 0, third.out());
    assert.equal(existsSync(join(dir, 'agent.lock')), false, 'a clean stop releases the folder');
  });

  it('a lock from before a reboot does not block the start, though its pid now names a live process', async () => {
    // the pid of this test runner (alive), but another boot's id: after a power loss the box's pids repeat
    writeFileSync(join(dir, 'agent.lock'), `${JSON.stringify({ pid: process.pid, startedAt: '2026-01-01T00:00:00.000Z', boot: 'another-boot' })}\n`);
    const a = await startAgentCli(dir);
    running.push(a.proc);
    assert.equal(JSON.parse(readFileSync(join(dir, 'agent.lock'), 'utf8')).pid, a.proc.pid);
    a.proc.kill('SIGTERM');
    assert.equal(await a.exited, 0, a.out());
  });
});
