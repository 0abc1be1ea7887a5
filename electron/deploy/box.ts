// Deploying to one box: connect → preflight → upload (SFTP, progress) → verify sha256 → unpack
// into releases/<version> → switch `current` → restart → health check → prune; any failure after
// the switch rolls back to the previous release automatically and reports why.
import { readBundle, requireTrustedBundle, type VerifiedBundleInfo } from './bundle-verify';
import { VERIFY_EXIT_CODES, type BoxVerify } from './box-verify';
import { openSession, targetLabel, type BoxTarget, type DeployContext } from './connect';
import { DeployError, errorMessage, hostKeyMismatchOf } from './errors';
import { emitter, type BoxReport, type EventSink } from './events';
import { waitHealthy } from './health';
import { preflight, type PreflightOptions } from './preflight';
import { activateScript, abandonScript, logTailScript, parseKv, prepareUploadScript, pruneScript, rollbackScript, scriptError, unpackScript, type InitSystem } from './remote';
import { DEFAULT_PREFIX } from './service-files';
import type { SshSession } from './ssh';

/** Seconds the previous release gets to answer again after an automatic rollback (the default health wait). */
const ROLLBACK_HEALTH_MIN_SEC = 30;

export interface DeployOptions {
  /** Path of the agent bundle (.tar.gz from `npm run build:agent`). */
  bundle: string;
  /** Install prefix on the box (default /opt/se3-agent). */
  prefix?: string;
  /** The agent's HTTP port on the box (default 5555). */
  agentPort?: number;
  /** Seconds the new release has to answer /health and /SophonMQ/api/DevSno (default 30). */
  healthTimeoutSec?: number;
  /** Releases kept on the box (default 3). */
  keepReleases?: number;
  /** Init system: 'auto' (default), 'systemd' or 'supervisor'. */
  init?: PreflightOptions['init'];
  /** Extra agent arguments written to <prefix>/agent.env (e.g. ['--no-mdns']). */
  agentArgs?: string[];
  /** Signing-key fingerprints trusted explicitly for this deploy (and remembered); see ./trust.ts. */
  trustBundleKeys?: string[];
}

interface Resolved {
  prefix: string;
  agentPort: number;
  healthTimeoutSec: number;
  keepReleases: number;
  agentArgs: string[];
}

function resolve(o: Partial<DeployOptions>): Resolved {
  return {
    prefix: (o.prefix ?? DEFAULT_PREFIX).replace(/\/+$/, '') || '/',
    agentPort: o.agentPort ?? 5555,
    healthTimeoutSec: o.healthTimeoutSec ?? 30,
    keepReleases: o.keepReleases ?? 3,
    agentArgs: o.agentArgs ?? [],
  };
}

/** The report of a box whose operation failed with `err` (plain reason, code, host-key details). */
export function failedReport(target: BoxTarget, started: number, err: unknown, extra: Partial<BoxReport> = {}): BoxReport {
  return {
    host: target.host,
    port: target.port ?? 22,
    ok: false,
    status: 'failed',
    version: null,
    previousVersion: null,
    reason: errorMessage(err),
    code: err instanceof DeployError ? err.code : undefined,
    hostKey: hostKeyMismatchOf(err),
    durationMs: Date.now() - started,
    ...extra,
  };
}

async function run(ssh: SshSession, script: string, sudo: boolean, what: string, timeoutSec = 120): Promise<Record<string, string>> {
  const r = await ssh.sh(script, { sudo, timeoutSec });
  const why = scriptError(r.stdout);
  if (why || r.code !== 0) {
    throw new DeployError('install-failed', `${what} failed on ${ssh.target.host}: ${why ?? (r.stderr.trim().slice(0, 400) || `exit ${r.code}`)}`);
  }
  return parseKv(r.stdout);
}

