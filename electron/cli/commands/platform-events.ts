// se3kit platform events / devices status / alerts — what the boxes report to the site platform
// (PROTOCOL §6), read from a running server through the admin endpoint (like the other
// `se3kit platform` commands: --data DIR, --json one object per line).
import { InvalidArgumentError, type Command } from 'commander';
import type { AlertView, DeviceStatusView, EventFilter, EventView } from '../../api/events';
import { defaultDataDir } from '../../api/services';
import { PlatformClient, PlatformUnavailable } from './platform-client';

interface Common {
  data?: string;
  json?: boolean;
}

const client = (o: Common) => PlatformClient.open(o.data ?? defaultDataDir());
const line = (obj: unknown): void => void process.stdout.write(`${JSON.stringify(obj)}\n`);
const FOLLOW_POLL_MS = 1000;
const FOLLOW_PAGE = 1000;

function common(cmd: Command): Command {
  return cmd.option('--data <dir>', 'data directory of the running server (default: $SE3KIT_DATA or ~/.se3kit)').option('--json', 'one JSON object per line');
}

const TIME_HINT = 'expected a time: ISO 8601 (2026-11-27, 2026-11-27T14:00, 2026-11-27T14:00:00Z), ms since the epoch (13 digits), or an age such as 90s, 30m, 2h, 7d';
// ISO 8601 only (Date.parse alone takes "foo 1" for 2001-01-01): a date, optionally a time and a zone
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** A time: ISO 8601, ms since the epoch, or an age ago such as 30s, 15m, 2h, 7d. Anything else is a usage error. */
export function timeArg(value: string, now = Date.now()): number {
  const v = value.trim();
  const rel = /^(\d{1,9})(s|m|h|d)$/.exec(v);
  if (rel) return now - Number(rel[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d{10,15}$/.test(v)) return Number(v);
  const t = ISO.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new InvalidArgumentError(`"${value}": ${TIME_HINT}`);
  return t;
}

function kindArg(value: string): 'known' | 'stranger' {
  if (value !== 'known' && value !== 'stranger') throw new InvalidArgumentError(`"${value}": expected known or stranger`);
  return value;
}

function limitArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1000) throw new InvalidArgumentError(`"${value}": expected a count, 1–1000`);
  return n;
}

/** Resolves after ms, or at once when the signal is aborted. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function printEvent(e: EventView, json?: boolean): void {
  if (json) return line(e);
  const who = e.stranger && !e.identityId ? 'stranger' : `${e.identityName || '?'} (${e.identityId})${e.stranger ? ' stranger' : ''}`;
  const group = e.groupName ? `  group ${e.groupName}${e.groupId !== null && String(e.groupId) !== e.groupName ? ` (id ${e.groupId})` : ''}` : '';
  process.stdout.write(`${new Date(e.timestamp).toISOString()}  ${e.boxName || e.devSno}  ${e.deviceIp || e.epId || '-'}  ${who}${group}  score ${e.score.toFixed(2)}  [${e.source}]  ${e.id}\n`);
}

function printStatus(d: DeviceStatusView, json?: boolean): void {
  if (json) return line(d);
  const m = d.latest;
  const figures = m
    ? `cpu ${m.cpuUsage ?? '?'}%  mem ${m.memoryUsage !== null ? Math.round(m.memoryUsage * 100) : '?'}% of ${m.memorySize ?? '?'} GB  disk ${m.diskFreeSize ?? '?'} GB free of ${m.diskSize ?? '?'} GB`
    : 'no status report yet';
  const seen = d.lastSeenAt ? new Date(d.lastSeenAt).toISOString() : 'never';
  process.stdout.write(`${d.devSno}  ${d.name || '-'}  ${d.online ? 'online' : 'OFFLINE'}  last seen ${seen}  ${figures}  ${d.captureDevices.length} capture device${d.captureDevices.length === 1 ? '' : 's'}${d.activeAlerts ? `  ${d.activeAlerts} alert${d.activeAlerts === 1 ? '' : 's'}` : ''}\n`);
  for (const c of d.captureDevices) process.stdout.write(`    ${c.epIp || c.epId}  ${c.name || '-'}  type ${c.type || '?'}  ${c.status}\n`);
}

function printAlert(a: AlertView, json?: boolean): void {
  if (json) return line(a);
  process.stdout.write(`${new Date(a.raisedAt).toISOString()}  ${a.active ? 'ACTIVE' : `cleared ${new Date(a.clearedAt!).toISOString()}`}  ${a.kind}  ${a.message}\n`);
}

/** Every event received at or after `from` (all pages: a burst of history uploads can bring more than one page in a second), each once. */
async function arrivedSince(c: PlatformClient, filter: EventFilter, from: number): Promise<EventView[]> {
  const byId = new Map<string, EventView>();
  for (let offset = 0; ; offset += FOLLOW_PAGE) {
    const page = await c.call('events.list', { ...filter, receivedSince: from, limit: FOLLOW_PAGE, offset });
    for (const e of page.events) byId.set(e.id, e);
    if (page.events.length < FOLLOW_PAGE || offset + FOLLOW_PAGE >= page.total) return [...byId.values()];
  }
}

