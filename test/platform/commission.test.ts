// Commissioning through the API (services + dispatcher as the app runs them): three agents on
// 127.0.0.2–4 found by a scan are commissioned in one call and all three log in with their
// broker channel up, with progress events per box; an unreachable box and a box holding a code
// already bound to another box's MAC fail with plain reasons. `se3kit platform commission`
// against the same server prints each box's state changes as they happen (a box that never
// logs in keeps the command running while the others' lines arrive). Commissioning one box
// several times at once (three calls, a host listed twice) issues one code.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommissionProgress } from '../../electron/api/platform';
import { createApiHandlers, type Api } from '../../electron/api/dispatch';
import { createServices, type Services } from '../../electron/api/services';
import { startAdminEndpoint } from '../../electron/platform/admin-http';
import { cliArgv, runCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { until } from './harness';

interface Agent {
  host: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function agentOn(dataDir: string, host: string, port: number, mac: string): Promise<Agent> {
  const [cmd, argv] = cliArgv(['agent', '--data', dataDir, '--host', host, '--port', String(port), '--no-mdns', '--mac', mac]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await until(`agent on ${host}:${port}`, () => /^listening /m.test(out) || (child.exitCode !== null && Promise.reject(new Error(out))), 20_000);
  return {
    host,
    port,
    child,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** A box that takes DevSno and LoginUrl on its configuration API but never logs in (e.g. its way out is blocked). */
async function quietBox(host: string, port: number): Promise<Server> {
  const cfg: Record<string, string> = { dev_sno: '', login_url: '' };
  const server = createServer((req, res) => {
    const field = req.url === '/SophonMQ/api/DevSno' ? 'dev_sno' : req.url === '/SophonMQ/api/LoginUrl' ? 'login_url' : null;
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (!field) return void res.writeHead(404).end('{}');
      if (req.method === 'PUT') cfg[field] = (JSON.parse(body) as Record<string, string>)[field]!;
      res.end(JSON.stringify({ data: { [field]: cfg[field] } }));
    });
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  return server;
}

describe('commission boxes from a scan (API)', () => {
  let dir: string;
  let services: Services;
  let api: Api;
  const agents: Agent[] = [];
  let port: number;
  let admin: { close(): Promise<void> };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-commission-'));
    port = await freePort();
    services = await createServices({ dataDir: join(dir, 'site'), platform: { boxPort: 0, amqpPort: await freePort() } });
    api = createApiHandlers(services);
    admin = await startAdminEndpoint({ api, dataDir: join(dir, 'site') });
    for (let i = 2; i <= 4; i++) agents.push(await agentOn(join(dir, `a${i}`), `127.0.0.${i}`, port, `e0:a5:09:00:01:0${i}`));
  });
  after(async () => {
    for (const a of agents) await a.stop();
    await admin?.close();
    api?.dispose();
    await services?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds three boxes and commissions them in one action', async () => {
    const found = new Map<string, string>();
    const off = services.boxes.onRow((r) => found.set(r.id, r.ip));
    await api.call('boxes.scan', { cidrs: ['127.0.0.0/29'], port, mdns: false });
    await until('three boxes found', () => found.size >= 3, 30_000);
    off();
    const hosts = [...found.values()].sort().map((ip) => `${ip}:${port}`);
    assert.deepEqual(hosts, [2, 3, 4].map((i) => `127.0.0.${i}:${port}`));

    const events: CommissionProgress[] = [];
    const unsub = api.events.subscribe((e, p) => e === 'platform.commission' && events.push(p as CommissionProgress));
    const results = (await api.call('platform.commission', { hosts, timeoutS: 60 })) as CommissionProgress[];
    unsub();
    assert.deepEqual(
      results.map((r) => [r.host, r.ok, r.step, r.message]),
      hosts.map((h) => [h, true, 'done', 'logged in, broker channel up']),
    );
    for (const r of results) {
      assert.match(r.devSno!, /^[A-Z0-9]{24}$/);
      // the LoginUrl is this machine's address towards the box (on loopback the kernel picks 127.0.0.1), on the box port
      assert.equal(r.loginUrl, `http://127.0.0.1:${services.platform!.boxPort}/login`);
      const steps = events.filter((e) => e.host === r.host).map((e) => e.step);
      assert.deepEqual([...new Set(steps)], ['contacting', 'configuring', 'logging-in', 'broker', 'done']);
    }
    const devices = await services.platform!.listDevices();
    assert.deepEqual(devices.map((d) => d.mac).sort(), ['e0:a5:09:00:01:02', 'e0:a5:09:00:01:03', 'e0:a5:09:00:01:04']);
    // commissioning again keeps each box's code (nothing new is issued)
    const again = (await api.call('platform.commission', { hosts: [hosts[0]!] })) as CommissionProgress[];
    assert.equal(again[0]!.ok, true);
    assert.equal(again[0]!.devSno, results[0]!.devSno);
    assert.equal((await services.platform!.listDevices()).length, 3);
  });

  it('says why a box does not get there: unreachable, or refused because its code is bound to another MAC', async () => {
    const closed = await freePort();
    const [gone] = (await api.call('platform.commission', { hosts: [`127.0.0.9:${closed}`], timeoutS: 10 })) as CommissionProgress[];
    assert.equal(gone!.ok, false);
    assert.match(gone!.message, /^unreachable: /);
    // a fourth box that was given box 2's code by hand
    const taken = (await services.platform!.listDevices()).find((d) => d.mac === 'e0:a5:09:00:01:02')!;
    const d5 = await agentOn(join(dir, 'a5'), '127.0.0.5', port, 'e0:a5:09:00:01:05');
    agents.push(d5);
    await fetch(`http://127.0.0.5:${port}/SophonMQ/api/DevSno`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dev_sno: taken.devSno }) });
    const [refused] = (await api.call('platform.commission', { hosts: [`127.0.0.5:${port}`], timeoutS: 30 })) as CommissionProgress[];
    assert.equal(refused!.ok, false);
    assert.match(refused!.message, /^refused: this authorisation code is bound to another box \(MAC e0:a5:09:00:01:02\); release it on the platform first$/);
  });

  it('`se3kit platform commission` shows each box\'s state changes live, one line each', async () => {
    const quiet = await quietBox('127.0.0.8', port);
    try {
      const good = `127.0.0.3:${port}`;
      const silent = `127.0.0.8:${port}`;
      const [cmd, argv] = cliArgv(['platform', 'commission', '--data', join(dir, 'site'), '--json', '--timeout', '15', good, silent]);
      const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      const lines: Array<Record<string, unknown>> = [];
      let buf = '';
      let runningWhenGoodDone: boolean | null = null;
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const l = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
          buf = buf.slice(i + 1);
          lines.push(l);
          // the good box's final line arrives while the quiet box still holds the command open
          if (l.host === good && l.type === 'result') runningWhenGoodDone = child.exitCode === null && !lines.some((x) => x.host === silent && x.type === 'result');
        }
      });
      assert.equal(await exited, 1, err);
      const of = (h: string) => lines.filter((l) => l.host === h).map((l) => [l.type, l.step, l.ok]);
      assert.deepEqual(of(good), [
        ['progress', 'contacting', false],
        ['progress', 'configuring', false],
        ['progress', 'logging-in', false],
        ['progress', 'broker', false],
        ['result', 'done', true],
      ]);
      assert.deepEqual(of(silent), [
        ['progress', 'contacting', false],
        ['progress', 'configuring', false],
        ['progress', 'logging-in', false],
        ['result', 'logging-in', false],
      ]);
      assert.equal(runningWhenGoodDone, true, 'progress is printed as it happens, not at the end');
      assert.match(String(lines.at(-1)!.message), /^the box did not log in within 15 s: check that it reaches http:\/\/127\.0\.0\.1:\d+\/login/);
    } finally {
      await new Promise((r) => quiet.close(r));
    }
    // the text form: one line per state change, the plain reason when a box does not get there
    const closed = await freePort();
    const text = await runCli(['platform', 'commission', '--data', join(dir, 'site'), `127.0.0.3:${port}`, `127.0.0.9:${closed}`]);
    assert.equal(text.code, 1, text.stderr);
    const out = text.stdout.trim().split('\n');
    assert.deepEqual(
      out.filter((l) => l.startsWith('127.0.0.3')).map((l) => l.replace(/LoginUrl \S+|\(dev_sno \w+\)|DevSno \w+/g, 'X')),
      [`127.0.0.3:${port}: configuring — X, X`, `127.0.0.3:${port}: waiting for login`, `127.0.0.3:${port}: logged in, waiting for its broker channel`, `127.0.0.3:${port}: OK — broker channel up X`],
    );
    const gone = out.filter((l) => l.startsWith('127.0.0.9'));
    assert.equal(gone.length, 1, out.join('\n'));
    assert.match(gone[0]!, new RegExp(`^127\\.0\\.0\\.9:${closed}: FAILED — unreachable: .*refused the connection`));
  });

  it('commissioning one box several times at once issues one code (a double click, two technicians, a host listed twice)', async () => {
    const quiet = await quietBox('127.0.0.7', port);
    try {
      const host = `127.0.0.7:${port}`;
      const before = new Set((await services.platform!.listDevices()).map((d) => d.devSno));
      // all start before any has set the box's code (with the old code each issued its own)
      const runs = await Promise.all([
        api.call('platform.commission', { hosts: [host], timeoutS: 5 }),
        api.call('platform.commission', { hosts: [host], timeoutS: 5 }),
        api.call('platform.commission', { hosts: [host, host], timeoutS: 5 }),
      ]);
      const results = (runs as CommissionProgress[][]).flat();
      const issued = (await services.platform!.listDevices()).filter((d) => !before.has(d.devSno));
      assert.equal(issued.length, 1, `one code issued for the box, not ${issued.length}`);
      assert.deepEqual(new Set(results.map((r) => r.devSno)), new Set([issued[0]!.devSno]), 'every commissioning set that code');
      const held = (await (await fetch(`http://${host}/SophonMQ/api/DevSno`)).json()) as { data: { dev_sno: string } };
      assert.equal(held.data.dev_sno, issued[0]!.devSno);
      // the quiet box never logs in: each says so
      for (const r of results) assert.match(r.message, /^the box did not log in within 5 s/);
    } finally {
      await new Promise((r) => quiet.close(r));
    }
  });
});
