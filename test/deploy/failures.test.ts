// What must go wrong safely, over real OpenSSH: no key, wrong password, adopt, a changed host
// key, a disk too small (a real 30 MB tmpfs as the prefix), the agent port held by another
// program, a bundle for the wrong architecture, and the connection cut mid-upload.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deployBox } from '../../electron/deploy/box';
import type { DeployEvent } from '../../electron/deploy/events';
import { requireComponent } from '../helpers/components';
import { SSHD_BIN, TEST_PASSWORD } from '../helpers/sshd';
import { NO_MDNS, boxArgs, cli, deployArgs, http, rmrf, startBox, tempDir, testBundle, type TestBox } from './fixture';

describe('deploy failures (real sshd)', { timeout: 240_000 }, () => {
  let work: string;
  let dataDir: string;
  let ready = false;
  let v1: string;
  let v2: string;
  let arm: string | null = null;
  const boxes: TestBox[] = [];

  before(async (t) => {
    if (!requireComponent(t as never, 'openssh-server', { file: SSHD_BIN, root: true })) return;
    work = tempDir('fail');
    dataDir = join(work, 'app-data');
    v1 = (await testBundle(join(work, 'dist'), '2.0.0')).file;
    v2 = (await testBundle(join(work, 'dist'), '2.1.0')).file;
    if (process.arch === 'x64') arm = (await testBundle(join(work, 'dist'), '2.0.0', { arch: 'arm64' })).file;
    ready = true;
  });

  after(async () => {
    for (const b of boxes) await b.cleanup();
    if (work) rmrf(work);
  });

  describe('login', () => {
    let box: TestBox;
    before(async () => {
      if (!ready) return;
      box = await startBox(dataDir, '127.0.0.41', { authorize: false });
      boxes.push(box);
    });

    it('without a key, says to adopt the box first', async (t) => {
      if (!ready) return t.skip('no sshd');
      const r = await cli(['deploy', ...deployArgs(box), '--bundle', v1], join(work, 'empty-data'));
      assert.equal(r.code, 1);
      assert.notEqual(box.target.port, 22);
      // the command to run names the same box: its SSH port too (adopt 127.0.0.41 alone would go to port 22)
      assert.ok((r.stdout + r.stderr).includes(`run \`se3kit adopt 127.0.0.41:${box.target.port} --user ${box.target.user}\``), r.stdout + r.stderr);
    });

    it('refuses the installation key the box does not know yet', async (t) => {
      if (!ready) return t.skip('no sshd');
      const r = await cli(['deploy', ...deployArgs(box), '--bundle', v1], dataDir);
      assert.equal(r.code, 1);
      assert.ok(r.stdout.includes(`the key was not accepted. Run \`se3kit adopt 127.0.0.41:${box.target.port} --user ${box.target.user}\``), r.stdout);
    });

    it('a wrong password gives a clear error and changes nothing', async (t) => {
      if (!ready) return t.skip('no sshd');
      const pwFile = join(work, 'wrong-pw');
      writeFileSync(pwFile, 'not-the-password\n', { mode: 0o600 });
      const r = await cli(['adopt', `${box.target.host}:${box.target.port}`, '--user', box.target.user, '--password-file', pwFile], dataDir);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /login to se3test@127\.0\.0\.41:\d+ refused: the password was not accepted/);
      assert.equal(readFileSync(box.sshd.authorizedKeysFile, 'utf8'), '');
    });

    it('adopt installs the installation key with the password, which is not stored', async (t) => {
      if (!ready) return t.skip('no sshd');
      const pwFile = join(work, 'right-pw');
      writeFileSync(pwFile, `${TEST_PASSWORD}\n`, { mode: 0o600 });
      const r = await cli(['adopt', `${box.target.host}:${box.target.port}`, '--user', box.target.user, '--password-file', pwFile, '--json'], dataDir);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const pub = readFileSync(join(dataDir, 'deploy', 'id_ed25519.pub'), 'utf8').trim();
      assert.ok(readFileSync(box.sshd.authorizedKeysFile, 'utf8').includes(pub));
      // nothing in the app data dir holds the password
      for (const f of ['known-hosts.json', 'deploy/id_ed25519', 'deploy/id_ed25519.pub']) {
        assert.ok(!readFileSync(join(dataDir, f), 'utf8').includes(TEST_PASSWORD), f);
      }
      // the key now logs in
      const s = await cli(['agent-status', ...boxArgs(box)], dataDir);
      assert.match(s.stdout, /no agent installed/, s.stderr);
      // adopting twice does not duplicate the key
      const again = await cli(['adopt', `${box.target.host}:${box.target.port}`, '--user', box.target.user, '--password-file', pwFile, '--json'], dataDir);
      assert.equal(again.lines[again.lines.length - 1].alreadyPresent, true);
      assert.equal(readFileSync(box.sshd.authorizedKeysFile, 'utf8').split(pub).length - 1, 1);
    });

    it('refuses a changed host key until it is accepted explicitly', async (t) => {
      if (!ready) return t.skip('no sshd');
      const old = box.sshd.hostKeyFingerprint();
      await box.sshd.stop();
      box.sshd.regenerateHostKey();
      await box.sshd.start();
      const now = box.sshd.hostKeyFingerprint();
      assert.notEqual(old, now);
      const r = await cli(['deploy', ...deployArgs(box), '--bundle', v1], dataDir);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /host key of 127\.0\.0\.41:\d+ has CHANGED/);
      assert.ok(r.stdout.includes(old) && r.stdout.includes(now), r.stdout);
      assert.ok(r.stdout.includes(`--accept-host-key ${now}`), 'says which fingerprint to accept');
      const known = () => JSON.parse(readFileSync(join(dataDir, 'known-hosts.json'), 'utf8'))[`${box.target.host}:${box.target.port}`].fingerprint;
      assert.equal(known(), old, 'the stored key is unchanged');
      assert.ok(!existsSync(box.prefix), 'nothing reached the box');
      // accepting means naming the new fingerprint: a bare flag is a usage error, another key is refused
      const bare = await cli(['agent-status', ...boxArgs(box), '--accept-host-key'], dataDir);
      assert.equal(bare.code, 2, bare.stderr);
      const other = await cli(['agent-status', ...boxArgs(box), '--accept-host-key', old], dataDir);
      assert.equal(other.code, 1);
      assert.match(other.stdout + other.stderr, new RegExp(`presents ${now.replace(/[+/]/g, '\\$&')}, not the .* you accepted`));
      assert.equal(known(), old, 'still the old pin');
      const ok = await cli(['agent-status', ...boxArgs(box), '--accept-host-key', now], dataDir);
      assert.match(ok.stdout, /no agent installed/, ok.stderr);
      assert.equal(known(), now);
    });
  });

  describe('preflight', () => {
    let box: TestBox;
    before(async () => {
      if (!ready) return;
      box = await startBox(dataDir, '127.0.0.42');
      boxes.push(box);
    });

    it('refuses when the disk is too small (30 MB tmpfs prefix)', async (t) => {
      if (!ready) return t.skip('no sshd');
      const opt = dirname(box.prefix);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=30m,uid=${box.sshd.user.uid},gid=${box.sshd.user.gid}`, 'se3-deploy-test', opt], { encoding: 'utf8' });
      assert.equal(m.status, 0, `mount tmpfs: ${m.stderr}`);
      try {
        const rep = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: v1 });
        assert.equal(rep.ok, false);
        assert.equal(rep.code, 'preflight-failed');
        assert.match(rep.reason ?? '', /not enough disk space under .*: \d+\.\d MB free, the update needs \d+\.\d MB/);
        assert.ok(!existsSync(join(box.prefix, 'releases')), 'nothing was written');
      } finally {
        spawnSync('umount', [opt]);
      }
    });

    it('refuses when another program holds the agent port', async (t) => {
      if (!ready) return t.skip('no sshd');
      const squatter = createServer((_q, s) => s.end('vendor firmware')).listen(box.agentPort, '0.0.0.0');
      await new Promise((r) => squatter.once('listening', r));
      try {
        const rep = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: v1 });
        assert.equal(rep.code, 'preflight-failed');
        assert.match(rep.reason ?? '', new RegExp(`port ${box.agentPort} is held by`));
        assert.ok(!existsSync(join(box.prefix, 'current')));
      } finally {
        squatter.close();
      }
    });

    it('refuses a bundle built for another architecture', async (t) => {
      if (!ready || !arm) return t.skip('x64 hosts only');
      const rep = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: arm });
      assert.equal(rep.code, 'preflight-failed');
      assert.match(rep.reason ?? '', /the box is x86_64 but the bundle is for aarch64 \(arm64\)/);
    });
  });

  describe('connection cut mid-upload', () => {
    let box: TestBox;
    before(async () => {
      if (!ready) return;
      box = await startBox(dataDir, '127.0.0.43');
      boxes.push(box);
    });

    it('leaves the box unchanged and healthy, and the next deploy succeeds', async (t) => {
      if (!ready) return t.skip('no sshd');
      const first = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: v1 });
      assert.equal(first.status, 'installed', first.reason);
      let cutAt = -1;
      const rep = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: v2 }, (e: DeployEvent) => {
        if (e.type === 'upload' && cutAt < 0 && e.percent >= 10 && e.percent < 100) {
          cutAt = e.percent;
          box.sshd.kill(); // the listener and every session process: the cable is pulled
        }
      });
      assert.ok(cutAt > 0, 'the upload was cut');
      assert.equal(rep.ok, false);
      assert.equal(rep.status, 'failed');
      assert.match(rep.code ?? '', /connection-lost|upload-failed/);
      assert.match(rep.reason ?? '', /connection|closed|upload/i);
      // the box is as it was
      assert.equal((await http(box.agentPort, '/health')).json.version, '2.0.0');
      assert.equal(readlinkSync(join(box.prefix, 'current')), 'releases/2.0.0');
      assert.deepEqual(readdirSync(join(box.prefix, 'releases')), ['2.0.0']);
      // and the next attempt goes through
      await box.sshd.start();
      const retry = await deployBox(box.target, { dataDir }, { agentArgs: NO_MDNS, bundle: v2 });
      assert.equal(retry.status, 'updated', retry.reason);
      assert.equal((await http(box.agentPort, '/health')).json.version, '2.1.0');
      assert.deepEqual(readdirSync(join(box.prefix, 'incoming')), [], 'no partial upload left behind');
    });
  });
});
