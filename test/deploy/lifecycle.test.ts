// The agent's life on one box, over real OpenSSH: fresh install (CLI), update keeping DevSno,
// a broken release rolled back automatically, the rollback command, keeping the last 3
// releases, agent-status and uninstall.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deployBox } from '../../electron/deploy/box';
import type { DeployEvent } from '../../electron/deploy/events';
import { requireComponent } from '../helpers/components';
import { SSHD_BIN } from '../helpers/sshd';
import { NO_MDNS, boxArgs, cli, deployArgs, http, rmrf, startBox, tempDir, testBundle, type TestBox } from './fixture';

describe('deploy lifecycle on one box (real sshd)', { timeout: 600_000 }, () => {
  let work: string;
  let dataDir: string;
  let box: TestBox;
  const bundles: Record<string, string> = {};
  let ready = false;

  before(async (t) => {
    if (!requireComponent(t as never, 'openssh-server', { file: SSHD_BIN, root: true })) return;
    work = tempDir('life');
    dataDir = join(work, 'app-data');
    for (const v of ['1.0.0', '1.2.0', '1.3.0']) bundles[v] = (await testBundle(join(work, 'dist'), v)).file;
    // one release in the default (xz payload) format, the others .tar.gz: both paths are real
    bundles['1.1.0'] = (await testBundle(join(work, 'dist'), '1.1.0', { compress: 'xz' })).file;
    bundles.broken = (await testBundle(join(work, 'dist'), '1.2.0-broken', { broken: true })).file;
    box = await startBox(dataDir, '127.0.0.31');
    ready = true;
  });

  after(async () => {
    await box?.cleanup();
    if (work) rmrf(work);
  });

  it('installs fresh through the CLI, pins the host key and answers /health', async (t) => {
    if (!ready) return t.skip('no sshd');
    const r = await cli(['deploy', ...deployArgs(box), '--bundle', bundles['1.0.0']!, '--json'], dataDir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const report = r.lines.find((l) => l.type === 'report');
    assert.equal(report.ok, true);
    assert.equal(report.boxes[0].status, 'installed');
    assert.equal(report.boxes[0].version, '1.0.0');
    const hk = r.lines.find((l) => l.type === 'hostkey');
    assert.equal(hk.status, 'new');
    assert.equal(hk.fingerprint, box.sshd.hostKeyFingerprint());
    const known = JSON.parse(readFileSync(join(dataDir, 'known-hosts.json'), 'utf8'));
    assert.equal(known[`${box.target.host}:${box.target.port}`].fingerprint, box.sshd.hostKeyFingerprint());
    const h = await http(box.agentPort, '/health');
    assert.equal(h.status, 200);
    assert.equal(h.json.version, '1.0.0');
    assert.equal(readlinkSync(join(box.prefix, 'current')), 'releases/1.0.0');
  });

  it('updates to a new version with SFTP progress and keeps DevSno', async (t) => {
    if (!ready) return t.skip('no sshd');
    const put = await http(box.agentPort, '/SophonMQ/api/DevSno', 'PUT', JSON.stringify({ dev_sno: 'TJGSDX000120190726103455' }));
    assert.equal(put.status, 200);
    const events: DeployEvent[] = [];
    const rep = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: bundles['1.1.0']! }, (e) => events.push(e));
    assert.equal(rep.ok, true, rep.reason);
    assert.equal(rep.status, 'updated');
    assert.equal(rep.previousVersion, '1.0.0');
    const uploads = events.filter((e): e is Extract<DeployEvent, { type: 'upload' }> => e.type === 'upload');
    assert.ok(uploads.length >= 1);
    const last = uploads[uploads.length - 1]!;
    assert.equal(last.percent, 100);
    assert.equal(last.bytes, last.total);
    assert.ok(last.rate > 0);
    const steps = events.filter((e) => e.type === 'step').map((e) => (e as { step: string }).step);
    for (const s of ['connect', 'preflight', 'upload', 'verify', 'switch', 'health', 'done']) assert.ok(steps.includes(s), `step ${s} missing: ${steps}`);
    assert.equal((await http(box.agentPort, '/health')).json.version, '1.1.0');
    const dev = await http(box.agentPort, '/SophonMQ/api/DevSno');
    assert.equal(dev.json.data.dev_sno, 'TJGSDX000120190726103455');
    assert.equal((await http(box.agentPort, '/health')).json.dev_sno, 'TJGSDX000120190726103455');
    assert.equal(readlinkSync(join(box.prefix, 'previous')), 'releases/1.0.0');
  });

  it('rolls a release that fails its health check back automatically; the old one keeps answering', async (t) => {
    if (!ready) return t.skip('no sshd');
    const rep = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: bundles.broken!, healthTimeoutSec: 6 });
    assert.equal(rep.ok, false);
    assert.equal(rep.status, 'rolled-back');
    assert.equal(rep.version, '1.1.0');
    assert.match(rep.reason ?? '', /health check/);
    assert.match(rep.reason ?? '', /rolled back to 1\.1\.0/);
    assert.match(rep.agentLog ?? '', /deliberately broken/);
    assert.equal((await http(box.agentPort, '/health')).json.version, '1.1.0');
    assert.equal(readlinkSync(join(box.prefix, 'current')), 'releases/1.1.0');
    assert.ok(!existsSync(join(box.prefix, 'releases', '1.2.0-broken')), 'the failed release is removed');
    assert.equal((await http(box.agentPort, '/SophonMQ/api/DevSno')).json.data.dev_sno, 'TJGSDX000120190726103455');
  });

  it('rolls back on request (CLI) and deploys the same version again without re-unpacking', async (t) => {
    if (!ready) return t.skip('no sshd');
    const r = await cli(['rollback', ...boxArgs(box), '--json'], dataDir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal((await http(box.agentPort, '/health')).json.version, '1.0.0');
    assert.match(readFileSync(join(box.prefix, 'agent.env'), 'utf8'), /SE3_AGENT_ARGS="--no-mdns"/, 'rollback keeps the deployed agent settings');
    const events: DeployEvent[] = [];
    const rep = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: bundles['1.1.0']! }, (e) => events.push(e));
    assert.equal(rep.status, 'updated', rep.reason);
    assert.ok(events.some((e) => e.type === 'step' && e.step === 'unpack' && /reused/.test(e.message)));
    assert.equal((await http(box.agentPort, '/health')).json.version, '1.1.0');
  });

  it('keeps the last 3 releases', async (t) => {
    if (!ready) return t.skip('no sshd');
    for (const v of ['1.2.0', '1.3.0']) {
      const rep = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: bundles[v]! });
      assert.equal(rep.ok, true, rep.reason);
    }
    const releases = readdirSync(join(box.prefix, 'releases')).filter((n) => !n.startsWith('.')).sort();
    assert.deepEqual(releases, ['1.1.0', '1.2.0', '1.3.0']);
    assert.equal((await http(box.agentPort, '/health')).json.version, '1.3.0');
  });

  it('reports status and uninstalls (data kept)', async (t) => {
    if (!ready) return t.skip('no sshd');
    const s = await cli(['agent-status', ...boxArgs(box), '--json'], dataDir);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.lines[0].installedVersion, '1.3.0');
    assert.equal(s.lines[0].healthy, true);
    assert.equal(s.lines[0].previous, 'releases/1.2.0');
    const u = await cli(['uninstall', ...boxArgs(box)], dataDir);
    assert.equal(u.code, 0, u.stderr);
    await assert.rejects(http(box.agentPort, '/health'));
    assert.ok(!existsSync(join(box.prefix, 'releases')));
    assert.ok(!existsSync(join(box.prefix, 'current')));
    assert.ok(existsSync(join(box.prefix, 'data')), 'data dir kept');
  });
});
