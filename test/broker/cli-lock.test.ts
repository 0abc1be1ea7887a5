// One `se3kit broker` per data directory: a second one on the same --data (which would append to
// the same message store) is refused naming the process that holds it; the lock of a broker
// killed with SIGKILL is taken over; a clean stop removes it. Real CLI processes (dist/cli.mjs).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliPath, runCli } from '../helpers/cli';
import { connect, tempDir } from './helpers';

interface Running {
  proc: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  out: () => string;
}

async function startBrokerCli(dir: string): Promise<Running> {
  const proc = spawn(process.execPath, [cliPath, 'broker', '--data', dir, '--port', '0', '--host', '127.0.0.1', '--no-warm-up'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  while (!/listening on amqp:\/\/127\.0\.0\.1:(\d+)/.test(out)) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`the broker did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, exited, out: () => out, port: Number(/listening on amqp:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]) };
}

describe('se3kit broker: one broker per data directory', { timeout: 120_000 }, () => {
  const dir = tempDir('cli-lock');
  const running: ChildProcess[] = [];
  after(() => {
    for (const p of running) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second broker on the same --data, takes over the lock of a killed one, and removes it on a clean stop', async () => {
    const first = await startBrokerCli(dir);
    running.push(first.proc);
    const second = await runCli(['broker', '--data', dir, '--port', '0', '--host', '127.0.0.1', '--no-warm-up'], { timeoutMs: 30_000 });
    assert.equal(second.code, 1, second.stdout + second.stderr);
    assert.match(second.stderr, new RegExp(`another broker already runs on the data directory .* \\(process ${first.proc.pid}, since .*\\); stop it first \\(kill ${first.proc.pid}\\) or give another --data`));
    assert.doesNotMatch(second.stdout, /listening/);
    // the first one still serves
    const c = await connect(first.port, { user: 'guest', pass: 'guest' });
    await c.close();

    first.proc.kill('SIGKILL');
    await first.exited;
    const third = await startBrokerCli(dir);
    running.push(third.proc);
    const c3 = await connect(third.port, { user: 'guest', pass: 'guest' });
    await c3.close();
    third.proc.kill('SIGTERM');
    assert.equal(await third.exited, 0, third.out());
    assert.equal(existsSync(join(dir, 'broker.lock')), false, 'a clean stop releases the directory');
  });
});
