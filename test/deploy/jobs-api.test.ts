// The "deploy" API area through createApiHandlers (the dispatcher both transports use), on the
// real deploy jobs service: bad params refused with clear messages before anything runs; plain
// refusals of impossible requests; then, over a real OpenSSH box, an adopt job and a deploy job
// with their events (job started/finished, per-box steps and upload progress, log lines) and
// final reports, status, and a changed host key refused until accepted.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiEvents, EventName } from '../../electron/api/contract';
import type { JobDetail, JobSummary } from '../../electron/api/deploy';
import { createApiHandlers, type Api } from '../../electron/api/dispatch';
import { assembleServices, type Services } from '../../electron/api/services';
import type { SecretStore } from '../../electron/deploy/secret-store';
import { requireComponent } from '../helpers/components';
import { SSHD_BIN, TEST_PASSWORD } from '../helpers/sshd';
import { recordingBoxes } from '../site/boxes-double';
import { generateKeyPair, installationKeyPath } from '../../electron/deploy/keys';
import { http, miniBundle, rmrf, startBox, tempDir, testBundle, type TestBox } from './fixture';

type Seen = { event: EventName; payload: ApiEvents[EventName] };

function setup(dataDir: string, secretStore?: SecretStore): { services: Services; api: Api; events: Seen[] } {
  const services = assembleServices({ dataDir, boxes: recordingBoxes(), secretStore });
  const api = createApiHandlers(services);
  const events: Seen[] = [];
  api.events.subscribe((event, payload) => events.push({ event, payload }));
  return { services, api, events };
}

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: Error & { code?: unknown }) => {
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

/** Resolves when the job's "finished" event has been emitted. */
function finished(events: Seen[], jobId: string, timeoutMs = 120_000): Promise<JobSummary> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      const done = events.find((e) => e.event === 'deploy.job' && (e.payload as JobSummary).id === jobId && (e.payload as JobSummary).state === 'done');
      if (done) return resolve(done.payload as JobSummary);
      if (Date.now() - started > timeoutMs) return reject(new Error(`job ${jobId} did not finish`));
      setTimeout(tick, 100);
    };
    tick();
  });
}

