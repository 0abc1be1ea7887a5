// A site at once: 5 boxes (each a real sshd on its own loopback address, with its own prefix
// and agent port) deployed in parallel, plus one box that is off; per-box live events and the
// final report.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeployEvent } from '../../electron/deploy/events';
import { deployFleet } from '../../electron/deploy/fleet';
import { requireComponent } from '../helpers/components';
import { freePort, SSHD_BIN } from '../helpers/sshd';
import { NO_MDNS, http, rmrf, startBox, tempDir, testBundle, type TestBox } from './fixture';

describe('fleet deploy (5 real sshd boxes in parallel)', { timeout: 180_000 }, () => {
  let work: string;
  let dataDir: string;
  let bundle: string;
  const boxes: TestBox[] = [];
  let ready = false;

  before(async (t) => {
    if (!requireComponent(t as never, 'openssh-server', { file: SSHD_BIN, root: true })) return;
    work = tempDir('fleet');
    dataDir = join(work, 'app-data');
    bundle = (await testBundle(join(work, 'dist'), '3.0.0')).file;
    for (let i = 0; i < 5; i++) boxes.push(await startBox(dataDir, `127.0.0.${51 + i}`));
    ready = true;
  });

  after(async () => {
    for (const b of boxes) await b.cleanup();
    if (work) rmrf(work);
  });

  it('deploys all boxes concurrently, reports each, and names the one that is off', async (t) => {
    if (!ready) return t.skip('no sshd');
    const offPort = await freePort();
    const targets = [...boxes.map((b) => b.target), { host: '127.0.0.60', port: offPort, user: 'se3test', prefix: join(work, 'nowhere'), agentPort: 1 }];
    const events: DeployEvent[] = [];
    let running = 0;
    let maxRunning = 0;
    const report = await deployFleet(targets, { dataDir }, { bundle, concurrency: 5 }, (e) => {
      events.push(e);
      if (e.type === 'step' && e.step === 'connect') maxRunning = Math.max(maxRunning, ++running);
      if (e.type === 'done') running--;
    });
    assert.equal(report.boxes.length, 6);
    assert.equal(report.ok, false);
    assert.equal(maxRunning, 5, 'five boxes at a time');
    for (const [i, b] of boxes.entries()) {
      const r = report.boxes[i]!;
      assert.equal(r.host, b.target.host);
      assert.equal(r.ok, true, `${r.host}: ${r.reason}`);
      assert.equal(r.status, 'installed');
      assert.equal((await http(b.agentPort, '/health')).json.version, '3.0.0');
      const label = `${b.target.host}:${b.target.port}`;
      assert.ok(events.some((e) => e.type === 'upload' && e.host === label && e.percent === 100), `${label} upload progress`);
      assert.ok(events.some((e) => e.type === 'done' && e.host === label), `${label} done event`);
    }
    const off = report.boxes[5]!;
    assert.equal(off.ok, false);
    assert.equal(off.code, 'connect-failed');
    assert.match(off.reason ?? '', /nothing accepts SSH connections on 127\.0\.0\.60:\d+ \(connection refused\)/);
  });
});
