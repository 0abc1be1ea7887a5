// The shell scripts the deploy service runs on a box (POSIX sh + coreutils/tar/gzip, which every
// SE3 box and ordinary Linux has). Each prints `key=value` lines the service parses, and fails
// with `ERR:<plain reason>` on stdout and a non-zero exit.
//
// Box layout under the prefix:
//   releases/<version>/   unpacked bundles (manifest.json, SHA256SUMS, bin/se3-agent, ...)
//   current -> releases/<v>   the running release (switched atomically: ln -s tmp + mv -T)
//   previous -> releases/<v>  what `rollback` goes back to
//   data/                 the agent's data dir (DevSno, LoginUrl, ...), kept across versions
//   agent.env             SE3_AGENT_PORT / SE3_AGENT_DATA for the launcher
//   run/                  supervisor.sh, pid files, agent.log (no-systemd fallback)
//   incoming/             upload staging (a cut upload leaves only a .part file here)
import { boxVerifyShell, type BoxVerify } from './box-verify';
import { renderSupervisor, renderUnit, UNIT_NAME } from './service-files';
import { sq } from './ssh';

export type InitSystem = 'systemd' | 'supervisor';

// alive PID: the process exists and is not a zombie waiting for init to reap it.
const HEAD = `set -u
export LC_ALL=C PATH="$PATH:/usr/sbin:/sbin"
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
`;

export function parseKv(out: string): Record<string, string> {
  const kv: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv[line.slice(0, i)] = line.slice(i + 1);
  }
  return kv;
}

/** The `ERR:` reason a script printed, if any. */
export function scriptError(out: string): string | null {
  const line = out.split('\n').find((l) => l.startsWith('ERR:'));
  return line ? line.slice(4) : null;
}

export function preflightScript(prefix: string, agentPort: number): string {
  return `${HEAD}P=${sq(prefix)}; PORT=${agentPort}
echo "arch=$(uname -m)"
g=$(getconf GNU_LIBC_VERSION 2>/dev/null | grep -o '[0-9][0-9]*\\.[0-9][0-9]*' | head -n1)
[ -n "$g" ] || g=$(ldd --version 2>&1 | head -n1 | grep -o '[0-9][0-9]*\\.[0-9][0-9]*' | tail -n1)
echo "glibc=$g"
echo "uid=$(id -u)"
echo "user=$(id -un)"
d="$P"; while [ ! -d "$d" ]; do d=$(dirname "$d"); done
echo "existing=$d"
echo "free_kb=$(df -Pk "$d" 2>/dev/null | awk 'NR==2{print $4}')"
if [ -w "$d" ]; then echo writable=1; else echo writable=0; fi
if [ "$(id -u)" != 0 ] && sudo -n true 2>/dev/null; then echo sudo=1; else echo sudo=0; fi
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then echo systemd=1; else echo systemd=0; fi
missing=""; for t in tar gzip xz sha256sum df ln mv setsid nohup; do command -v $t >/dev/null 2>&1 || missing="$missing $t"; done
echo "missing_tools=$missing"
if command -v ss >/dev/null 2>&1; then
  line=$(ss -Hltnp "sport = :$PORT" 2>/dev/null | head -n1)
  echo "port_tool=ss"
elif command -v netstat >/dev/null 2>&1; then
  line=$(netstat -ltnp 2>/dev/null | awk -v p=":$PORT" '$4 ~ p"$" {print; exit}')
  echo "port_tool=netstat"
else line=""; echo "port_tool="; fi
echo "port_line=$line"
pid=$(echo "$line" | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)
[ -n "$pid" ] || pid=$(echo "$line" | grep -o ' [0-9][0-9]*/' | head -n1 | tr -d ' /')
if [ -n "$pid" ]; then
  echo "port_pid=$pid"
  echo "port_exe=$(readlink /proc/$pid/exe 2>/dev/null)"
  echo "port_cmd=$(tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null | cut -c1-200)"
fi
[ -f "$P/run/agent.pid" ] && echo "agent_pid=$(cat "$P/run/agent.pid" 2>/dev/null)"
if [ -f "$P/current/manifest.json" ]; then
  echo "installed_version=$(grep -o '"version": *"[^"]*"' "$P/current/manifest.json" | head -n1 | sed 's/.*: *"//; s/"$//')"
fi
echo "current=$(readlink "$P/current" 2>/dev/null)"
echo "previous=$(readlink "$P/previous" 2>/dev/null)"
echo "releases=$(ls -1 "$P/releases" 2>/dev/null | grep -v '^\\.' | tr '\\n' ' ')"
echo "done=1"
`;
}