describe('deploy API area: parameters', () => {
  const dir = tempDir('api-params');
  const { api, services } = setup(dir);
  after(async () => {
    api.dispose();
    await services.close();
    rmrf(dir);
  });

  it('refuses bad params with messages naming the field', async () => {
    await rejects(api.call('deploy.start', {}), 'bad_params', /bad parameters for deploy\.start: .*targets.*bundle.*auth/s);
    const base = { targets: ['10.0.0.5'], bundle: '/x.tar', auth: { kind: 'installation-key' } };
    await rejects(api.call('deploy.start', { ...base, targets: [] }), 'bad_params', /targets: give at least one box/);
    await rejects(api.call('deploy.start', { ...base, targets: ['10.0.0.5; rm -rf /'] }), 'bad_params', /targets\.0: a box address is host, host:port/);
    await rejects(api.call('deploy.start', { ...base, agentPort: 70000 }), 'bad_params', /agentPort: agentPort must be 1–65535/);
    await rejects(api.call('deploy.start', { ...base, prefix: 'opt/agent' }), 'bad_params', /prefix: prefix must be an absolute path/);
    await rejects(api.call('deploy.start', { ...base, agentArgs: ['--name', '"$(id)"'] }), 'bad_params', /agentArgs\.1: agentArgs: plain words only/);
    await rejects(api.call('deploy.start', { ...base, auth: { kind: 'password' } }), 'bad_params', /auth\.password/);
    await rejects(api.call('deploy.start', { ...base, auth: { kind: 'telepathy' } }), 'bad_params', /auth/);
    await rejects(api.call('deploy.start', { ...base, concurrency: 0 }), 'bad_params', /concurrency must be 1–64/);
    await rejects(api.call('deploy.start', { ...base, extra: 1 }), 'bad_params', /extra/);
    await rejects(api.call('deploy.adopt', { targets: ['10.0.0.5'] }), 'bad_params', /password/);
    await rejects(api.call('deploy.acceptHostKey', { host: '10.0.0.5', port: 22, fingerprint: 'md5:aa' }), 'bad_params', /fingerprint must look like SHA256:/);
    await rejects(api.call('deploy.job', {}), 'bad_params', /jobId/);
    await rejects(api.call('deploy.rollback', { targets: ['10.0.0.5'], auth: { kind: 'password', password: 'x' } }), 'bad_params', /auth/);
    // a key file is an uploaded key's id, never a path on the server
    await rejects(api.call('deploy.start', { ...base, auth: { kind: 'key-file', keyFile: '/etc/ssh/ssh_host_ed25519_key' } }), 'bad_params', /key file: the id of a key uploaded with deploy\.uploadKey .*not a path/);
    await rejects(api.call('deploy.status', { target: '10.0.0.5', auth: { kind: 'key-file', keyFile: '../../id_rsa' } }), 'bad_params', /not a path/);
    await rejects(api.call('deploy.start', { ...base, trustBundleKey: 'yes' }), 'bad_params', /trustBundleKey: fingerprint must look like SHA256:/);
    await rejects(api.call('deploy.start', { ...base, prefix: '/opt/../etc' }), 'bad_params', /prefix must not contain \. or \.\. parts/);
    await rejects(api.call('deploy.uploadKey', { name: 'k', privateKey: 'x'.repeat(20000) }), 'bad_params', /too large/);
  });

  it('refuses impossible requests plainly, before any job starts', async () => {
    const base = { targets: ['10.0.0.5'], bundle: '/nonexistent/se3-agent-1.0.0-linux-arm64.tar', auth: { kind: 'installation-key' } };
    await rejects(api.call('deploy.start', base), 'bad_request', /no SSH key yet: choose "Adopt with the box password"/);
    await rejects(api.call('deploy.start', { ...base, auth: { kind: 'key-file', keyFile: 'key-0123456789abcdef' } }), 'bad_request', /no uploaded key key-0123456789abcdef; upload the key file/);
    // only listed bundles: an existing file elsewhere gets exactly the answer a missing one gets
    const pw = { kind: 'password', password: 'pw' };
    const missing = await api.call('deploy.start', { ...base, auth: pw }).catch((e: Error) => e.message);
    const existing = await api.call('deploy.start', { ...base, bundle: process.execPath, auth: pw }).catch((e: Error) => e.message);
    const outside = miniBundle(join(dir, 'elsewhere'), '1.0.0');
    const realBundle = await api.call('deploy.start', { ...base, bundle: outside, auth: pw }).catch((e: Error) => e.message);
    assert.match(String(missing), /choose an agent bundle from the list/);
    assert.equal(existing, missing);
    assert.equal(realBundle, missing, 'a real bundle outside the bundle folders is refused the same way');
    await rejects(api.call('deploy.job', { jobId: 'deploy-99' }), 'bad_request', /no job deploy-99/);
    assert.deepEqual(await api.call('deploy.jobs', {}), []);
  });

  it('uploaded key files: stored 0600 in a 0700 folder, listed by id and fingerprint, never returned', async () => {
    const pair = generateKeyPair('tech@laptop');
    const k = (await api.call('deploy.uploadKey', { name: 'id_ed25519', privateKey: pair.private })) as { id: string; fingerprint: string; name: string; keyType: string };
    assert.match(k.id, /^key-[0-9a-f]{16}$/);
    assert.match(k.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(k.keyType, 'ssh-ed25519');
    const stored = join(dir, 'deploy', 'keys', k.id);
    assert.equal(readFileSync(stored, 'utf8').trim(), pair.private.trim());
    assert.equal(statSync(stored).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'deploy', 'keys')).mode & 0o777, 0o700);
    assert.equal(statSync(dir).mode & 0o777, 0o700, 'the data dir is private');
    const again = (await api.call('deploy.uploadKey', { name: 'copy', privateKey: pair.private })) as { id: string };
    assert.equal(again.id, k.id, 'the same key keeps its id');
    const list = (await api.call('deploy.keys', {})) as Array<Record<string, unknown>>;
    assert.deepEqual(list.map((x) => x.id), [k.id]);
    assert.ok(!JSON.stringify(list).includes('PRIVATE KEY'), 'the key itself never comes back');
    await rejects(api.call('deploy.uploadKey', { name: 'x', privateKey: 'hello' }), 'bad_request', /not an SSH private key/);
    await rejects(api.call('deploy.uploadKey', { name: 'x.pub', privateKey: pair.public }), 'bad_request', /that is a public key; upload the private key/);
    // a listed bundle signed by a key nobody trusted yet: refused, with the page's way to trust it
    const foreignKey = join(dir, 'foreign-release-key.pem');
    const foreign = miniBundle(join(dir, 'bundles'), '1.0.1', { signingKey: foreignKey });
    const req = { targets: ['127.0.0.1:1'], bundle: foreign, auth: { kind: 'key-file', keyFile: k.id } };
    const listed = ((await api.call('deploy.bundles', {})) as Array<{ path: string; signedBy: string | null; trusted: boolean }>).find((b) => b.path === foreign)!;
    assert.match(listed.signedBy ?? '', /^SHA256:/);
    assert.equal(listed.trusted, false);
    await rejects(api.call('deploy.start', req), 'bad_request', new RegExp(`signed by a key this installation does not trust \\(${listed.signedBy!.replace(/[+/]/g, '\\$&')}\\).*tick "Trust this signing key"`));
    const unsigned = miniBundle(join(dir, 'bundles'), '1.0.2', { signingKey: false });
    await rejects(api.call('deploy.start', { ...req, bundle: unsigned }), 'bad_request', /is not signed/);
    // trusting it explicitly lets the job start (it then fails to connect to the closed port), and it is remembered
    const { jobId } = (await api.call('deploy.start', { ...req, trustBundleKey: listed.signedBy })) as { jobId: string };
    assert.match(jobId, /^deploy-/);
    const after = ((await api.call('deploy.bundles', {})) as Array<{ path: string; trusted: boolean }>).find((b) => b.path === foreign)!;
    assert.equal(after.trusted, true);
    assert.equal(statSync(join(dir, 'trusted-bundle-keys.json')).mode & 0o777, 0o600);
    assert.deepEqual(await api.call('deploy.deleteKey', { id: k.id }), { deleted: true });
    assert.deepEqual(await api.call('deploy.keys', {}), []);
  });

  it('lists pinned host keys (none yet) and pins an accepted one', async () => {
    assert.deepEqual(await api.call('deploy.hostKeys', { targets: ['10.0.0.5', 'root@10.0.0.6:2222'] }), [
      { host: '10.0.0.5', port: 22, fingerprint: null, keyType: null, firstSeen: null },
      { host: '10.0.0.6', port: 2222, fingerprint: null, keyType: null, firstSeen: null },
    ]);
    const fp = `SHA256:${'A'.repeat(43)}`;
    const pinned = (await api.call('deploy.acceptHostKey', { host: '10.0.0.5', port: 22, fingerprint: fp, keyType: 'ssh-ed25519' })) as { fingerprint: string };
    assert.equal(pinned.fingerprint, fp);
    const [k] = (await api.call('deploy.hostKeys', { targets: ['10.0.0.5'] })) as Array<{ fingerprint: string }>;
    assert.equal(k!.fingerprint, fp);
  });
});