function versionOfRelease(link: string | null | undefined): string | null {
  return link ? link.replace(/^releases\//, '') : null;
}

export async function deployBox(target: BoxTarget, ctx: DeployContext, options: DeployOptions, sink?: EventSink): Promise<BoxReport> {
  const started = Date.now();
  const host = targetLabel(target);
  const ev = emitter(sink, host);
  const o = resolve({ ...options, prefix: target.prefix ?? options.prefix, agentPort: target.agentPort ?? options.agentPort });
  const finish = (r: BoxReport): BoxReport => {
    ev.raw({ type: 'done', host, report: r });
    return r;
  };
  let bundle: VerifiedBundleInfo;
  let boxVerify: BoxVerify;
  try {
    bundle = await readBundle(options.bundle);
    const signer = requireTrustedBundle(bundle, ctx.dataDir, { trustBundleKeys: options.trustBundleKeys });
    const nodeSha256 = bundle.manifest.files['node/bin/node'];
    if (!nodeSha256) throw new DeployError('bad-bundle', `${bundle.fileName} has no Node runtime (node/bin/node); build it with \`npm run build:agent\``);
    boxVerify = { publicKey: signer.publicKey, nodeSha256 };
  } catch (err) {
    return finish(failedReport(target, started, err));
  }
  const version = bundle.manifest.version;
  let ssh: SshSession | null = null;
  let switched = false;
  let oldLink: string | null = null;
  let oldVersion: string | null = null;
  let init: InitSystem = 'supervisor';
  let sudo = false;
  try {
    ev.step('connect', `connecting to ${target.user ?? 'root'}@${host}`);
    ssh = await openSession(target, ctx, sink);
    ev.step('preflight', 'checking the box');
    const pf = await preflight(ssh, bundle, { prefix: o.prefix, agentPort: o.agentPort, init: options.init });
    ev.raw({ type: 'preflight', host, checks: pf.checks });
    oldVersion = pf.facts.installedVersion;
    if (!pf.ok) {
      const bad = pf.checks.filter((c) => !c.ok).map((c) => c.detail);
      throw new DeployError('preflight-failed', `preflight refused ${host}: ${bad.join('; ')}`, { checks: pf.checks });
    }
    init = pf.init;
    sudo = pf.useSudo;

    ev.step('upload', `uploading ${bundle.fileName} (${(bundle.size / 1e6).toFixed(1)} MB)`);
    const up = await run(ssh, prepareUploadScript(o.prefix, sudo), false, 'preparing the upload');
    const staged = `${up.dir}/${bundle.fileName}.part`;
    await ssh.upload(bundle.path, staged, (p) => ev.raw({ type: 'upload', host, ...p }));

    ev.step('verify', 'verifying sha256 and unpacking on the box');
    const un = await ssh.sh(unpackScript(o.prefix, staged, bundle.sha256, version, bundle.format), { sudo, timeoutSec: 300 });
    const unErr = scriptError(un.stdout);
    if (unErr || un.code !== 0) {
      throw new DeployError(un.code === 10 ? 'checksum-mismatch' : 'install-failed', `${host}: ${unErr ?? (un.stderr.trim() || `unpack exit ${un.code}`)}`);
    }
    ev.step('unpack', parseKv(un.stdout).unpack === 'reused' ? `release ${version} already on the box, reused` : `unpacked into ${o.prefix}/releases/${version}`);

    ev.step('switch', `checking ${version} on the box against its signed manifest, then switching ${o.prefix}/current to it and restarting (${init})`);
    switched = true; // from here on, a failure rolls back (unless the check refused before the switch)
    const actRun = await ssh.sh(activateScript(o.prefix, version, init, o.agentPort, o.agentArgs, boxVerify), { sudo, timeoutSec: 300 });
    const actErr = scriptError(actRun.stdout);
    if (actRun.code !== null && VERIFY_EXIT_CODES.has(actRun.code)) {
      switched = false; // refused before anything was stopped or switched
      throw new DeployError('box-verify-failed', `${host}: ${actErr ?? `release check exit ${actRun.code}`}`);
    }
    oldLink = parseKv(actRun.stdout).old || null; // known even when the restart failed, so recover rolls back to it
    if (actErr || actRun.code !== 0) {
      throw new DeployError('install-failed', `switching and restarting failed on ${host}: ${actErr ?? (actRun.stderr.trim().slice(0, 400) || `exit ${actRun.code}`)}`);
    }

    ev.step('health', `waiting up to ${o.healthTimeoutSec} s for /health and /SophonMQ/api/DevSno`);
    const health = await waitHealthy(ssh, { port: o.agentPort, expectVersion: version, timeoutSec: o.healthTimeoutSec });
    if (!health.ok) throw new DeployError('health-failed', `${version} failed its health check: ${health.reason}`);

    ev.step('prune', `keeping the last ${o.keepReleases} releases`);
    const pr = await run(ssh, pruneScript(o.prefix, o.keepReleases), sudo, 'pruning old releases').catch((err) => {
      ev.log('warn', errorMessage(err));
      return {} as Record<string, string>;
    });
    if (pr.pruned) ev.log('info', `removed old release(s)`);
    const status = oldVersion === null ? 'installed' : oldVersion === version ? 'unchanged' : 'updated';
    ev.step('done', `${version} is running and healthy (${status})`);
    return finish({
      host: target.host,
      port: target.port ?? 22,
      ok: true,
      status,
      version,
      previousVersion: oldVersion,
      checks: pf.checks,
      durationMs: Date.now() - started,
    });
  } catch (err) {
    if (!switched) return finish(failedReport(target, started, err, { version: oldVersion, previousVersion: oldVersion }));
    return finish(await recover(target, ctx, ssh, err, { o, init, sudo, version, oldLink, oldVersion, started, sink }));
  } finally {
    ssh?.close();
  }
}

/** After a failure past the switch: go back to the previous release (reconnecting if needed). */
async function recover(
  target: BoxTarget,
  ctx: DeployContext,
  ssh0: SshSession | null,
  cause: unknown,
  s: { o: Resolved; init: InitSystem; sudo: boolean; version: string; oldLink: string | null; oldVersion: string | null; started: number; sink?: EventSink },
): Promise<BoxReport> {
  const host = targetLabel(target);
  const ev = emitter(s.sink, host);
  const reason = errorMessage(cause);
  let ssh = ssh0;
  const own: SshSession[] = [];
  try {
    if (!ssh || ssh.isClosed) {
      ev.log('warn', `${reason}; reconnecting to roll back`);
      ssh = await openSession(target, ctx, s.sink);
      own.push(ssh);
    }
    const logTail = (await ssh.sh(logTailScript(s.o.prefix, s.init), { sudo: s.sudo, timeoutSec: 20 }).catch(() => null))?.stdout.trim();
    const failedLink = `releases/${s.version}`;
    if (!s.oldLink || s.oldLink === failedLink) {
      ev.step('rollback', 'no earlier release on the box: stopping the failed agent');
      if (!s.oldLink) await run(ssh, abandonScript(s.o.prefix, s.init, failedLink), s.sudo, 'removing the failed release');
      return failedReport(target, s.started, new DeployError('rollback-failed', `${reason}; there was no earlier release to go back to, so the agent was stopped and removed`), {
        agentLog: logTail,
        code: cause instanceof DeployError ? cause.code : 'health-failed',
      });
    }
    ev.step('rollback', `rolling back to ${versionOfRelease(s.oldLink)}: ${reason}`);
    await run(ssh, rollbackScript(s.o.prefix, s.init, s.o.agentPort, { target: s.oldLink, dropFailed: failedLink, agentArgs: s.o.agentArgs }), s.sudo, 'rolling back');
    // The release that answered before gets at least the default wait to come back, whatever (short)
    // --health-timeout was given for the new one: an agent takes seconds to start on a busy box, and
    // giving up early reports a failed rollback for a box whose old agent is about to answer.
    const back = await waitHealthy(ssh, { port: s.o.agentPort, expectVersion: s.oldVersion ?? undefined, timeoutSec: Math.max(s.o.healthTimeoutSec, ROLLBACK_HEALTH_MIN_SEC) });
    if (!back.ok) {
      return failedReport(target, s.started, new DeployError('rollback-failed', `${reason}; rolled back to ${s.oldVersion}, but it does not answer either: ${back.reason}`), {
        agentLog: logTail,
        version: s.oldVersion,
      });
    }
    ev.step('done', `rolled back: ${s.oldVersion} is running again`);
    return {
      host: target.host,
      port: target.port ?? 22,
      ok: false,
      status: 'rolled-back',
      version: s.oldVersion,
      previousVersion: s.oldVersion,
      reason: `${reason}; rolled back to ${s.oldVersion}, which answers again`,
      code: cause instanceof DeployError ? cause.code : 'health-failed',
      agentLog: logTail,
      durationMs: Date.now() - s.started,
    };
  } catch (err) {
    return failedReport(target, s.started, new DeployError('rollback-failed', `${reason}; the automatic rollback failed too: ${errorMessage(err)}`));
  } finally {
    for (const x of own) x.close();
  }
}
