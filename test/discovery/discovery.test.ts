// Discovery against a real private LAN (network namespaces on a test bridge): three agents
// found by mDNS and by probe, vendor firmware by probe only, nothing else listed. Both the
// service (in process, for its events) and `se3kit discover` (a real CLI process).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Discovery } from '../../electron/services/discovery';
import type { BoxRow, ScanProgress } from '../../electron/api/boxes';
import { requireComponent } from '../helpers/components';
import { runCli } from '../helpers/cli';
import { createTestNet } from '../helpers/netns';
import { startAgentProcess } from '../helpers/agent-process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boxRequest, startLan, VENDOR_DEV_SNO, type Lan } from './lan';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;
let lan: Lan | null = null;

before(async () => {
  if (!requireComponent(undefined, 'network namespaces', { bin: 'ip', root: true })) return;
  lan = await startLan();
  // Give the agents distinct values so every row can be told apart.
  for (const [i, a] of lan.agents.entries()) {
    assert.equal((await boxRequest(a.host.ip, '/SophonMQ/api/DevSno', { dev_sno: `LANBOX${i + 1}` })).status, 200);
  }
  await boxRequest(lan.agents[0]!.host.ip, '/SophonMQ/api/LoginUrl', { login_url: 'http://platform.test:8080/login' });
});
after(async () => {
  await lan?.close();
});

function skipWithoutLan(t: import('node:test').TestContext): Lan | null {
  if (!requireComponent(t, 'network namespaces', { bin: 'ip', root: true })) return null;
  assert.ok(lan, 'test LAN was created');
  return lan;
}

function expectedIds(l: Lan): string[] {
  return [...l.agents.map((a) => `${a.host.ip}:5555`), `${l.vendor.ip}:5555`].sort();
}

test('a scan finds the agents by mDNS and probe, vendor firmware by probe only, and nothing else', { timeout: 60_000 }, async (t) => {
  const l = skipWithoutLan(t);
  if (!l) return;
  const d = new Discovery();
  const events: Array<{ at: number; row: BoxRow }> = [];
  const progress: ScanProgress[] = [];
  d.on('row', (row) => events.push({ at: Date.now(), row }));
  d.on('progress', (p) => progress.push(p));
  try {
    const scan = d.scan({ cidrs: [l.net.cidr] });
    const rows = await scan.done;
    const doneAt = Date.now();
    assert.deepEqual(rows.map((r) => r.id).sort(), expectedIds(l), JSON.stringify(rows, null, 1));
    assert.deepEqual(d.list().map((r) => r.id).sort(), expectedIds(l));

    for (const [i, a] of l.agents.entries()) {
      const row = rows.find((r) => r.ip === a.host.ip)!;
      assert.deepEqual(row.sources, ['mdns', 'probe'], `${row.id} found by both`);
      assert.equal(row.kind, 'se3-agent');
      assert.equal(row.agentVersion, VERSION);
      assert.equal(row.mac, a.host.mac, 'MAC of the veth inside the namespace');
      assert.equal(row.dev_sno, `LANBOX${i + 1}`);
      assert.equal(row.login_url, i === 0 ? 'http://platform.test:8080/login' : null);
      assert.equal(typeof row.hostname, 'string');
      assert.ok(row.lastSeen > doneAt - 30_000 && row.lastSeen <= doneAt);
    }
    const vendor = rows.find((r) => r.ip === l.vendor.ip)!;
    assert.deepEqual(vendor.sources, ['probe']);
    assert.equal(vendor.kind, 'vendor');
    assert.equal(vendor.agentVersion, null);
    assert.equal(vendor.dev_sno, VENDOR_DEV_SNO, 'the `response` spelling of GET DevSno is understood');
    assert.equal(vendor.login_url, null);
    assert.equal(vendor.mac, l.vendor.mac, 'MAC from the neighbour table');

    // Rows appear as they are found, before the scan is over; progress counts up to the end.
    assert.ok(events.length >= 4);
    assert.ok(events[0]!.at < doneAt);
    const last = progress.at(-1)!;
    assert.deepEqual(last, { scanId: scan.scanId, probed: 254, total: 254, found: 4, done: true });
    assert.ok(progress.filter((p) => !p.done).length >= 2, 'progress while sweeping');
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.probed >= progress[i - 1]!.probed);
  } finally {
    await d.close();
  }
});

