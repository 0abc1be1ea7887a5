// Batch configuration, offline marks, stopped scans and the `configure` CLI's plain errors,
// against real boxes on loopback (vendor-firmware imitations and an `se3kit agent`; no mDNS,
// no network namespaces needed): rows are resolved before anything is sent, two rows for one
// box are a conflict naming both lines, a MAC matching two boxes is ambiguous, a box that
// stops answering is marked offline by the next scan.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchRowOutcome, BoxRow, ScanProgress } from '../../electron/api/boxes';
import { BoxClient, configureCsv } from '../../electron/services/box-client';
import { Discovery } from '../../electron/services/discovery';
import { runCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process';

const fixture = new URL('./fixtures/vendor-firmware.mjs', import.meta.url).pathname;
let dir = '';
const children: ChildProcess[] = [];

async function vendorBox(host: string, port: number, devSno: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture, host, String(port), devSno], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await once(child.stdout!, 'data');
  return child;
}

async function devSnoOf(host: string, port: number): Promise<string> {
  const r = await fetch(`http://${host}:${port}/SophonMQ/api/DevSno`);
  const d = ((await r.json()) as { data: Record<string, string> }).data;
  return d.dev_sno ?? d.response ?? '';
}

let port = 0;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-batch-loop-'));
  port = await freePort();
  await vendorBox('127.0.0.1', port, 'ORIGINAL_1');
  await vendorBox('127.0.0.2', port, 'ORIGINAL_2');
  await vendorBox('127.0.0.3', port, 'ORIGINAL_3');
});
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('two rows reaching one box (IP, host name, MAC) are refused together, naming both lines; the others go on', { timeout: 30_000 }, async () => {
  const client = new BoxClient({ timeoutMs: 2000, resolveMac: (mac) => (mac === '02:fc:00:00:00:01' ? [{ ip: '127.0.0.1', port }] : []), neighbours: async () => new Map() });
  const csv = [
    'host,dev_sno,login_url',
    `127.0.0.1:${port},FIRST,`,
    `127.0.0.2:${port},SECOND,`,
    `02:FC:00:00:00:01,THIRD,`,
    `localhost:${port},FOURTH,`,
  ].join('\n');
  const report = await configureCsv(client, csv);
  const byLine = new Map(report.rows.map((r) => [r.line, r]));
  assert.deepEqual(report.rows.map((r) => [r.line, r.ok]), [[2, false], [3, true], [4, false], [5, false]]);
  for (const line of [2, 4, 5]) {
    const e = byLine.get(line)!.error!;
    assert.match(e, new RegExp(`^conflict: line 2 \\(127\\.0\\.0\\.1:${port}\\), line 4 \\(02:FC:00:00:00:01\\) and line 5 \\(localhost:${port}\\) all reach the box 127\\.0\\.0\\.1:${port}`), e);
    assert.match(e, /keep one row per box; nothing was sent/);
  }
  assert.equal(await devSnoOf('127.0.0.1', port), 'ORIGINAL_1', 'nothing was sent to the contested box');
  assert.equal(await devSnoOf('127.0.0.2', port), 'SECOND');
  assert.equal(report.ok, 1);
  assert.equal(report.failed, 3);
});

test('a MAC that matches two boxes is reported as ambiguous, never picked', { timeout: 30_000 }, async () => {
  const both = [{ ip: '127.0.0.2', port }, { ip: '127.0.0.3', port }];
  const client = new BoxClient({ timeoutMs: 2000, resolveMac: () => both });
  const one = await client.configure({ host: '02:fc:00:00:00:09', dev_sno: 'PICKED' });
  assert.equal(one.ok, false);
  assert.equal(one.unresolved, true);
  assert.match(one.error!, new RegExp(`MAC 02:fc:00:00:00:09 is ambiguous: 2 boxes answer with it \\(127\\.0\\.0\\.2:${port}, 127\\.0\\.0\\.3:${port}\\) — name the box by its IP address`));
  // the same through the OS neighbour table (no discovery list)
  const table = new BoxClient({ timeoutMs: 2000, neighbours: async () => new Map([['127.0.0.2', '02:fc:00:00:00:09'], ['127.0.0.3', '02:fc:00:00:00:09']]) });
  const report = await configureCsv(table, '02:fc:00:00:00:09,PICKED,\n');
  assert.match(report.rows[0]!.error!, /is ambiguous: 2 boxes/);
  assert.equal(await devSnoOf('127.0.0.3', port), 'ORIGINAL_3');
});

