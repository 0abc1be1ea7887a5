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
import { createBrokerControl } from '../../electron/broker/control';
import { freePort } from '../helpers/ports';

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

// `se3kit serve` / the desktop app run their broker on <data>/broker through the broker control:
// it takes the same broker.lock, so it and `se3kit broker` on that directory never both run.
describe('the app broker and se3kit broker share the broker.lock', { timeout: 120_000 }, () => {
  const data = tempDir('cli-lock-app');
  const running: ChildProcess[] = [];
  after(() => {
    for (const p of running) p.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  });

  it('refuses the app broker while se3kit broker runs on <data>/broker, and se3kit broker while the app broker runs', async () => {
    const control = createBrokerControl({ dataDir: data, warmUp: false });
    try {
      await control.resumed;
      await control.addUser('site', 'correct horse');
      const cli = await startBrokerCli(join(data, 'broker'));
      running.push(cli.proc);
      await assert.rejects(control.start({ port: await freePort(), host: '127.0.0.1' }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'data_folder_in_use');
        assert.match(err.message, new RegExp(`another broker already runs on the data directory .*broker \\(process ${cli.proc.pid}, since .*, started by se3kit broker\\); stop it first \\(kill ${cli.proc.pid}\\)`));
        return true;
      });
      cli.proc.kill('SIGTERM');
      assert.equal(await cli.exited, 0, cli.out());

      const status = await control.start({ port: await freePort(), host: '127.0.0.1' });
      assert.equal(status.state, 'running');
      const second = await runCli(['broker', '--data', join(data, 'broker'), '--port', '0', '--host', '127.0.0.1', '--no-warm-up'], { timeoutMs: 30_000 });
      assert.equal(second.code, 1, second.stdout + second.stderr);
      assert.match(second.stderr, new RegExp(`another broker already runs on the data directory .* \\(process ${process.pid}, since .*, started by Field Kit \\(se3kit serve or the desktop app\\)\\); stop it first`));
      await control.stop();
      assert.equal(existsSync(join(data, 'broker', 'broker.lock')), false, 'stopping the app broker releases the directory');
    } finally {
      await control.close();
    }
  });
});
