// The other per-box operations: adopt (install this installation's key with the box password),
// rollback (back to the previous release), status, uninstall.
import { openSession, targetLabel, type BoxTarget, type DeployContext } from './connect';
import { DeployError, errorMessage, hostKeyMismatchOf } from './errors';
import { emitter, type BoxReport, type EventSink } from './events';
import { probeOnce, waitHealthy } from './health';
import { ensureInstallationKey } from './keys';
import { gatherFacts } from './preflight';
import { parseKv, rollbackScript, scriptError, statusScript, uninstallScript, type InitSystem } from './remote';
import { noSecretStore, passwordSecretName } from './secret-store';
import { DEFAULT_PREFIX } from './service-files';
import { sq, type SshSession } from './ssh';

export interface BoxOpOptions {
  prefix?: string;
  agentPort?: number;
  healthTimeoutSec?: number;
  init?: 'auto' | InitSystem;
}

function withTarget(t: BoxTarget, o: BoxOpOptions): BoxOpOptions {
  return { ...o, prefix: t.prefix ?? o.prefix, agentPort: t.agentPort ?? o.agentPort };
}

function prefixOf(o: BoxOpOptions): string {
  return (o.prefix ?? DEFAULT_PREFIX).replace(/\/+$/, '') || '/';
}

async function initAndSudo(ssh: SshSession, o: BoxOpOptions): Promise<{ init: InitSystem; sudo: boolean; installedVersion: string | null }> {
  const f = await gatherFacts(ssh, { prefix: prefixOf(o), agentPort: o.agentPort ?? 5555 });
  const canRoot = f.uid === 0 || f.sudo;
  let init: InitSystem = o.init && o.init !== 'auto' ? o.init : f.systemd ? 'systemd' : 'supervisor';
  if (init === 'systemd' && !canRoot) init = 'supervisor';
  return { init, sudo: !f.writable && f.uid !== 0 && f.sudo, installedVersion: f.installedVersion };
}

export interface AdoptResult {
  host: string;
  port: number;
  user: string;
  /** The installation key's public half, now in the box user's ~/.ssh/authorized_keys. */
  publicKey: string;
  alreadyPresent: boolean;
  hostKeyFingerprint: string;
  passwordStored: boolean;
}

/**
 * Logs in once with the box password, appends this installation's public key to the box user's
 * ~/.ssh/authorized_keys, then proves a key login works. The password is held in memory for this
 * call only; it is kept afterwards only in a persistent (encrypted) SecretStore when asked.
 */
export async function adoptBox(
  target: BoxTarget,
  password: string,
  ctx: DeployContext,
  opts: { rememberPassword?: boolean } = {},
  sink?: EventSink,
): Promise<AdoptResult> {
  const host = targetLabel(target);
  const ev = emitter(sink, host);
  const key = ensureInstallationKey(ctx.dataDir);
  ev.step('connect', `logging in to ${target.user ?? 'root'}@${host} with the password`);
  const ssh = await openSession(target, ctx, sink, password);
  let already = false;
  try {
    const script = `set -u
umask 077
mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh" || { echo "ERR:cannot create ~/.ssh"; exit 1; }
f="$HOME/.ssh/authorized_keys"
k=${sq(key.publicKey)}
if [ -f "$f" ] && grep -qxF "$k" "$f"; then echo present=1; exit 0; fi
if [ -s "$f" ] && [ -n "$(tail -c1 "$f")" ]; then echo >> "$f"; fi
printf '%s\\n' "$k" >> "$f" && chmod 600 "$f" && echo present=0 || { echo "ERR:cannot write $f"; exit 1; }
`;
    const r = await ssh.sh(script, { timeoutSec: 30 });
    const why = scriptError(r.stdout);
    if (why || r.code !== 0) throw new DeployError('install-failed', `adopting ${host} failed: ${why ?? r.stderr.trim()}`);
    already = parseKv(r.stdout).present === '1';
  } finally {
    ssh.close();
  }
  ev.step('connect', 'checking that the installation key logs in');
  const check = await openSession(target, { ...ctx, keyFile: key.privateKeyPath }, sink);
  const fp = check.hostKey.fingerprint;
  check.close();
  const store = ctx.secretStore ?? noSecretStore;
  let stored = false;
  if (opts.rememberPassword && store.persistent) {
    await store.set(passwordSecretName(target.user ?? 'root', target.host, target.port ?? 22), password);
    stored = true;
  }
  ev.step('done', already ? 'the key was already installed' : 'key installed; later logins use it');
  return { host: target.host, port: target.port ?? 22, user: target.user ?? 'root', publicKey: key.publicKey, alreadyPresent: already, hostKeyFingerprint: fp, passwordStored: stored };
}

