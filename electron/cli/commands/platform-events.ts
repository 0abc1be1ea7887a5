// se3kit platform events / devices status / alerts — what the boxes report to the site platform
// (PROTOCOL §6), read from a running server through the admin endpoint (like the other
// `se3kit platform` commands: --data DIR, --json one object per line).
import { InvalidArgumentError, type Command } from 'commander';
import type { AlertView, DeviceStatusView, EventFilter, EventView } from '../../api/events';
import { defaultDataDir } from '../../api/services';
import { PlatformClient } from './platform-client';

interface Common {
  data?: string;
  json?: boolean;
}

const client = (o: Common) => PlatformClient.open(o.data ?? defaultDataDir());
const line = (obj: unknown): void => void process.stdout.write(`${JSON.stringify(obj)}\n`);
const FOLLOW_POLL_MS = 1000;

function common(cmd: Command): Command {
  return cmd.option('--data <dir>', 'data directory of the running server (default: $SE3KIT_DATA or ~/.se3kit)').option('--json', 'one JSON object per line');
}

/** A time: ISO 8601, ms since the epoch, or an age ago such as 30s, 15m, 2h, 7d. */
export function timeArg(value: string, now = Date.now()): number {
  const rel = /^(\d+)(s|m|h|d)$/.exec(value.trim());
  if (rel) return now - Number(rel[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d{10,}$/.test(value.trim())) return Number(value);
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidArgumentError('expected a time: ISO 8601 (2026-11-27T14:00:00Z), ms since the epoch, or an age such as 30m, 2h, 7d');
  return t;
}

function printEvent(e: EventView, json?: boolean): void {
  if (json) return line(e);
  const who = e.stranger && !e.identityId ? 'stranger' : `${e.identityName || '?'} (${e.identityId})${e.stranger ? ' stranger' : ''}`;
  process.stdout.write(`${new Date(e.timestamp).toISOString()}  ${e.boxName || e.devSno}  ${e.deviceIp || e.epId || '-'}  ${who}  score ${e.score.toFixed(2)}  [${e.source}]  ${e.id}\n`);
}

function printStatus(d: DeviceStatusView, json?: boolean): void {
  if (json) return line(d);
  const m = d.latest;
  const figures = m
    ? `cpu ${m.cpuUsage ?? '?'}%  mem ${m.memoryUsage !== null ? Math.round(m.memoryUsage * 100) : '?'}% of ${m.memorySize ?? '?'} GB  disk ${m.diskFreeSize ?? '?'} GB free of ${m.diskSize ?? '?'}`
    : 'no status report yet';
  const seen = d.lastSeenAt ? new Date(d.lastSeenAt).toISOString() : 'never';
  process.stdout.write(`${d.devSno}  ${d.name || '-'}  ${d.online ? 'online' : 'OFFLINE'}  last seen ${seen}  ${figures}  ${d.captureDevices.length} capture devices${d.activeAlerts ? `  ${d.activeAlerts} alerts` : ''}\n`);
  for (const c of d.captureDevices) process.stdout.write(`    ${c.epIp || c.epId}  ${c.name || '-'}  type ${c.type || '?'}  ${c.status}\n`);
}

function printAlert(a: AlertView, json?: boolean): void {
  if (json) return line(a);
  process.stdout.write(`${new Date(a.raisedAt).toISOString()}  ${a.active ? 'ACTIVE' : `cleared ${new Date(a.clearedAt!).toISOString()}`}  ${a.kind}  ${a.message}\n`);
}

/** Adds `events`, `devices status` and `alerts` to `se3kit platform`. */
export function registerPlatformEvents(platform: Command): void {
  common(
    platform
      .command('events')
      .description('events the boxes reported (newest first), or --follow to print new ones as they arrive')
      .option('--follow', 'keep running and print every new event (oldest first)')
      .option('--since <time>', 'events at or after this time: ISO 8601, ms, or an age such as 30m, 2h, 7d', (v) => timeArg(v))
      .option('--until <time>', 'events before this time', (v) => timeArg(v))
      .option('--box <devSno>', 'only this box')
      .option('--device <epId>', 'only this capture device (ep_id)')
      .option('--person <id>', 'only events of this person')
      .option('--kind <kind>', 'known or stranger')
      .option('--limit <n>', 'at most this many (without --follow; 1–1000)', '100'),
  ).action(async (o: Common & { follow?: boolean; since?: number; until?: number; box?: string; device?: string; person?: string; kind?: string; limit: string }) => {
    if (o.kind !== undefined && o.kind !== 'known' && o.kind !== 'stranger') throw new Error('--kind is known or stranger');
    const c = await client(o);
    const filter: EventFilter = { devSno: o.box, epId: o.device, personId: o.person, kind: o.kind as EventFilter['kind'], since: o.since, until: o.until };
    if (!o.follow) {
      const page = await c.call('events.list', { ...filter, limit: Number(o.limit) });
      for (const e of page.events) printEvent(e, o.json);
      if (!o.json && page.total > page.events.length) process.stderr.write(`(${page.events.length} of ${page.total}; narrow with --since/--box or raise --limit)\n`);
      return;
    }
    // follow: poll by arrival time; ids of the last millisecond remembered so none prints twice
    await c.call('events.list', { limit: 1 }); // reachable before saying so
    let from = Date.now();
    let lastIds = new Set<string>();
    process.stderr.write(`following new events from ${new Date(from).toISOString()} (Ctrl+C to stop)\n`);
    for (;;) {
      const page = await c.call('events.list', { ...filter, receivedSince: from, limit: 1000 });
      const fresh = page.events.filter((e) => !lastIds.has(e.id)).sort((a, b) => a.receivedAt - b.receivedAt || a.timestamp - b.timestamp);
      for (const e of fresh) printEvent(e, o.json);
      if (fresh.length) {
        from = fresh.at(-1)!.receivedAt;
        lastIds = new Set([...page.events, ...fresh].filter((e) => e.receivedAt === from).map((e) => e.id));
      }
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    }
  });

  const devices = platform.commands.find((x) => x.name() === 'devices') ?? platform.command('devices');
  common(devices.command('status').description('every box online/offline, last seen, latest CPU/memory/disk and its capture devices')).action(async (o: Common) => {
    for (const d of await (await client(o)).call('events.devices.status', {})) printStatus(d, o.json);
  });

  common(platform.command('alerts').description('alerts (a box offline after three missed status reports); active ones unless --all').option('--all', 'cleared ones too').option('--box <devSno>', 'only this box')).action(
    async (o: Common & { all?: boolean; box?: string }) => {
      const alerts = await (await client(o)).call('events.alerts.list', { all: !!o.all, devSno: o.box });
      for (const a of alerts) printAlert(a, o.json);
      if (!o.json && alerts.length === 0) process.stdout.write(o.all ? 'no alerts\n' : 'no active alerts\n');
    },
  );
}