describe('deploy API area: jobs on a real box', { timeout: 240_000 }, () => {
  let work = '';
  let dataDir = '';
  let box: TestBox | null = null;
  let ctx: ReturnType<typeof setup> | null = null;
  let bundle = '';
  let ready = false;

  before(async (t) => {
    if (!requireComponent(t as never, 'openssh-server', { file: SSHD_BIN, root: true })) return;
    work = tempDir('api-jobs');
    dataDir = join(work, 'app-data');
    mkdirSync(join(dataDir, 'bundles'), { recursive: true });
    bundle = (await testBundle(join(dataDir, 'bundles'), '2.0.0')).file;
    box = await startBox(join(work, 'other-key'), '127.0.0.42', { authorize: false });
    ctx = setup(dataDir);
    ready = true;
  });

  after(async () => {
    ctx?.api.dispose();
    await ctx?.services.close();
    await box?.cleanup();
    if (work) rmrf(work);
  });

  it('lists the bundle from the data folder', async (t) => {
    if (!ready) return t.skip('no sshd');
    const list = (await ctx!.api.call('deploy.bundles', {})) as Array<{ path: string; version: string; source: string }>;
    const mine = list.find((b) => b.path === bundle);
    assert.ok(mine, JSON.stringify(list));
    assert.equal(mine.version, '2.0.0');
    assert.equal(mine.source, 'data');
  });

  it('adopt job: events, the host key pinned, the report; the password goes nowhere', async (t) => {
    if (!ready) return t.skip('no sshd');
    const { api, events } = ctx!;
    const b = box!;
    const sel = { targets: [`${b.target.host}:${b.target.port}`], user: b.target.user };
    const wrong = (await api.call('deploy.adopt', { ...sel, password: 'not-the-password' })) as { jobId: string };
    const bad = await finished(events, wrong.jobId);
    assert.equal(bad.ok, false);
    assert.match(bad.boxes[0]!.report!.reason!, /password was not accepted/);
    assert.equal(bad.boxes[0]!.hostKey!.status, 'new', 'the first connection pinned the host key');

    const { jobId } = (await api.call('deploy.adopt', { ...sel, password: TEST_PASSWORD, remember: true })) as { jobId: string };
    const done = await finished(events, jobId);
    assert.equal(done.ok, true);
    const r = done.boxes[0]!;
    assert.equal(r.report!.status, 'adopted');
    assert.equal(r.progress, 100);
    assert.equal(r.hostKey!.fingerprint, b.sshd.hostKeyFingerprint());
    assert.equal(r.hostKey!.status, 'known');
    const mine = events.filter((e) => (e.payload as { jobId?: string; id?: string }).jobId === jobId || (e.payload as { id?: string }).id === jobId);
    assert.equal(mine[0]!.event, 'deploy.job', 'the job is announced first');
    assert.ok(mine.some((e) => e.event === 'deploy.box'));
    assert.ok(mine.some((e) => e.event === 'deploy.log'));
    assert.ok(!JSON.stringify(events).includes(TEST_PASSWORD), 'no event carries the password');
    const detail = (await api.call('deploy.job', { jobId })) as JobDetail;
    assert.ok(detail.log.some((l) => /installation key installed/.test(l.message)));
    assert.equal(detail.settings.auth, 'password');
    assert.ok(!JSON.stringify(detail).includes(TEST_PASSWORD));
    const info = (await api.call('deploy.info', {})) as { installationKey: string | null; canRememberPasswords: boolean };
    assert.match(info.installationKey ?? '', /^ssh-ed25519 /);
    assert.equal(info.canRememberPasswords, false, 'site mode keeps no passwords, even when asked');
  });

  it('deploy job: per-box steps and upload progress as events, then the report', async (t) => {
    if (!ready) return t.skip('no sshd');
    const { api, events } = ctx!;
    const b = box!;
    const from = events.length;
    const req = {
      targets: [`${b.target.host}:${b.target.port}`],
      user: b.target.user,
      prefix: b.prefix,
      agentPort: b.agentPort,
      agentArgs: ['--no-mdns'],
      bundle,
      auth: { kind: 'installation-key' },
    };
    const { jobId } = (await api.call('deploy.start', req)) as { jobId: string };
    await rejects(api.call('deploy.start', req), 'bad_request', /is busy in job/);
    const done = await finished(events, jobId);
    assert.equal(done.ok, true, JSON.stringify(done.boxes[0]!.report));
    assert.equal(done.boxes[0]!.report!.status, 'installed');
    assert.equal(done.boxes[0]!.report!.version, '2.0.0');
    const boxEvents = events
      .slice(from)
      .filter((e) => e.event === 'deploy.box' && (e.payload as { jobId: string }).jobId === jobId)
      .map((e) => (e.payload as ApiEvents['deploy.box']).box);
    const phases = [...new Set(boxEvents.map((x) => x.phase))];
    for (const p of ['connect', 'preflight', 'upload', 'verify', 'switch', 'health', 'done']) assert.ok(phases.includes(p as never), `phase ${p} missing: ${phases}`);
    const uploads = boxEvents.filter((x) => x.upload).map((x) => x.upload!);
    assert.ok(uploads.length >= 1);
    assert.equal(uploads[uploads.length - 1]!.percent, 100);
    const progress = boxEvents.map((x) => x.progress);
    assert.deepEqual(progress, [...progress].sort((x, y) => x - y), 'progress never goes back');
    assert.equal(progress[progress.length - 1], 100);
    assert.equal((await http(b.agentPort, '/health')).json.version, '2.0.0');
    const jobs = (await api.call('deploy.jobs', {})) as JobSummary[];
    assert.equal(jobs[0]!.id, jobId, 'newest first');
  });

  it('status, and a changed host key refused until accepted', async (t) => {
    if (!ready) return t.skip('no sshd');
    const { api } = ctx!;
    const b = box!;
    const req = { target: `${b.target.host}:${b.target.port}`, user: b.target.user, prefix: b.prefix, agentPort: b.agentPort };
    const ok = (await api.call('deploy.status', req)) as { ok: true; status: { healthy: boolean; reportedVersion: string } };
    assert.equal(ok.ok, true);
    // the same through an uploaded key file (here: this installation's key, uploaded)
    const up = (await api.call('deploy.uploadKey', { name: 'id_ed25519', privateKey: readFileSync(installationKeyPath(dataDir), 'utf8') })) as { id: string };
    const viaFile = (await api.call('deploy.status', { ...req, auth: { kind: 'key-file', keyFile: up.id } })) as { ok: boolean; status: { healthy: boolean } };
    assert.equal(viaFile.ok, true, JSON.stringify(viaFile));
    assert.equal(viaFile.status.healthy, true);
    assert.equal(ok.status.healthy, true);
    assert.equal(ok.status.reportedVersion, '2.0.0');

    const old = b.sshd.hostKeyFingerprint();
    await b.sshd.stop();
    b.sshd.regenerateHostKey();
    await b.sshd.start();
    const refused = (await api.call('deploy.status', req)) as { ok: false; code: string; hostKey: { stored: string; presented: string; keyType: string } };
    assert.equal(refused.ok, false);
    assert.equal(refused.code, 'host-key-changed');
    assert.deepEqual(refused.hostKey, { stored: old, presented: b.sshd.hostKeyFingerprint(), keyType: 'ssh-ed25519' });
    const rb = (await api.call('deploy.rollback', { targets: [req.target], user: req.user, prefix: req.prefix, agentPort: req.agentPort })) as { jobId: string };
    const rbDone = await finished(ctx!.events, rb.jobId);
    assert.equal(rbDone.boxes[0]!.report!.code, 'host-key-changed');
    assert.equal(rbDone.boxes[0]!.report!.hostKey!.presented, b.sshd.hostKeyFingerprint());

    await api.call('deploy.acceptHostKey', { host: b.target.host, port: b.target.port, fingerprint: refused.hostKey.presented, keyType: refused.hostKey.keyType });
    const after = (await api.call('deploy.status', req)) as { ok: boolean; hostKey: { fingerprint: string; status: string } };
    assert.equal(after.ok, true);
    assert.equal(after.hostKey.fingerprint, b.sshd.hostKeyFingerprint());
    assert.equal(after.hostKey.status, 'known');
  });
  it('desktop: a remembered password adopts a box again when it forgot the key', async (t) => {
    if (!ready) return t.skip('no sshd');
    const b = box!;
    // an encrypted store as the desktop has (its safeStorage side is tested in test/electron/safe-storage)
    const secrets = new Map<string, string>();
    const store: SecretStore = {
      persistent: true,
      get: async (n) => secrets.get(n) ?? null,
      set: async (n, v) => void secrets.set(n, v),
      delete: async (n) => void secrets.delete(n),
    };
    const desk = setup(dataDir, store);
    t.after(async () => {
      desk.api.dispose();
      await desk.services.close();
    });
    assert.equal(((await desk.api.call('deploy.info', {})) as { canRememberPasswords: boolean }).canRememberPasswords, true);
    const sel = { targets: [`${b.target.host}:${b.target.port}`], user: b.target.user };
    const adopted = (await desk.api.call('deploy.adopt', { ...sel, password: TEST_PASSWORD, remember: true })) as { jobId: string };
    assert.equal((await finished(desk.events, adopted.jobId)).ok, true);
    assert.deepEqual([...secrets.entries()], [[`box-password:${b.target.user}@${b.target.host}:${b.target.port}`, TEST_PASSWORD]]);

    writeFileSync(b.sshd.authorizedKeysFile, ''); // the box was reset: it no longer knows this installation's key
    const req = { ...sel, prefix: b.prefix, agentPort: b.agentPort, agentArgs: ['--no-mdns'], bundle, auth: { kind: 'installation-key' } };
    const { jobId } = (await desk.api.call('deploy.start', req)) as { jobId: string };
    const done = await finished(desk.events, jobId);
    assert.equal(done.ok, true, JSON.stringify(done.boxes[0]!.report));
    assert.equal(done.boxes[0]!.report!.status, 'unchanged');
    const detail = (await desk.api.call('deploy.job', { jobId })) as JobDetail;
    assert.ok(detail.log.some((l) => /adopting it again with the remembered password/.test(l.message)), JSON.stringify(detail.log));
    const info = (await desk.api.call('deploy.info', {})) as { installationKey: string };
    assert.ok(readFileSync(b.sshd.authorizedKeysFile, 'utf8').includes(info.installationKey.split(' ')[1]!), 'the key is installed again');
  });
});