test('mDNS alone lists only the agents; the probe alone lists the agents and the vendor box', { timeout: 60_000 }, async (t) => {
  const l = skipWithoutLan(t);
  if (!l) return;
  const mdnsOnly = new Discovery();
  try {
    // The sweep covers only this host's own address, so whatever is found came over mDNS.
    const rows = await mdnsOnly.scan({ cidrs: [`${l.net.hostIp}/32`] }).done;
    assert.deepEqual(rows.map((r) => r.id).sort(), l.agents.map((a) => `${a.host.ip}:5555`).sort());
    for (const r of rows) assert.deepEqual(r.sources, ['mdns']);
    for (const r of rows) assert.equal(r.mac, l.agents.find((a) => a.host.ip === r.ip)!.host.mac, 'MAC from the TXT record');
  } finally {
    await mdnsOnly.close();
  }
  const probeOnly = new Discovery();
  try {
    const rows = await probeOnly.scan({ cidrs: [l.net.cidr], mdns: false }).done;
    assert.deepEqual(rows.map((r) => r.id).sort(), expectedIds(l));
    for (const r of rows) assert.deepEqual(r.sources, ['probe']);
  } finally {
    await probeOnly.close();
  }
});

test('a DevSno change is re-announced over mDNS and the live list follows', { timeout: 60_000 }, async (t) => {
  const l = skipWithoutLan(t);
  if (!l) return;
  const d = new Discovery();
  try {
    await d.scan({ cidrs: [`${l.net.hostIp}/32`] }).done; // mDNS only; the browser keeps listening
    const target = l.agents[1]!;
    const updated = new Promise<BoxRow>((resolve) => {
      d.on('row', (r) => {
        if (r.ip === target.host.ip && r.dev_sno === 'RENAMED2') resolve(r);
      });
    });
    await boxRequest(target.host.ip, '/SophonMQ/api/DevSno', { dev_sno: 'RENAMED2' });
    const row = await Promise.race([updated, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no re-announcement within 10 s')), 10_000))]);
    assert.ok(row.sources.includes('mdns'));
    assert.equal(d.get(target.host.ip)!.dev_sno, 'RENAMED2');
  } finally {
    await boxRequest(l.agents[1]!.host.ip, '/SophonMQ/api/DevSno', { dev_sno: 'LANBOX2' });
    await d.close();
  }
});

test('an agent answers only on the address it was told to bind', { timeout: 30_000 }, async (t) => {
  const l = skipWithoutLan(t);
  if (!l) return;
  const a = l.agents[0]!;
  const probe = `fetch('http://127.0.0.1:5555/health').then(() => console.log('answered'), () => console.log('refused'))`;
  const child = l.net.spawnIn(a.host.ns, process.execPath, ['-e', probe]);
  let out = '';
  child.stdout!.on('data', (x) => (out += x));
  await new Promise((r) => child.once('exit', r));
  assert.equal(out.trim(), 'refused');
  assert.equal((await boxRequest(a.host.ip, '/health')).json.mac, a.host.mac, '/health reports the veth MAC');
});

test('se3kit discover --json: one object per box and line, exit 0', { timeout: 60_000 }, async (t) => {
  const l = skipWithoutLan(t);
  if (!l) return;
  const r = await runCli(['discover', '--cidr', l.net.cidr, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as BoxRow);
  assert.deepEqual(rows.map((x) => x.id), expectedIds(l).sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
  assert.deepEqual(rows.find((x) => x.ip === l.vendor.ip)!.sources, ['probe']);
  for (const a of l.agents) assert.deepEqual(rows.find((x) => x.ip === a.host.ip)!.sources, ['mdns', 'probe']);
});

test('se3kit discover: a table; --no-mdns probes only; a bad range is a usage error', { timeout: 60_000 }, async (t) => {
  const l = skipWithoutLan(t);
  if (!l) return;
  const r = await runCli(['discover', '--cidr', l.net.cidr, '--no-mdns', '--timeout', '0.5']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^IP\s+PORT\s+MAC\s+HOSTNAME\s+DEV_SNO\s+LOGIN_URL\s+AGENT\s+FOUND BY\s+LOGIN\s+LAST SEEN/);
  assert.equal(lines.length, 5, r.stdout);
  assert.match(r.stdout, new RegExp(`${l.vendor.ip.replace(/\./g, '\\.')}\\s+5555\\s+${l.vendor.mac}.*vendor firmware\\s+probe\\s+no /health`));
  // the first agent has a LoginUrl (platform.test, which does not resolve here): its login really runs and fails
  for (const a of l.agents) assert.match(r.stdout, new RegExp(`${a.host.ip.replace(/\./g, '\\.')}\\s+5555\\s+${a.host.mac}.*se3-agent ${VERSION.replace(/\./g, '\\.')}\\s+probe\\s+(not-configured|pending|failed)\\s`));
  assert.match(r.stderr, /probing 254 addresses in .* on port 5555; no mDNS/);
  assert.match(r.stderr, /4 boxes found/);

  const bad = await runCli(['discover', '--cidr', '10.0.0.0/8']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /too large to sweep/);
  const badPort = await runCli(['discover', '--cidr', l.net.cidr, '--port', 'x']);
  assert.equal(badPort.code, 2);
});

test('the boxes service (what the API serves): scan events, configure by MAC, the list follows', { timeout: 60_000 }, async (t) => {
  const l = skipWithoutLan(t);
  if (!l) return;
  const { createBoxesService } = await import('../../electron/services/box-client');
  const boxes = createBoxesService({ client: { timeoutMs: 1000 } });
  const rows: BoxRow[] = [];
  const progress: ScanProgress[] = [];
  const offRow = boxes.onRow((r) => rows.push(r));
  const offProgress = boxes.onProgress((p) => progress.push(p));
  try {
    const { scanId } = await boxes.scan({ cidrs: [l.net.cidr], timeoutMs: 600 });
    while (!progress.some((p) => p.scanId === scanId && p.done)) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual([...new Set(rows.map((r) => r.id))].sort(), expectedIds(l));
    const target = l.agents[2]!;
    const outcome = await boxes.configure({ host: target.host.mac, dev_sno: 'SERVICE_3' });
    assert.deepEqual(outcome, { host: target.host.ip, port: 5555, target: target.host.mac, ok: true, dev_sno: 'SERVICE_3', login_url: null });
    assert.equal((await boxes.list()).find((r) => r.ip === target.host.ip)!.dev_sno, 'SERVICE_3');
    assert.deepEqual(await boxes.getConfig(target.host.ip), { host: target.host.ip, port: 5555, dev_sno: 'SERVICE_3', login_url: null });
    const report = await boxes.configureCsv(`${target.host.ip},LANBOX3,\n${l.nobody},X,\n`);
    assert.deepEqual(report.rows.map((r) => [r.line, r.ok]), [[1, true], [2, false]]);
    assert.equal(report.ok, 1);
    assert.equal(report.failed, 1);
    assert.match(report.rows[1]!.error!, /^no answer from .*250:5555.* — is the box powered and on this network/);
    // the list shows what the batch set, without a new scan
    assert.equal((await boxes.list()).find((r) => r.ip === target.host.ip)!.dev_sno, 'LANBOX3');
    assert.equal(rows.filter((r) => r.ip === target.host.ip).at(-1)!.dev_sno, 'LANBOX3', 'announced as a row event');
  } finally {
    offRow();
    offProgress();
    await boxes.close();
  }
});

test('boxes on another network segment are not listed, although their mDNS traffic reaches this host', { timeout: 60_000 }, async (t) => {
  const l = skipWithoutLan(t);
  if (!l) return;
  const other = await createTestNet({ hosts: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'se3-other-agent-'));
  const d = new Discovery();
  try {
    const h = other.hosts[0]!;
    const agent = await startAgentProcess({ dataDir: dir, host: h.ip, port: 5555, netns: h.ns, name: 'other-segment' });
    try {
      // Someone browses the other segment at the same time: this host joins the mDNS group
      // there too, and the other box's answers arrive on every mDNS socket of this host.
      const watcher = new Discovery();
      const [seenThere, rows] = await Promise.all([watcher.scan({ cidrs: [`${other.hostIp}/32`] }).done, d.scan({ cidrs: [l.net.cidr] }).done]);
      await watcher.close();
      assert.deepEqual(seenThere.map((r) => r.ip), [h.ip]);
      assert.deepEqual(rows.map((r) => r.id).sort(), expectedIds(l));
    } finally {
      await agent.kill('SIGKILL');
    }
  } finally {
    await d.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
