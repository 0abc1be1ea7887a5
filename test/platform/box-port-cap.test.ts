// The box port's per-address connection cap is a setting (PlatformOptions.boxConnectionsPerAddress,
// `se3kit serve --box-connections-per-address N`): boxes behind one NAT address share it. With
// `serve` at 3, an address holding 3 connections gets a 503 saying why on the fourth while another
// address is served; bad values are refused with a sentence (the CLI exits 2, the platform answers
// `bad_option` before it opens anything).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPlatformService } from '../../electron/platform/service';
import { runCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { exchange } from '../helpers/raw-exchange';
import { startCli, type Running } from '../site/cli-process';
import { refused, until } from './harness';

describe('platform: the box port connection cap per address is configurable', () => {
  let dir: string;
  let serve: Running;
  let boxPort: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-box-cap-'));
    boxPort = await freePort();
    serve = await startCli(['serve', '--data', dir, '--port', '0', '--box-port', String(boxPort), '--amqp-port', String(await freePort()), '--box-connections-per-address', '3']);
    await until('serve up', () => /boxes log in at/.test(serve.out()), 60_000);
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve --box-connections-per-address 3: the fourth connection of one address gets a 503 saying why; another address is served', async () => {
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const s = connect(boxPort, '127.0.0.1');
        s.on('error', () => undefined);
        s.resume();
        idle.push(s);
      }
      await Promise.all(idle.map((s) => new Promise((r) => (s.readyState === 'open' ? r(null) : s.once('connect', r)))));
      // a login with an unknown code: a served request gets the platform's 4xx answer, never a 503
      const login = 'GET /login?dev_sno=nosuchcode&hex_mac=0xe0a50900c0de HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
      const fourth = await exchange(boxPort, '127.0.0.1', login);
      assert.match(fourth, /^HTTP\/1\.1 503 /, fourth.slice(0, 200));
      const e = JSON.parse(fourth.slice(fourth.indexOf('\r\n\r\n') + 4)).error;
      assert.equal(e.code, 50072);
      assert.match(e.message, /too many connections from 127\.0\.0\.1 \(3 at once\); close some and send again/);
      const other = await exchange(boxPort, '127.0.0.2', login);
      assert.match(other, /^HTTP\/1\.1 4\d\d /, `another address is served: ${other.slice(0, 200)}`);
      // one connection freed: 127.0.0.1 is served again
      idle.pop()!.destroy();
      await until('a slot free again', async () => /^HTTP\/1\.1 4\d\d /.test(await exchange(boxPort, '127.0.0.1', login)), 10_000);
    } finally {
      for (const s of idle) s.destroy();
    }
  });

  it('the CLI refuses a cap that is not a whole number from 1 to 65535, saying so', async () => {
    for (const [value, why] of [
      ['0', /at least 1/],
      ['70000', /at most 65535/],
      ['2.5', /whole number/],
      ['many', /whole number/],
    ] as const) {
      const r = await runCli(['serve', '--data', dir, '--port', '0', '--box-connections-per-address', value]);
      assert.equal(r.code, 2, `${value}: ${r.stderr}`);
      assert.match(r.stderr, /--box-connections-per-address/);
      assert.match(r.stderr, why);
    }
  });

  it('the platform refuses a bad cap with bad_option before it opens anything', async () => {
    const other = mkdtempSync(join(tmpdir(), 'se3-box-cap-bad-'));
    try {
      const start = (v: unknown) =>
        createPlatformService({ dataDir: other, boxPort: 0, boxConnectionsPerAddress: v as number, checkPhoto: () => Promise.reject(new Error('not used')) });
      await refused(start(0), 'bad_option', 400, /connections per address must be at least 1 \(got 0\); boxes behind one NAT address share it, so give 1–65535 \(default 256\)/);
      await refused(start(-3), 'bad_option', 400, /at least 1/);
      await refused(start(1.5), 'bad_option', 400, /whole number/);
      await refused(start('3'), 'bad_option', 400, /whole number \(got "3"\)/);
      await refused(start(65_536), 'bad_option', 400, /at most 65535/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
