// `se3kit configure` against real boxes on a private netns LAN: one box, a CSV batch (by IP,
// IP:port and MAC, with failing rows that do not stop the others), and every kind of failure
// reported in plain words with the right exit code. The boxes' stored values are checked
// directly after each run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchRowOutcome, ConfigureOutcome } from '../../electron/api/boxes';
import { requireComponent } from '../helpers/components';
import { runCli } from '../helpers/cli';
import { boxRequest, startLan, VENDOR_DEV_SNO, type Lan } from './lan';

let lan: Lan | null = null;
let dir = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-configure-'));
  if (!requireComponent(undefined, 'network namespaces', { bin: 'ip', root: true })) return;
  lan = await startLan();
});
after(async () => {
  await lan?.close();
  rmSync(dir, { recursive: true, force: true });
});

function need(t: import('node:test').TestContext): Lan | null {
  if (!requireComponent(t, 'network namespaces', { bin: 'ip', root: true })) return null;
  assert.ok(lan, 'test LAN was created');
  return lan;
}

async function stored(ip: string): Promise<[string, string]> {
  const d = (await boxRequest(ip, '/SophonMQ/api/DevSno')).json.data;
  const u = (await boxRequest(ip, '/SophonMQ/api/LoginUrl')).json.data;
  return [d.dev_sno ?? d.response, u.login_url ?? u.response];
}

test('configure one box: set, read back, confirm (text and --json)', { timeout: 60_000 }, async (t) => {
  const l = need(t);
  if (!l) return;
  const ip = l.agents[0]!.host.ip;
  const r = await runCli(['configure', ip, '--dev-sno', 'TJGSDX000120190726103455', '--login-url', 'http://10.213.0.9:8080/login']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^${ip.replace(/\./g, '\\.')}:5555  ok  dev_sno=TJGSDX000120190726103455  login_url=http://10.213.0.9:8080/login \\(read back\\)`));
  assert.deepEqual(await stored(ip), ['TJGSDX000120190726103455', 'http://10.213.0.9:8080/login']);

  const j = await runCli(['configure', `${ip}:5555`, '--dev-sno', 'SECOND_1', '--json']);
  assert.equal(j.code, 0, j.stderr);
  const outcome = JSON.parse(j.stdout) as ConfigureOutcome;
  assert.deepEqual(outcome, { host: ip, port: 5555, dev_sno: 'SECOND_1', login_url: 'http://10.213.0.9:8080/login', ok: true });
  assert.deepEqual(await stored(ip), ['SECOND_1', 'http://10.213.0.9:8080/login']);
});

test('configure a vendor-firmware box (no agent) works the same way', { timeout: 60_000 }, async (t) => {
  const l = need(t);
  if (!l) return;
  const r = await runCli(['configure', l.vendor.ip, '--login-url', 'https://platform.test/login', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as ConfigureOutcome).login_url, 'https://platform.test/login');
  assert.deepEqual(await stored(l.vendor.ip), [VENDOR_DEV_SNO, 'https://platform.test/login']);
});

test('failures say what happened and what to do, exit 1', { timeout: 60_000 }, async (t) => {
  const l = need(t);
  if (!l) return;
  const cases: Array<[string, string[], RegExp]> = [
    ['nothing on the port', [l.silent.ip], /refused the connection — .*check the port, or restart the box/],
    ['no host at the address', [l.nobody, '--timeout', '1'], new RegExp(`no answer from ${l.nobody.replace(/\./g, '\\.')}:5555( within 1 s|: nothing on the network answers for that address \\(EHOSTUNREACH\\)) — is the box powered and on this network`)],
    ['not a box', [l.notABox.ip], /is not answering like an SE3 box .*HTTP 404.* is this the box's configuration port/],
  ];
  for (const [name, args, message] of cases) {
    const r = await runCli(['configure', ...args, '--dev-sno', 'X1']);
    assert.equal(r.code, 1, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, message, name);
  }
});

test('bad values and bad usage exit 2 and change nothing on the box', { timeout: 60_000 }, async (t) => {
  const l = need(t);
  if (!l) return;
  const ip = l.agents[1]!.host.ip;
  const before = await stored(ip);
  const cases: Array<[string[], RegExp]> = [
    [[ip, '--dev-sno', 'has space'], /dev_sno may contain only letters, digits/],
    [[ip, '--dev-sno', 'A'.repeat(65)], /at most 64/],
    [[ip, '--login-url', '/login'], /not an absolute URL/],
    [[ip, '--login-url', 'ftp://x/login'], /must start with http:\/\/ or https:\/\//],
    [[ip], /nothing to set/],
    [[], /name the box/],
    [['not a host!', '--dev-sno', 'A'], /is not a box address/],
    [[ip, '--csv', join(dir, 'x.csv')], /either HOST or --csv/],
    [['--csv', join(dir, 'missing.csv')], /no such file/],
    [[`${ip}:99999`, '--dev-sno', 'A'], /port must be 1–65535/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['configure', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  assert.deepEqual(await stored(ip), before);
});

test('CSV batch by IP, IP:port and MAC; failing rows are reported and the rest go on; exit 1', { timeout: 90_000 }, async (t) => {
  const l = need(t);
  if (!l) return;
  const [a0, a1, a2] = l.agents as [Lan['agents'][0], Lan['agents'][0], Lan['agents'][0]];
  const csv = [
    'host,dev_sno,login_url',
    `${a0.host.ip},BATCH_A0,http://platform.test:8080/login`,
    `${a1.host.ip}:5555,BATCH_A1,`,
    `${a2.host.mac.toUpperCase()},BATCH_A2,"http://platform.test:8080/login?site=a,b"`,
    `${l.silent.ip},BATCH_X,`,
    `${a1.host.ip},bad value!,`,
    '# a comment line',
    '',
    `${l.vendor.ip},VENDOR_NEW,`,
    `${a0.host.ip},,`,
  ].join('\n');
  const file = join(dir, 'boxes.csv');
  writeFileSync(file, csv);
  const r = await runCli(['configure', '--csv', file, '--cidr', l.net.cidr, '--timeout', '2', '--json'], { timeoutMs: 80_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const rows = r.stdout.trim().split('\n').map((x) => JSON.parse(x) as BatchRowOutcome);
  assert.deepEqual(rows.map((x) => [x.line, x.ok]), [[2, true], [3, true], [4, true], [5, false], [6, false], [9, true], [10, false]]);
  assert.equal(rows[2]!.host, a2.host.ip, 'the MAC was resolved to the box address');
  assert.match(rows[3]!.error!, /refused the connection/);
  assert.match(rows[4]!.error!, /dev_sno may contain only letters/);
  assert.match(rows[6]!.error!, /sets nothing/);
  assert.deepEqual(await stored(a0.host.ip), ['BATCH_A0', 'http://platform.test:8080/login']);
  assert.equal((await stored(a1.host.ip))[0], 'BATCH_A1', 'the failing row for the same box did not change it');
  assert.deepEqual(await stored(a2.host.ip), ['BATCH_A2', 'http://platform.test:8080/login?site=a,b']);
  assert.equal((await stored(l.vendor.ip))[0], 'VENDOR_NEW');

  const text = await runCli(['configure', '--csv', file, '--cidr', l.net.cidr, '--timeout', '2'], { timeoutMs: 80_000 });
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^line 5  .*FAILED: .*refused/m);
  assert.match(text.stderr, /4 boxes configured, 3 failed/);
});