/**
 * --follow: with --since, first the newest --limit events since then (oldest first); then every
 * event as it arrives, polled by arrival time (the ids of the last millisecond remembered, so
 * none prints twice). A server that stops or restarts is waited for, then followed on from the last
 * arrival printed. Ctrl+C (SIGINT) or SIGTERM ends it cleanly (exit 0).
 */
async function follow(c: PlatformClient, filter: EventFilter, o: Common & { since?: number; limit: number }): Promise<void> {
  const dataDir = o.data ?? defaultDataDir();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let from = Date.now();
    let lastIds = new Set<string>();
    // the backlog (or, without --since, one call to be sure the server answers before saying so)
    const backlog = await c.call('events.list', o.since !== undefined ? { ...filter, limit: o.limit } : { limit: 1 });
    if (o.since !== undefined) {
      for (const e of [...backlog.events].reverse()) printEvent(e, o.json);
      lastIds = new Set(backlog.events.filter((e) => e.receivedAt >= from).map((e) => e.id));
    }
    process.stderr.write(`following new events from ${new Date(from).toISOString()} (Ctrl+C to stop)\n`);
    while (!stop.signal.aborted) {
      let got: EventView[];
      try {
        got = await arrivedSince(c, filter, from);
      } catch (err) {
        if (!(err instanceof PlatformUnavailable)) throw err;
        // the server stopped or restarts (a new address and token each start): wait for it, then go
        // on from the last arrival printed — events that arrive meanwhile are printed then, once
        process.stderr.write(`the site platform went away (${new Date().toISOString()}); waiting for it to come back (Ctrl+C to stop)\n`);
        const back = await reopen(dataDir, stop.signal);
        if (!back) break;
        c = back;
        process.stderr.write('the site platform is back; following on\n');
        continue;
      }
      const fresh = got.filter((e) => !lastIds.has(e.id)).sort((a, b) => a.receivedAt - b.receivedAt || a.timestamp - b.timestamp);
      for (const e of fresh) printEvent(e, o.json);
      if (fresh.length) {
        from = fresh.at(-1)!.receivedAt;
        lastIds = new Set(got.filter((e) => e.receivedAt === from).map((e) => e.id));
      }
      await pause(FOLLOW_POLL_MS, stop.signal);
    }
    process.stderr.write('stopped following\n');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The platform of `dataDir` once it answers again (polled every second), or null when stopped. */
async function reopen(dataDir: string, signal: AbortSignal): Promise<PlatformClient | null> {
  while (!signal.aborted) {
    await pause(FOLLOW_POLL_MS, signal);
    try {
      const c = await PlatformClient.open(dataDir);
      await c.call('events.list', { limit: 1 });
      return c;
    } catch (err) {
      if (!(err instanceof PlatformUnavailable)) throw err;
    }
  }
  return null;
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
      .option('--kind <kind>', 'known or stranger', kindArg)
      .option('--limit <n>', 'at most this many (1–1000; with --follow --since: of the events before following)', limitArg, 100),
  ).action(async (o: Common & { follow?: boolean; since?: number; until?: number; box?: string; device?: string; person?: string; kind?: EventFilter['kind']; limit: number }) => {
    const c = await client(o);
    const filter: EventFilter = { devSno: o.box, epId: o.device, personId: o.person, kind: o.kind, since: o.since, until: o.until };
    if (!o.follow) {
      const page = await c.call('events.list', { ...filter, limit: o.limit });
      for (const e of page.events) printEvent(e, o.json);
      if (!o.json && page.total > page.events.length) process.stderr.write(`(${page.events.length} of ${page.total}; narrow with --since/--box or raise --limit)\n`);
      return;
    }
    await follow(c, filter, o);
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