/** Switches back to the previous release (the `previous` link, else the newest other one). */
export async function rollbackBox(target: BoxTarget, ctx: DeployContext, o: BoxOpOptions = {}, sink?: EventSink): Promise<BoxReport> {
  o = withTarget(target, o);
  const started = Date.now();
  const host = targetLabel(target);
  const ev = emitter(sink, host);
  const prefix = prefixOf(o);
  let ssh: SshSession | null = null;
  const base = { host: target.host, port: target.port ?? 22 };
  try {
    ev.step('connect', `connecting to ${host}`);
    ssh = await openSession(target, ctx, sink);
    const { init, sudo, installedVersion } = await initAndSudo(ssh, o);
    ev.step('rollback', 'switching to the previous release');
    const r = await ssh.sh(rollbackScript(prefix, init, o.agentPort ?? 5555, {}), { sudo, timeoutSec: 60 });
    const why = scriptError(r.stdout);
    if (why || r.code !== 0) {
      throw new DeployError(r.code === 3 ? 'nothing-to-roll-back' : 'rollback-failed', `rollback on ${host}: ${why ?? r.stderr.trim()}`);
    }
    const kv = parseKv(r.stdout);
    const to = (kv.to ?? '').replace(/^releases\//, '');
    ev.step('health', `waiting for ${to} to answer`);
    const h = await waitHealthy(ssh, { port: o.agentPort ?? 5555, expectVersion: to, timeoutSec: o.healthTimeoutSec ?? 30 });
    const rep: BoxReport = {
      ...base,
      ok: h.ok,
      status: h.ok ? 'rolled-back' : 'failed',
      version: to,
      previousVersion: installedVersion,
      reason: h.ok ? `rolled back from ${installedVersion} to ${to}` : `rolled back to ${to}, but it does not answer: ${h.reason}`,
      code: h.ok ? undefined : 'health-failed',
      durationMs: Date.now() - started,
    };
    ev.raw({ type: 'done', host, report: rep });
    return rep;
  } catch (err) {
    const rep: BoxReport = { ...base, ok: false, status: 'failed', version: null, previousVersion: null, reason: errorMessage(err), code: err instanceof DeployError ? err.code : undefined, hostKey: hostKeyMismatchOf(err), durationMs: Date.now() - started };
    ev.raw({ type: 'done', host, report: rep });
    return rep;
  } finally {
    ssh?.close();
  }
}

export interface AgentStatus {
  host: string;
  port: number;
  installedVersion: string | null;
  current: string | null;
  previous: string | null;
  releases: string[];
  /** Whether systemd / the supervisor runs the agent. */
  running: boolean;
  init: InitSystem;
  healthy: boolean;
  healthReason?: string;
  reportedVersion?: string;
  devSno?: string | null;
  agentLogTail: string[];
}

export async function agentStatus(target: BoxTarget, ctx: DeployContext, o: BoxOpOptions = {}): Promise<AgentStatus> {
  o = withTarget(target, o);
  const ssh = await openSession(target, ctx);
  try {
    const { init, sudo } = await initAndSudo(ssh, o);
    const r = await ssh.sh(statusScript(prefixOf(o), init), { sudo, timeoutSec: 30 });
    const kv = parseKv(r.stdout);
    const probe = await probeOnce(ssh, o.agentPort ?? 5555);
    return {
      host: target.host,
      port: target.port ?? 22,
      installedVersion: kv.installed_version || null,
      current: kv.current || null,
      previous: kv.previous || null,
      releases: (kv.releases ?? '').split(' ').filter(Boolean),
      running: kv.running === 'active',
      init,
      healthy: probe.reason === null,
      healthReason: probe.reason ?? undefined,
      reportedVersion: probe.version,
      devSno: probe.devSno,
      agentLogTail: (kv.agent_log_tail ?? '').split('|').filter(Boolean),
    };
  } finally {
    ssh.close();
  }
}

export async function uninstallBox(target: BoxTarget, ctx: DeployContext, o: BoxOpOptions & { purge?: boolean } = {}): Promise<{ host: string; removed: boolean; dataKept: boolean }> {
  o = withTarget(target, o);
  const ssh = await openSession(target, ctx);
  try {
    const { init, sudo } = await initAndSudo(ssh, o);
    const r = await ssh.sh(uninstallScript(prefixOf(o), init, !!o.purge), { sudo, timeoutSec: 60 });
    const kv = parseKv(r.stdout);
    if (r.code !== 0 || !kv.uninstalled) throw new DeployError('remote-command-failed', `uninstall on ${targetLabel(target)} failed: ${scriptError(r.stdout) ?? r.stderr.trim()}`);
    return { host: target.host, removed: kv.uninstalled === '1', dataKept: !o.purge };
  } catch (err) {
    throw err instanceof DeployError ? err : new DeployError('remote-command-failed', errorMessage(err));
  } finally {
    ssh.close();
  }
}