test('a box that stops answering is marked offline by the next finished scan; a stopped scan says so and marks nothing', { timeout: 60_000 }, async () => {
  const p = await freePort();
  const box = await vendorBox('127.0.0.1', p, 'GOES_AWAY');
  const d = new Discovery({ mdnsWindowMs: 0 });
  const progress: ScanProgress[] = [];
  const rows: BoxRow[] = [];
  d.on('progress', (x) => progress.push(x));
  d.on('row', (r) => rows.push(r));
  try {
    const found = await d.scan({ cidrs: ['127.0.0.1/32'], port: p, mdns: false }).done;
    assert.deepEqual(found.map((r) => [r.id, r.offline, r.login]), [[`127.0.0.1:${p}`, false, null]], 'vendor firmware: no /health, login null');
    box.kill('SIGKILL');
    await once(box, 'exit');
    // stopped at once: no offline mark, and the last progress says it was stopped
    const stopped = d.scan({ cidrs: ['127.0.0.0/16'], port: p, mdns: false });
    d.stop();
    await stopped.done;
    const last = progress.filter((x) => x.scanId === stopped.scanId).at(-1)!;
    assert.equal(last.done, true);
    assert.equal(last.stopped, true);
    assert.ok(last.probed < last.total, `stopped early (${last.probed}/${last.total})`);
    assert.equal(d.get('127.0.0.1', p)!.offline, false);
    // a finished scan over the box's address: offline, announced as a row event
    const again = d.scan({ cidrs: ['127.0.0.1/32'], port: p, mdns: false });
    assert.deepEqual(await again.done, []);
    assert.equal(progress.filter((x) => x.scanId === again.scanId).at(-1)!.stopped, undefined);
    assert.equal(d.get('127.0.0.1', p)!.offline, true);
    assert.equal(rows.at(-1)!.offline, true);
    // it comes back: a re-check finds it online again
    await vendorBox('127.0.0.1', p, 'BACK');
    await d.recheck();
    assert.deepEqual([d.get('127.0.0.1', p)!.offline, d.get('127.0.0.1', p)!.dev_sno], [false, 'BACK']);
  } finally {
    await d.close();
  }
});

test('an agent reports its login state from /health; the row carries it', { timeout: 60_000 }, async () => {
  const p = await freePort();
  const data = mkdtempSync(join(dir, 'agent-'));
  const agent: AgentProcess = await startAgentProcess({ dataDir: data, host: '127.0.0.1', port: p, mdns: false });
  const d = new Discovery({ mdnsWindowMs: 0 });
  try {
    const [row] = await d.scan({ cidrs: ['127.0.0.1/32'], port: p, mdns: false }).done;
    assert.equal(row!.kind, 'se3-agent');
    assert.deepEqual(row!.login, { state: 'not-configured' });
    await fetch(`http://127.0.0.1:${p}/SophonMQ/api/DevSno`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dev_sno: 'LOOP_1' }) });
    await fetch(`http://127.0.0.1:${p}/SophonMQ/api/LoginUrl`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_url: 'http://127.0.0.1:1/login' }) });
    await d.recheck([row!.id]);
    assert.notEqual(d.get('127.0.0.1', p)!.login?.state, 'not-configured');
    assert.equal(d.get('127.0.0.1', p)!.dev_sno, 'LOOP_1');
  } finally {
    await d.close();
    await agent.kill('SIGKILL');
  }
});

test('configure CLI: names are never glued to a port, semicolons are told to use commas, --json errors are JSON lines', { timeout: 60_000 }, async () => {
  // an unknown MAC: no lookup traffic leaves loopback (--cidr 127.0.0.1/32)
  const mac = await runCli(['configure', '02:fc:00:00:00:01', '--dev-sno', 'A1', '--cidr', '127.0.0.1/32', '--timeout', '0.5']);
  assert.equal(mac.code, 1, mac.stdout + mac.stderr);
  assert.match(mac.stdout, /^02:fc:00:00:00:01  FAILED: no box with MAC 02:fc:00:00:00:01 has been found/);
  assert.doesNotMatch(mac.stdout, /:5555/);

  const csv = join(dir, 'odd.csv');
  writeFileSync(csv, `127.0.0.2:${port}:${port},A1,\nhost;dev_sno;login_url,,\n`);
  const odd = await runCli(['configure', '--csv', csv]);
  assert.equal(odd.code, 1);
  assert.match(odd.stdout, new RegExp(`^line 1  127\\.0\\.0\\.2:${port}:${port}  FAILED: .*is not a box address`, 'm'));
  assert.doesNotMatch(odd.stdout, new RegExp(`:${port}:${port}:`));
  assert.match(odd.stdout, /^line 2  host;dev_sno;login_url  FAILED/m);

  const semi = join(dir, 'semi.csv');
  writeFileSync(semi, `host;dev_sno;login_url\n127.0.0.2:${port};SEMI;http://p/login\n`);
  const s = await runCli(['configure', '--csv', semi, '--json']);
  assert.equal(s.code, 1);
  const [row] = s.stdout.trim().split('\n').map((l) => JSON.parse(l) as BatchRowOutcome);
  assert.equal(row!.line, 2);
  assert.match(row!.error!, /uses semicolons; separate the values with commas/);
  assert.equal(await devSnoOf('127.0.0.2', port), 'SECOND', 'nothing sent');

  for (const args of [['127.0.0.2', '--dev-sno', 'bad value'], ['127.0.0.2', '--port', 'x', '--dev-sno', 'A'], ['not a host!', '--dev-sno', 'A']]) {
    const r = await runCli(['configure', ...args, '--json']);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr, '', `nothing but JSON: ${r.stderr}`);
    const j = JSON.parse(r.stdout.trim()) as { ok: boolean; usage: boolean; error: string };
    assert.deepEqual([j.ok, j.usage], [false, true]);
    assert.ok(j.error.length > 5, j.error);
  }
});
