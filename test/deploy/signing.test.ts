// Signed agent bundles, over real OpenSSH. Before anything is uploaded (no connection at all): a
// file changed after signing, a changed manifest, an unsigned bundle and one signed by a key this
// installation does not trust are refused with a plain message; an xz bundle's payload is pinned by
// its signed manifest. A real signed bundle deploys; a real bundle signed by another key deploys
// once that key is trusted explicitly (--trust-bundle-key), which is remembered. On the box, a
// release changed after upload is refused before `current` is switched, and the running version
// keeps answering.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deployBox } from '../../electron/deploy/box';
import { readBundle, requireTrustedBundle } from '../../electron/deploy/bundle-verify';
import type { DeployEvent } from '../../electron/deploy/events';
import { ensureReleaseKey, signManifest } from '../../electron/deploy/signing';
import { requireComponent } from '../helpers/components';
import { SSHD_BIN } from '../helpers/sshd';
import { NO_MDNS, TEST_RELEASE_KEY, cli, deployArgs, http, miniBundle, rmrf, startBox, tempDir, testBundle, type TestBox } from './fixture';

describe('bundle signatures, checked before upload (no box needed)', () => {
  const dir = tempDir('sig-units');
  const data = join(dir, 'data');
  after(() => rmrf(dir));

  it('a signed bundle passes; altered, unsigned and foreign-signed ones are refused with what to do', async () => {
    const good = await readBundle(miniBundle(join(dir, 'a'), '1.0.0'));
    assert.equal(good.inspection.problem, null);
    const signer = requireTrustedBundle(good, data);
    assert.equal(signer.fingerprint, ensureReleaseKey(TEST_RELEASE_KEY).fingerprint);

    const file = await readBundle(miniBundle(join(dir, 'b'), '1.0.0', { tamper: 'file' }));
    assert.throws(() => requireTrustedBundle(file, data), /altered after it was signed \(app\/agent\.mjs does not match the sha256 in its signed manifest\); nothing was sent/);
    const manifest = await readBundle(miniBundle(join(dir, 'c'), '1.0.0', { tamper: 'manifest' }));
    assert.throws(() => requireTrustedBundle(manifest, data), /altered after it was signed \(its signature does not match manifest\.json/);
    const unsigned = await readBundle(miniBundle(join(dir, 'd'), '1.0.0', { signingKey: false }));
    assert.throws(() => requireTrustedBundle(unsigned, data), /is not signed, so nothing shows it is a genuine release.*npm run build:agent/);
    const other = join(dir, 'other-key.pem');
    const foreign = await readBundle(miniBundle(join(dir, 'e'), '1.0.0', { signingKey: other }));
    const fp = ensureReleaseKey(other).fingerprint;
    assert.throws(() => requireTrustedBundle(foreign, data), (e: Error & { code?: string }) => e.code === 'untrusted-bundle' && e.message.includes(`--trust-bundle-key ${fp}`));
    assert.throws(() => requireTrustedBundle(foreign, data, { trustBundleKeys: [ensureReleaseKey(TEST_RELEASE_KEY).fingerprint] }), /does not trust/, 'trusting another key does not help');
    assert.equal(requireTrustedBundle(foreign, data, { trustBundleKeys: [fp] }).fingerprint, fp);
    assert.equal(requireTrustedBundle(foreign, data).fingerprint, fp, 'remembered');
    assert.equal(statSync(join(data, 'trusted-bundle-keys.json')).mode & 0o777, 0o600);
    assert.equal(statSync(TEST_RELEASE_KEY).mode & 0o777, 0o600);
  });

  it('an xz bundle: the signed outer manifest pins the payload; a changed payload is refused', async () => {
    const stage = join(dir, 'xz');
    mkdirSync(stage, { recursive: true });
    writeFileSync(join(stage, 'inner.txt'), 'release tree');
    spawnSync('sh', ['-c', 'tar -cf - -C "$1" inner.txt | xz -0 > "$1/payload.tar.xz"', 'sh', stage]);
    const payload = readFileSync(join(stage, 'payload.tar.xz'));
    const { createHash } = await import('node:crypto');
    const manifest = { name: 'se3-agent', version: '1.1.0', platform: 'linux', arch: 'arm64', minGlibc: '2.28', node: '20.20.2', builtAt: new Date().toISOString(), unpackedSize: 12, files: { 'node/bin/node': 'a'.repeat(64) } };
    const make = (name: string, payloadSha: string) => {
      const text = `${JSON.stringify({ ...manifest, payload: { file: 'payload.tar.xz', sha256: payloadSha, size: payload.length } })}\n`;
      writeFileSync(join(stage, 'manifest.json'), text);
      writeFileSync(join(stage, 'manifest.sig'), signManifest(Buffer.from(text), ensureReleaseKey(TEST_RELEASE_KEY)));
      const out = join(dir, name);
      spawnSync('tar', ['-cf', out, '-C', stage, 'manifest.json', 'manifest.sig', 'payload.tar.xz']);
      return out;
    };
    const ok = await readBundle(make('se3-agent-1.1.0-linux-arm64.tar', createHash('sha256').update(payload).digest('hex')));
    assert.equal(ok.format, 'tar+xz');
    assert.equal(ok.inspection.problem, null);
    requireTrustedBundle(ok, data);
    const bad = await readBundle(make('se3-agent-1.1.1-linux-arm64.tar', 'b'.repeat(64)));
    assert.throws(() => requireTrustedBundle(bad, data), /payload\.tar\.xz does not match the sha256 in its signed manifest/);
  });
});

describe('signed bundles on a real box', { timeout: 300_000 }, () => {
  let work: string;
  let dataDir: string;
  let box: TestBox;
  let signed = '';
  let foreign = '';
  let foreignFp = '';
  let ready = false;

  before(async (t) => {
    if (!requireComponent(t as never, 'openssh-server', { file: SSHD_BIN, root: true })) return;
    work = tempDir('sig');
    dataDir = join(work, 'app-data');
    signed = (await testBundle(join(work, 'dist'), '5.0.0')).file;
    const otherKey = join(work, 'other-release-key.pem');
    foreign = (await testBundle(join(work, 'dist'), '5.1.0', { signingKey: otherKey })).file;
    foreignFp = ensureReleaseKey(otherKey).fingerprint;
    box = await startBox(dataDir, '127.0.0.51');
    ready = true;
  });

  after(async () => {
    await box?.cleanup();
    if (work) rmrf(work);
  });

  it('refuses altered, unsigned and foreign-signed bundles before connecting; deploys a signed one', async (t) => {
    if (!ready) return t.skip('no sshd');
    const cases: Array<[string, RegExp]> = [
      [miniBundle(join(work, 'm1'), '5.0.1', { tamper: 'file' }), /altered after it was signed \(app\/agent\.mjs does not match/],
      [miniBundle(join(work, 'm2'), '5.0.1', { tamper: 'manifest' }), /altered after it was signed \(its signature does not match manifest\.json/],
      [miniBundle(join(work, 'm3'), '5.0.1', { signingKey: false }), /is not signed/],
      [foreign, new RegExp(`signed by a key this installation does not trust \\(${foreignFp.replace(/[+/]/g, '\\$&')}\\).*--trust-bundle-key`)],
    ];
    for (const [file, re] of cases) {
      const r = await cli(['deploy', ...deployArgs(box), '--bundle', file], dataDir);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, re);
      assert.match(r.stdout, /nothing was sent to any box/);
    }
    assert.ok(!existsSync(join(dataDir, 'known-hosts.json')), 'no connection was even made');
    assert.ok(!existsSync(box.prefix), 'nothing reached the box');

    const r = await cli(['deploy', ...deployArgs(box), '--bundle', signed, '--json'], dataDir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.lines.find((l) => l.type === 'report').boxes[0].status, 'installed');
    assert.equal((await http(box.agentPort, '/health')).json.version, '5.0.0');
  });

  it('deploys a bundle signed by another key once that key is trusted explicitly, and remembers it', async (t) => {
    if (!ready) return t.skip('no sshd');
    const wrong = await cli(['deploy', ...deployArgs(box), '--bundle', foreign, '--trust-bundle-key', 'SHA256:nope'], dataDir);
    assert.equal(wrong.code, 2, 'a malformed fingerprint is a usage error');
    const r = await cli(['deploy', ...deployArgs(box), '--bundle', foreign, '--trust-bundle-key', foreignFp, '--json'], dataDir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.lines.find((l) => l.type === 'report').boxes[0].status, 'updated');
    assert.equal((await http(box.agentPort, '/health')).json.version, '5.1.0');
    const trusted = JSON.parse(readFileSync(join(dataDir, 'trusted-bundle-keys.json'), 'utf8')) as { keys: Array<{ publicKey: string }> };
    assert.equal(trusted.keys.length, 1);
  });

  it('on the box: a release changed after upload is refused before the switch; the running version stays', async (t) => {
    if (!ready) return t.skip('no sshd');
    assert.equal(readlinkSync(join(box.prefix, 'current')), 'releases/5.1.0');
    const release = join(box.prefix, 'releases', '5.0.0');
    const events: DeployEvent[] = [];
    const report = await deployBox(
      box.target,
      { dataDir },
      { bundle: signed, agentArgs: NO_MDNS },
      (e) => {
        events.push(e);
        // between the upload (checked against its sha256) and the switch, someone changes the release
        if (e.type === 'step' && e.step === 'unpack') writeFileSync(join(release, 'app', 'agent.mjs'), 'process.exit(0);\n');
      },
    );
    assert.equal(report.ok, false);
    assert.equal(report.code, 'box-verify-failed');
    assert.match(report.reason ?? '', /release 5\.0\.0 on the box failed its check against the signed manifest, so nothing was switched: files do not match their sha256: .*app\/agent\.mjs: FAILED/);
    assert.equal(readlinkSync(join(box.prefix, 'current')), 'releases/5.1.0', 'current was not switched');
    assert.ok(!existsSync(release), 'the altered release was removed');
    assert.equal((await http(box.agentPort, '/health')).json.version, '5.1.0', 'the running version keeps answering');
    assert.ok(!events.some((e) => e.type === 'step' && e.step === 'rollback'), 'nothing to roll back: nothing changed');
  });
});
