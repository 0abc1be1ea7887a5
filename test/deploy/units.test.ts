// Pieces of the deploy service that need no box: the shipped systemd unit matches what the
// service installs, box addresses parse (and bad ones are refused), host key pinning, bundle
// reading refuses what is not a bundle, the supervisor script is valid sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import ssh2 from 'ssh2';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../../build/agent-bundle/bundle';
import { readBundle } from '../../electron/deploy/bundle-verify';
import { manifestSchema } from '../../electron/deploy/bundle';
import { ensureDataDir, writeSecretFile } from '../../electron/data-dir';
import { prefixSchema } from '../../electron/deploy/params';
import { cli } from './fixture';
import { parseTarget } from '../../electron/deploy/connect';
import { fingerprintOf, KnownHosts } from '../../electron/deploy/known-hosts';
import { ensureInstallationKey, generateKeyPair, installationKeyPath } from '../../electron/deploy/keys';
import { compareVersions } from '../../electron/deploy/preflight';
import { activateScript, preflightScript, rollbackScript, uninstallScript, unpackScript } from '../../electron/deploy/remote';
import { renderSupervisor, renderUnit } from '../../electron/deploy/service-files';

const dir = mkdtempSync(join(tmpdir(), 'se3-deploy-units-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy units', () => {
  it('manifest versions are plain version strings: ".", ".." and paths are refused', () => {
    const base = { name: 'se3-agent', platform: 'linux', arch: 'arm64', minGlibc: '2.28', node: '20', builtAt: 'x', unpackedSize: 0, files: {} };
    for (const v of ['1.0.0', '2.0.0-rc.1', '1.2.0+b7', '10']) assert.ok(manifestSchema.safeParse({ ...base, version: v }).success, v);
    for (const v of ['.', '..', '', '1..0', '../1', '1/2', '.1', '1.', '-1', 'a b', '1.0\n']) {
      const r = manifestSchema.safeParse({ ...base, version: v });
      assert.ok(!r.success, `version ${JSON.stringify(v)} must be refused`);
      assert.match(r.error!.issues[0]!.message, /version/);
    }
    for (const f of ['../x', '/etc/passwd', 'a/./b', 'a//b', 'a\\b', 'a\nb']) assert.ok(!manifestSchema.safeParse({ ...base, version: '1.0.0', files: { [f]: 'a'.repeat(64) } }).success, f);
  });

  it('the CLI checks --prefix with the API\'s validator (it ends up in agent.env, sourced as shell)', async () => {
    for (const bad of ['/opt/x;reboot', '/opt/$(id)', 'opt/rel', '/opt/../etc', '/opt/a b']) assert.ok(!prefixSchema.safeParse(bad).success, bad);
    for (const bad of ['/opt/x;reboot', '/opt/../etc']) {
      const r = await cli(['deploy', '127.0.0.1:1', '--prefix', bad, '--bundle', '/nonexistent.tar'], join(dir, 'cli-data'));
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /--prefix.*(prefix must be an absolute path|must not contain \. or \.\. parts)/s);
    }
    const args = await cli(['deploy', '127.0.0.1:1', '--agent-args', '--name $(id)', '--bundle', '/nonexistent.tar'], join(dir, 'cli-data'));
    assert.equal(args.code, 2);
    assert.match(args.stderr, /--agent-args takes plain words/);
  });

  it('deploy --bundle FILE that does not exist is one clear error before any box is tried (exit 2), not a failure per box', async () => {
    const r = await cli(['deploy', '127.0.0.1:1', '127.0.0.2:1', '--bundle', join(dir, 'missing-bundle.tar')], join(dir, 'cli-data'));
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bundle not found: .*missing-bundle\.tar — build one with `npm run build:agent/);
    assert.doesNotMatch(r.stdout + r.stderr, /box\(es\) failed/);
    const d = await cli(['deploy', '127.0.0.1:1', '--bundle', dir], join(dir, 'cli-data'));
    assert.equal(d.code, 2, d.stderr);
    assert.match(d.stderr, /bundle not found/);
  });

  it('the data dir is 0700 and secrets 0600, whoever writes first', () => {
    const data = join(dir, 'perm-data');
    mkdirSync(data, { mode: 0o755 });
    chmodSync(data, 0o755); // as an older version (or a hand) made it
    ensureInstallationKey(data);
    assert.equal(statSync(data).mode & 0o777, 0o700);
    assert.equal(statSync(join(data, 'deploy')).mode & 0o777, 0o700);
    assert.equal(statSync(installationKeyPath(data)).mode & 0o777, 0o600);
    const kh = new KnownHosts(join(data, 'known-hosts.json'));
    kh.pin('10.0.0.9', 22, 'SHA256:x', 'ssh-ed25519');
    assert.equal(statSync(kh.file).mode & 0o777, 0o600);
    // a secret written over a world-readable file ends up 0600 all the same
    const f = join(data, 'secrets.json');
    writeFileSync(f, '{}', { mode: 0o644 });
    chmodSync(f, 0o644);
    writeSecretFile(f, '{"a":1}');
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.equal(readFileSync(f, 'utf8'), '{"a":1}');
    const fresh = join(dir, 'fresh', 'data');
    ensureDataDir(fresh);
    assert.equal(statSync(fresh).mode & 0o777, 0o700);
  });

  it('resources/systemd/se3-agent.service is the unit installed for the default prefix', () => {
    assert.equal(readFileSync(join(ROOT, 'resources', 'systemd', 'se3-agent.service'), 'utf8'), renderUnit('/opt/se3-agent'));
    assert.match(renderUnit('/srv/x'), /^ExecStart=\/srv\/x\/current\/bin\/se3-agent$/m);
  });

  it('every remote script is valid POSIX sh (dash -n)', () => {
    const scripts = {
      preflight: preflightScript("/opt/se3 agent's", 5555),
      unpack: unpackScript('/opt/se3-agent', '/tmp/x.part', 'a'.repeat(64), '1.0.0', 'tar+xz'),
      activate: activateScript('/opt/se3-agent', '1.0.0', 'systemd', 5555, ['--no-mdns'], { publicKey: 'A'.repeat(43) + '=', nodeSha256: 'a'.repeat(64) }),
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
    // a typo gets the sentence, not a name lookup (the Deploy page checks the same way before sending)
    assert.throws(() => parseTarget('host!!'), /"host!!" is not a box address \(use host, host:port or user@host\)/);
    assert.throws(() => parseTarget('box:abc'), /"box:abc" is not a box address/);
    assert.throws(() => parseTarget('ro ot@10.0.0.5'), /not a box address/);
    assert.deepEqual(parseTarget('::1'), { host: '::1', port: 22, user: 'root' });
    assert.deepEqual(parseTarget('box-3.site_a.local'), { host: 'box-3.site_a.local', port: 22, user: 'root' });
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
