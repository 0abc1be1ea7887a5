// Commissioning through the API (services + dispatcher as the app runs them): three agents on
// 127.0.0.2–4 found by a scan are commissioned in one call and all three log in with their
// broker channel up, with progress events per box; an unreachable box and a box holding a code
// already bound to another box's MAC fail with plain reasons.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CommissionProgress } from '../../electron/api/platform';
import { createApiHandlers, type Api } from '../../electron/api/dispatch';
import { createServices, type Services } from '../../electron/api/services';
import { cliArgv } from '../helpers/cli';
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

describe('commission boxes from a scan (API)', () => {
  let dir: string;
  let services: Services;
  let api: Api;
  const agents: Agent[] = [];
  let port: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-commission-'));
    port = await freePort();
    services = await createServices({ dataDir: join(dir, 'site'), platform: { boxPort: 0, amqpPort: await freePort() } });
    api = createApiHandlers(services);
    for (let i = 2; i <= 4; i++) agents.push(await agentOn(join(dir, `a${i}`), `127.0.0.${i}`, port, `e0:a5:09:00:01:0${i}`));
  });
  after(async () => {
    for (const a of agents) await a.stop();
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
});
