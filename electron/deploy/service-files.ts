// The files that keep the agent running on a box: the systemd unit (where systemd runs) and the
// supervisor fallback (a small shell loop started with setsid/nohup, pid file under <prefix>/run)
// for boxes without systemd. resources/systemd/se3-agent.service is the unit rendered for the
// default prefix (a test keeps the two identical).

export const DEFAULT_PREFIX = '/opt/se3-agent';
export const UNIT_NAME = 'se3-agent.service';

export function renderUnit(prefix: string): string {
  return `# SE3 Field Kit edge agent. Installed by \`se3kit deploy\`; releases live in ${prefix}/releases,
# ${prefix}/current points at the running one, ${prefix}/data keeps DevSno/LoginUrl across versions.
[Unit]
Description=SE3 edge agent (SE3 Field Kit)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
EnvironmentFile=-${prefix}/agent.env
ExecStart=${prefix}/current/bin/se3-agent
Restart=always
RestartSec=2
KillMode=control-group
TimeoutStopSec=10

[Install]
WantedBy=multi-user.target
`;
}

/**
 * The supervisor fallback: runs the current release's launcher, restarts it 2 s after it exits,
 * stops with its process group (SIGTERM to -pid). Started by `startSupervisorScript`.
 */
export function renderSupervisor(prefix: string): string {
  return `#!/bin/sh
# se3-agent supervisor (boxes without systemd). Started by se3kit deploy as
#   setsid nohup /bin/sh ${prefix}/run/supervisor.sh
# Stop it with: kill -TERM -$(cat ${prefix}/run/supervisor.pid)
P=${shq(prefix)}
echo $$ > "$P/run/supervisor.pid"
trap 'kill -TERM "$child" 2>/dev/null; exit 0' TERM INT HUP
while :; do
  if [ -f "$P/agent.env" ]; then set -a; . "$P/agent.env"; set +a; fi
  # keep the log bounded: rotate once past 5 MB (on each (re)start)
  if [ "$(wc -c < "$P/run/agent.log" 2>/dev/null || echo 0)" -gt 5000000 ]; then mv -f "$P/run/agent.log" "$P/run/agent.log.1"; fi
  "$P/current/bin/se3-agent" >> "$P/run/agent.log" 2>&1 &
  child=$!
  echo "$child" > "$P/run/agent.pid"
  wait "$child"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) supervisor: agent exited ($?), restarting in 2 s" >> "$P/run/agent.log"
  sleep 2
done
`;
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