/** Where the upload goes: <prefix>/incoming (created here), or the user's temp dir when sudo is used. */
export function prepareUploadScript(prefix: string, useSudo: boolean): string {
  if (useSudo) return `${HEAD}d=$(mktemp -d /tmp/se3-agent-upload.XXXXXX) || exit 1\necho "dir=$d"\n`;
  return `${HEAD}P=${sq(prefix)}
mkdir -p "$P/incoming" || { echo "ERR:cannot create $P/incoming"; exit 1; }
rm -f "$P/incoming/"*.part 2>/dev/null
echo "dir=$P/incoming"
`;
}

/**
 * Verifies the uploaded tarball's sha256 and unpacks it into releases/<version> (not yet active).
 * The archive hash covers every byte of every file; the per-file sums in SHA256SUMS stay in the
 * release for a later `sha256sum -c` (not repeated here: it costs CPU the box needs while updating).
 */
export function unpackScript(prefix: string, staged: string, sha256: string, version: string, format: 'tar.gz' | 'tar+xz' = 'tar.gz'): string {
  const extract =
    format === 'tar.gz' ? 'tar -xzf "$T" -C "$tmp"' : 'tar -xOf "$T" payload.tar.xz | xz -dc | tar -xf - -C "$tmp"';
  return `${HEAD}P=${sq(prefix)}; T=${sq(staged)}; SHA=${sq(sha256)}; V=${sq(version)}
mkdir -p "$P/releases" "$P/data" "$P/run" || { echo "ERR:cannot create directories under $P"; exit 1; }
got=$(sha256sum "$T" | cut -d' ' -f1)
if [ "$got" != "$SHA" ]; then rm -f "$T"; echo "ERR:the uploaded bundle is corrupt (sha256 $got on the box, $SHA here); nothing was changed, run the deploy again"; exit 10; fi
R="$P/releases/$V"
if [ -d "$R" ]; then
  if [ "$(cat "$R/.bundle-sha256" 2>/dev/null)" = "$SHA" ]; then echo "unpack=reused"; rm -f "$T"; touch "$R"; exit 0; fi
  if [ "$(readlink "$P/current")" = "releases/$V" ]; then
    rm -f "$T"; echo "ERR:version $V is running on the box with different contents; build the bundle with a new version"; exit 11
  fi
  rm -rf "$R"
fi
tmp="$P/releases/.unpack-$V-$$"
rm -rf "$tmp"; mkdir -p "$tmp"
if ! { ${extract}; } 2>"$P/run/unpack.err" || [ -s "$P/run/unpack.err" ]; then rm -rf "$tmp"; rm -f "$T"; echo "ERR:unpacking failed: $(head -c 300 "$P/run/unpack.err")"; exit 12; fi
[ -f "$tmp/manifest.json" ] && [ -x "$tmp/bin/se3-agent" ] || { rm -rf "$tmp"; rm -f "$T"; echo "ERR:the bundle lacks manifest.json or bin/se3-agent"; exit 13; }
echo "$SHA" > "$tmp/.bundle-sha256"
mv -T "$tmp" "$R" || { rm -rf "$tmp"; echo "ERR:cannot move the release into place"; exit 14; }
rm -f "$T"
echo "unpack=done"
`;
}

function stopScriptBody(init: InitSystem): string {
  const supervisorStop = `if [ -f "$P/run/supervisor.pid" ]; then
  sp=$(cat "$P/run/supervisor.pid")
  if [ -n "$sp" ] && alive "$sp"; then
    kill -TERM "-$sp" 2>/dev/null || kill -TERM "$sp" 2>/dev/null
    i=0; while alive "$sp" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
    kill -KILL "-$sp" 2>/dev/null
  fi
  rm -f "$P/run/supervisor.pid"
fi
if [ -f "$P/run/agent.pid" ]; then ap=$(cat "$P/run/agent.pid"); [ -n "$ap" ] && kill -TERM "$ap" 2>/dev/null; rm -f "$P/run/agent.pid"; fi
`;
  if (init === 'systemd') return `systemctl stop ${UNIT_NAME} 2>/dev/null\n${supervisorStop}`;
  return supervisorStop;
}

