// Preflight: what the box is and whether the bundle can go on it, each failure in plain words.
import type { BundleInfo } from './bundle';
import { UNAME_ARCH } from './bundle';
import { DeployError } from './errors';
import { parseKv, preflightScript, type InitSystem } from './remote';
import type { SshSession } from './ssh';

export interface PreflightCheck {
  name: 'arch' | 'glibc' | 'disk' | 'permissions' | 'init' | 'port' | 'installed' | 'tools';
  ok: boolean;
  /** What was found, in plain words. */
  detail: string;
}

export interface BoxFacts {
  arch: string;
  glibc: string;
  user: string;
  uid: number;
  freeBytes: number;
  writable: boolean;
  sudo: boolean;
  systemd: boolean;
  installedVersion: string | null;
  current: string | null;
  previous: string | null;
  releases: string[];
  portHolder: { pid: number | null; exe: string | null; cmd: string | null; line: string } | null;
  ourAgentHoldsPort: boolean;
  missingTools: string[];
}

export interface PreflightResult {
  ok: boolean;
  checks: PreflightCheck[];
  facts: BoxFacts;
  init: InitSystem;
  useSudo: boolean;
}

export interface PreflightOptions {
  prefix: string;
  agentPort: number;
  /** 'auto' (default): systemd when the box runs it, else the supervisor fallback. */
  init?: 'auto' | InitSystem;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number(x) || 0);
  const pb = b.split('.').map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export async function gatherFacts(ssh: SshSession, opts: PreflightOptions): Promise<BoxFacts> {
  const r = await ssh.sh(preflightScript(opts.prefix, opts.agentPort), { timeoutSec: 30 });
  const kv = parseKv(r.stdout);
  if (kv.done !== '1') throw new DeployError('preflight-failed', `the preflight script did not run on ${ssh.label}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  const pid = kv.port_pid ? Number(kv.port_pid) : null;
  const holder = kv.port_line ? { pid, exe: kv.port_exe || null, cmd: kv.port_cmd?.trim() || null, line: kv.port_line } : null;
  const ours =
    !!holder &&
    ((!!holder.exe && holder.exe.startsWith(`${opts.prefix}/releases/`)) ||
      (!!holder.cmd && holder.cmd.includes(`${opts.prefix}/releases/`)) ||
      (pid !== null && kv.agent_pid === String(pid)));
  return {
    arch: kv.arch ?? '',
    glibc: kv.glibc ?? '',
    user: kv.user ?? '',
    uid: Number(kv.uid ?? -1),
    freeBytes: Number(kv.free_kb ?? 0) * 1024,
    writable: kv.writable === '1',
    sudo: kv.sudo === '1',
    systemd: kv.systemd === '1',
    installedVersion: kv.installed_version || null,
    current: kv.current || null,
    previous: kv.previous || null,
    releases: (kv.releases ?? '').split(' ').filter(Boolean),
    portHolder: holder,
    ourAgentHoldsPort: ours,
    missingTools: (kv.missing_tools ?? '').split(' ').filter(Boolean),
  };
}

export async function preflight(ssh: SshSession, bundle: BundleInfo, opts: PreflightOptions): Promise<PreflightResult> {
  const f = await gatherFacts(ssh, opts);
  const m = bundle.manifest;
  const checks: PreflightCheck[] = [];
  const wantArch = UNAME_ARCH[m.arch];
  checks.push({
    name: 'arch',
    ok: f.arch === wantArch,
    detail:
      f.arch === wantArch
        ? `${f.arch}, matches the ${m.arch} bundle`
        : `the box is ${f.arch || 'unknown'} but the bundle is for ${wantArch} (${m.arch}); build the right one with \`npm run build:agent -- --arch ${f.arch === 'aarch64' ? 'arm64' : 'x64'}\``,
  });
  const glibcOk = !!f.glibc && compareVersions(f.glibc, m.minGlibc) >= 0;
  checks.push({
    name: 'glibc',
    ok: glibcOk,
    detail: f.glibc
      ? glibcOk
        ? `glibc ${f.glibc} (the bundle needs ≥ ${m.minGlibc})`
        : `glibc ${f.glibc} is too old: the bundle's Node runtime and native modules need glibc ${m.minGlibc} or newer; update the box's OS image`
      : `cannot tell the glibc version (getconf GNU_LIBC_VERSION and ldd gave nothing); the box may use musl, which the bundle does not support`,
  });
  const need = Math.max(2 * bundle.size, bundle.size + m.unpackedSize);
  checks.push({
    name: 'disk',
    ok: f.freeBytes >= need,
    detail:
      f.freeBytes >= need
        ? `${mb(f.freeBytes)} free under ${opts.prefix} (needs ${mb(need)})`
        : `not enough disk space under ${opts.prefix}: ${mb(f.freeBytes)} free, the update needs ${mb(need)} (the upload plus the unpacked release); free space or pick another --prefix`,
  });
  const useSudo = !f.writable && f.uid !== 0 && f.sudo;
  let init: InitSystem = opts.init && opts.init !== 'auto' ? opts.init : f.systemd ? 'systemd' : 'supervisor';
  const canRoot = f.uid === 0 || f.sudo;
  if (init === 'systemd' && !canRoot) init = 'supervisor';
  checks.push({
    name: 'permissions',
    ok: f.writable || f.uid === 0 || f.sudo,
    detail:
      f.writable || f.uid === 0
        ? `user ${f.user} can write ${opts.prefix}`
        : f.sudo
          ? `user ${f.user} will use sudo to write ${opts.prefix}`
          : `user ${f.user} cannot write ${opts.prefix} and has no password-less sudo; deploy as root, or choose a --prefix the user owns`,
  });
  checks.push({
    name: 'init',
    ok: true,
    detail:
      init === 'systemd'
        ? 'systemd runs on the box: the agent is installed as se3-agent.service'
        : f.systemd
          ? `systemd runs, but ${f.user} is not root and has no sudo: the supervisor fallback keeps the agent running (not started at boot)`
          : 'no systemd on the box: a supervisor script (setsid/nohup, pid file in <prefix>/run) keeps the agent running',
  });
  const holder = f.portHolder;
  checks.push({
    name: 'port',
    ok: !holder || f.ourAgentHoldsPort,
    detail: !holder
      ? `port ${opts.agentPort} is free`
      : f.ourAgentHoldsPort
        ? `port ${opts.agentPort} is held by the installed agent (it will be restarted)`
        : holder.pid
          ? `port ${opts.agentPort} is held by another program: ${holder.cmd || holder.exe || 'unknown'} (pid ${holder.pid}) — the vendor firmware? Stop it first, or deploy with another agent port`
          : `port ${opts.agentPort} is held by a program user ${f.user} cannot see (run as root to find out); free the port first`,
  });
  checks.push({
    name: 'installed',
    ok: true,
    detail: f.installedVersion ? `agent ${f.installedVersion} is installed (${f.current})` : 'no agent installed yet',
  });
  const needed = f.missingTools.filter((t) => t !== 'xz' || bundle.format === 'tar+xz');
  checks.push({
    name: 'tools',
    ok: needed.length === 0,
    detail: needed.length
      ? `the box lacks ${needed.join(', ')}; install ${needed.includes('xz') ? 'xz-utils / ' : ''}them first${needed.includes('xz') ? ', or deploy a bundle built with --compress gzip' : ''}`
      : `tar, ${bundle.format === 'tar+xz' ? 'xz' : 'gzip'}, sha256sum, setsid present`,
  });
  return { ok: checks.every((c) => c.ok), checks, facts: f, init, useSudo };
}
