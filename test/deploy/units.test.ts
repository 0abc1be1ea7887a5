// Pieces of the deploy service that need no box: the shipped systemd unit matches what the
// service installs, box addresses parse (and bad ones are refused), host key pinning, bundle
// reading refuses what is not a bundle, the supervisor script is valid sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../../build/agent-bundle/bundle';
import { readBundle } from '../../electron/deploy/bundle-verify';
import { parseTarget } from '../../electron/deploy/connect';
import { fingerprintOf, KnownHosts } from '../../electron/deploy/known-hosts';
import { ensureInstallationKey, generateKeyPair, installationKeyPath } from '../../electron/deploy/keys';
import { compareVersions } from '../../electron/deploy/preflight';
import { activateScript, preflightScript, rollbackScript, uninstallScript, unpackScript } from '../../electron/deploy/remote';
import { renderSupervisor, renderUnit } from '../../electron/deploy/service-files';

const dir = mkdtempSync(join(tmpdir(), 'se3-deploy-units-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy units', () => {
  it('resources/systemd/se3-agent.service is the unit installed for the default prefix', () => {
    assert.equal(readFileSync(join(ROOT, 'resources', 'systemd', 'se3-agent.service'), 'utf8'), renderUnit('/opt/se3-agent'));
    assert.match(renderUnit('/srv/x'), /^ExecStart=\/srv\/x\/current\/bin\/se3-agent$/m);
  });

  it('every remote script is valid POSIX sh (dash -n)', () => {
    const scripts = {
      preflight: preflightScript("/opt/se3 agent's", 5555),
      unpack: unpackScript('/opt/se3-agent', '/tmp/x.part', 'a'.repeat(64), '1.0.0', 'tar+xz'),
      activate: activateScript('/opt/se3-agent', '1.0.0', 'systemd', 5555, ['--no-mdns']),
      rollback: rollbackScript('/opt/se3-agent', 'supervisor', 5555, {}),
      uninstall: uninstallScript('/opt/se3-agent', 'supervisor', true),
      supervisor: renderSupervisor("/opt/it's here"),
    };
    for (const [name, text] of Object.entries(scripts)) {
      const r = spawnSync('dash', ['-n'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    }
  });

  it('parses box addresses and refuses bad ones', () => {
    assert.deepEqual(parseTarget('10.0.0.5'), { host: '10.0.0.5', port: 22, user: 'root' });
    assert.deepEqual(parseTarget('linaro@10.0.0.5:2222', { user: 'root' }), { host: '10.0.0.5', port: 2222, user: 'linaro' });
    assert.deepEqual(parseTarget('[fe80::1]:22', { user: 'u' }), { host: 'fe80::1', port: 22, user: 'u' });
    assert.throws(() => parseTarget('box:99999'), /not a box address/);
    assert.throws(() => parseTarget('root@'), /not a box address/);
  });

  it('pins host keys: new, known, changed', () => {
    const kh = new KnownHosts(join(dir, 'kh', 'known-hosts.json'));
    const fp1 = fingerprintOf(Buffer.from('key-one'));
    const fp2 = fingerprintOf(Buffer.from('key-two'));
    assert.match(fp1, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(kh.check('10.0.0.5', 22, fp1), 'new');
    kh.pin('10.0.0.5', 22, fp1, 'ssh-ed25519');
    assert.equal(kh.check('10.0.0.5', 22, fp1), 'known');
    assert.equal(kh.check('10.0.0.5', 22, fp2), 'changed');
    assert.equal(kh.check('10.0.0.5', 2222, fp2), 'new', 'pinned per host and port');
    writeFileSync(kh.file, '{not json');
    assert.throws(() => kh.check('10.0.0.5', 22, fp1), /cannot read the known-hosts file .*fix or delete it/);
  });

  it('compares glibc versions numerically', () => {
    assert.ok(compareVersions('2.36', '2.28') > 0);
    assert.ok(compareVersions('2.9', '2.28') < 0);
    assert.equal(compareVersions('2.28', '2.28'), 0);
  });

  it('refuses files that are not agent bundles, saying how to get one', async () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      ['text.tar.gz', Buffer.from('hello'), /not an agent bundle: not a tar or gzip file|file ended/],
      ['gz.tar.gz', gzipSync(Buffer.alloc(2048, 1)), /the gzip data is not a tar archive/],
    ];
    for (const [name, content, re] of cases) {
      const p = join(dir, name);
      writeFileSync(p, content);
      await assert.rejects(readBundle(p), (err: Error) => re.test(err.message) && /npm run build:agent/.test(err.message));
    }
    // a tar whose first entry is not manifest.json
    writeFileSync(join(dir, 'other.txt'), 'x');
    spawnSync('tar', ['-cf', join(dir, 'other.tar'), '-C', dir, 'other.txt']);
    await assert.rejects(readBundle(join(dir, 'other.tar')), /first entry is "other.txt", not manifest.json/);
    await assert.rejects(readBundle(join(dir, 'missing.tar')), /does not exist .*npm run build:agent/);
  });

  it('installation keys are always readable: 3000 new pairs all parse (ssh2 alone gets about 1 in 256 wrong)', () => {
    for (let i = 0; i < 3000; i++) {
      const pair = generateKeyPair('test');
      assert.ok(!(ssh2.utils.parseKey(pair.private) instanceof Error), `private key ${i}`);
      assert.ok(!(ssh2.utils.parseKey(pair.public) instanceof Error), `public key ${i}: ${pair.public}`);
    }
  });

  it('an unreadable stored installation key is replaced by a good one; a good one is kept', () => {
    const data = join(dir, 'keys');
    const first = ensureInstallationKey(data);
    assert.equal(ensureInstallationKey(data).publicKey, first.publicKey, 'kept');
    // a public key with a byte missing, as ssh2's generator made one time in 256
    const [type, b64] = first.publicKey.split(' ');
    writeFileSync(`${installationKeyPath(data)}.pub`, `${type} ${Buffer.from(b64!, 'base64').subarray(0, -1).toString('base64')}\n`);
    const replaced = ensureInstallationKey(data);
    assert.notEqual(replaced.publicKey, first.publicKey);
    assert.ok(!(ssh2.utils.parseKey(readFileSync(`${installationKeyPath(data)}.pub`, 'utf8')) instanceof Error));
    assert.equal(readFileSync(installationKeyPath(data), 'utf8'), replaced.privateKey);
  });
});