/** Writes agent.env and the service files, then (re)starts the agent on what `current` points to. */
/** `agentArgs` undefined (the rollback command): keep the box's agent.env as the last deploy wrote it. */
function startScriptBody(prefix: string, init: InitSystem, agentPort: number, agentArgs?: string[]): string {
  const args = agentArgs ?? [];
  const env = `SE3_AGENT_PORT=${agentPort}\nSE3_AGENT_DATA=${prefix}/data\n${args.length ? `SE3_AGENT_ARGS="${args.join(' ')}"\n` : ''}`;
  let s = `mkdir -p "$P/run" "$P/data"
${agentArgs === undefined ? '[ -f "$P/agent.env" ] || ' : ''}{ printf '%s' ${sq(env)} > "$P/agent.env.new" && mv -f "$P/agent.env.new" "$P/agent.env"; }
`;
  if (init === 'systemd') {
    s += `printf '%s' ${sq(renderUnit(prefix))} > /etc/systemd/system/${UNIT_NAME}.new && mv -f /etc/systemd/system/${UNIT_NAME}.new /etc/systemd/system/${UNIT_NAME} || { echo "ERR:cannot write /etc/systemd/system/${UNIT_NAME}"; exit 20; }
systemctl daemon-reload && systemctl enable ${UNIT_NAME} >/dev/null 2>&1
systemctl restart ${UNIT_NAME} || { echo "ERR:systemctl restart ${UNIT_NAME} failed: $(systemctl status ${UNIT_NAME} 2>&1 | tail -n 5 | tr '\\n' ' ')"; exit 21; }
echo "started=systemd"
`;
  } else {
    s += `printf '%s' ${sq(renderSupervisor(prefix))} > "$P/run/supervisor.sh"
: >> "$P/run/agent.log"
setsid nohup /bin/sh "$P/run/supervisor.sh" >> "$P/run/supervisor.log" 2>&1 < /dev/null &
i=0; while [ ! -s "$P/run/supervisor.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -s "$P/run/supervisor.pid" ] || { echo "ERR:the supervisor did not start: $(tail -c 300 "$P/run/supervisor.log")"; exit 22; }
echo "started=supervisor"
`;
  }
  return s;
}

/**
 * Points `current` at releases/<version> (and `previous` at the old current), then restarts.
 * With `verify`, the release is first checked against the signed manifest (./box-verify.ts):
 * a failure exits 30–33 before anything was stopped or switched.
 */
export function activateScript(prefix: string, version: string, init: InitSystem, agentPort: number, agentArgs: string[] = [], verify?: BoxVerify): string {
  return `${HEAD}P=${sq(prefix)}; V=${sq(version)}
[ -d "$P/releases/$V" ] || { echo "ERR:release $V is not unpacked on the box"; exit 1; }
${verify ? boxVerifyShell(verify) : ''}old=$(readlink "$P/current" 2>/dev/null)
echo "old=$old"
${stopScriptBody(init)}
ln -sfn "releases/$V" "$P/.current.new" && mv -T "$P/.current.new" "$P/current" || { echo "ERR:cannot switch the current link"; exit 2; }
if [ -n "$old" ] && [ "$old" != "releases/$V" ]; then ln -sfn "$old" "$P/.previous.new" && mv -T "$P/.previous.new" "$P/previous"; fi
touch "$P/releases/$V"
echo "switched=releases/$V"
${startScriptBody(prefix, init, agentPort, agentArgs)}`;
}

/**
 * Goes back to `target` (a "releases/<v>" link value) after a failed switch, or — for the
 * rollback command — to `previous`. `dropFailed` removes the release that failed.
 */
export function rollbackScript(prefix: string, init: InitSystem, agentPort: number, opts: { target?: string; dropFailed?: string; agentArgs?: string[] }): string {
  const pick = opts.target
    ? `to=${sq(opts.target)}`
    : `to=$(readlink "$P/previous" 2>/dev/null)
if [ -z "$to" ] || [ ! -d "$P/$to" ]; then
  cur=$(readlink "$P/current" 2>/dev/null)
  to=""; for r in $(ls -1t "$P/releases" 2>/dev/null | grep -v '^\\.'); do [ "releases/$r" = "$cur" ] && continue; to="releases/$r"; break; done
fi`;
  return `${HEAD}P=${sq(prefix)}
${pick}
[ -n "$to" ] && [ -d "$P/$to" ] || { echo "ERR:no earlier release to roll back to"; exit 3; }
cur=$(readlink "$P/current" 2>/dev/null)
echo "from=$cur"
echo "to=$to"
${stopScriptBody(init)}
ln -sfn "$to" "$P/.current.new" && mv -T "$P/.current.new" "$P/current" || { echo "ERR:cannot switch the current link"; exit 2; }
${opts.dropFailed ? `rm -rf "$P/"${sq(opts.dropFailed)}; rm -f "$P/previous"` : `[ -n "$cur" ] && ln -sfn "$cur" "$P/.previous.new" && mv -T "$P/.previous.new" "$P/previous"`}
${startScriptBody(prefix, init, agentPort, opts.agentArgs)}`;
}

/** After a failed fresh install: nothing to go back to, so stop and unlink (the release goes). */
export function abandonScript(prefix: string, init: InitSystem, failed: string): string {
  return `${HEAD}P=${sq(prefix)}
${stopScriptBody(init)}
${init === 'systemd' ? `systemctl disable ${UNIT_NAME} >/dev/null 2>&1` : ''}
rm -f "$P/current"; rm -rf "$P/"${sq(failed)}
echo "abandoned=1"
`;
}

/** Deletes all but the `keep` newest releases (never current or previous). */
export function pruneScript(prefix: string, keep: number): string {
  return `${HEAD}P=${sq(prefix)}
cur=$(readlink "$P/current" 2>/dev/null); prev=$(readlink "$P/previous" 2>/dev/null)
n=0
for r in $(ls -1t "$P/releases" 2>/dev/null | grep -v '^\\.'); do
  n=$((n+1))
  [ "releases/$r" = "$cur" ] && continue
  [ "releases/$r" = "$prev" ] && continue
  if [ $n -gt ${keep} ]; then rm -rf "$P/releases/$r" && echo "pruned=$r"; fi
done
rm -rf "$P/releases/".unpack-* 2>/dev/null
echo "kept=$(ls -1 "$P/releases" | tr '\\n' ' ')"
`;
}

export function statusScript(prefix: string, init: InitSystem): string {
  return `${HEAD}P=${sq(prefix)}
if [ -f "$P/current/manifest.json" ]; then
  echo "installed_version=$(grep -o '"version": *"[^"]*"' "$P/current/manifest.json" | head -n1 | sed 's/.*: *"//; s/"$//')"
fi
echo "current=$(readlink "$P/current" 2>/dev/null)"
echo "previous=$(readlink "$P/previous" 2>/dev/null)"
echo "releases=$(ls -1 "$P/releases" 2>/dev/null | grep -v '^\\.' | tr '\\n' ' ')"
${
  init === 'systemd'
    ? `echo "running=$(systemctl is-active ${UNIT_NAME} 2>/dev/null)"`
    : `sp=$(cat "$P/run/supervisor.pid" 2>/dev/null); if [ -n "$sp" ] && alive "$sp"; then echo running=active; else echo running=inactive; fi`
}
echo "agent_log_tail=$(tail -n 5 "$P/run/agent.log" 2>/dev/null | tr '\\n' '|' | cut -c1-600)"
`;
}

export function logTailScript(prefix: string, init: InitSystem, lines = 15): string {
  if (init === 'systemd') return `journalctl -u ${UNIT_NAME} -n ${lines} --no-pager 2>/dev/null || tail -n ${lines} ${sq(`${prefix}/run/agent.log`)}\n`;
  return `tail -n ${lines} ${sq(`${prefix}/run/agent.log`)} 2>/dev/null\n`;
}

export function uninstallScript(prefix: string, init: InitSystem, purge: boolean): string {
  return `${HEAD}P=${sq(prefix)}
[ -d "$P" ] || { echo "uninstalled=absent"; exit 0; }
${stopScriptBody(init)}
${init === 'systemd' ? `systemctl disable ${UNIT_NAME} >/dev/null 2>&1; rm -f /etc/systemd/system/${UNIT_NAME}; systemctl daemon-reload` : ''}
rm -rf "$P/releases" "$P/current" "$P/previous" "$P/run" "$P/incoming" "$P/agent.env" "$P/.current.new" "$P/.previous.new"
${purge ? 'rm -rf "$P/data"; rmdir "$P" 2>/dev/null' : ''}
echo "uninstalled=1"
`;
}
