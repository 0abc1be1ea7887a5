// The Discovery service: one live list of SE3 boxes merged from mDNS browsing and an active
// probe sweep of TCP port 5555 over IPv4 ranges. Rows appear as they are found ('row'), the
// sweep reports 'progress'. Never imports electron (used by the CLI, site mode and the app).
import { EventEmitter, setMaxListeners } from 'node:events';
import { CONFIG_API_PORT } from '../../../agent/protocol';
import type { BoxRow, DiscoverySource, ScanOptions, ScanProgress } from '../../api/boxes';
import { cidrContains, defaultCidrs, formatCidr, hostsOfAll, ipToInt, localNets, netsFor, parseCidr, type Cidr, type LocalNet } from './cidr';
import { MdnsBrowser, type MdnsSighting } from './mdns-browser';
import { normalizeMac, readNeighbours } from './neighbours';
import { mapLimit, probeHost, type ProbeHit } from './probe';

export interface DiscoveryOptions {
  /** Probes in flight at once (default 256). */
  concurrency?: number;
  /** Default per-host connect timeout when ScanOptions.timeoutMs is not given (default 600 ms). */
  timeoutMs?: number;
  /** Deadline for each HTTP answer once connected (default 3000 ms). */
  answerTimeoutMs?: number;
  /** How long a scan listens for mDNS answers at least (default 1500 ms). */
  mdnsWindowMs?: number;
  /** ip → mac; default the OS neighbour table. */
  neighbours?: () => Promise<Map<string, string>>;
  /** The machine's interfaces; default os.networkInterfaces() (tests may narrow it). */
  localNets?: () => LocalNet[];
}

export interface ScanHandle {
  scanId: number;
  /** Resolves when the sweep has finished and the mDNS window has passed (or stop() was called): the rows seen in this scan. */
  done: Promise<BoxRow[]>;
}

export interface DiscoveryEvents {
  row: [BoxRow];
  progress: [ScanProgress];
  /** Something that did not stop the scan (an mDNS socket error...), in plain words. */
  warning: [string];
}

/** Resolved scan parameters (what a scan actually covers). */
export interface ScanPlan {
  cidrs: string[];
  hosts: number;
  port: number;
  timeoutMs: number;
  mdnsInterfaces: string[];
}

interface RunningScan {
  id: number;
  abort: AbortController;
  seen: Set<string>;
  progress: ScanProgress;
  lastProgressAt: number;
  stopWindow: () => void;
  /** What the scan covers, to tell which listed boxes it should have seen. */
  cidrList: Cidr[];
  port: number;
  mdns: boolean;
}

const rowKey = (ip: string, port: number) => `${ip}:${port}`;

export class Discovery extends EventEmitter<DiscoveryEvents> {
  private readonly rows = new Map<string, BoxRow>();
  private readonly mdns = new MdnsBrowser();
  private readonly opts: Required<Omit<DiscoveryOptions, 'neighbours' | 'localNets'>> & Pick<DiscoveryOptions, 'neighbours' | 'localNets'>;
  private current: RunningScan | null = null;
  private seq = 0;
  private closed = false;

  constructor(opts: DiscoveryOptions = {}) {
    super();
    this.opts = { concurrency: 256, timeoutMs: 600, answerTimeoutMs: 3000, mdnsWindowMs: 1500, ...opts };
    this.mdns.on('sighting', (s) => this.onSighting(s));
    this.mdns.on('warning', (w) => this.emit('warning', w));
  }

  /** What scan(options) would cover; throws a plain-language Error for a bad CIDR. */
  plan(options: ScanOptions = {}): ScanPlan & { cidrList: Cidr[]; mdnsNets: LocalNet[] } {
    const nets = this.opts.localNets ? this.opts.localNets() : localNets();
    const cidrList = options.cidrs?.length ? options.cidrs.map(parseCidr) : defaultCidrs(nets);
    const scope = options.cidrs?.length ? netsFor(cidrList, nets) : nets;
    return {
      cidrList,
      cidrs: cidrList.map(formatCidr),
      hosts: hostsOfAll(cidrList).length,
      port: options.port ?? CONFIG_API_PORT,
      timeoutMs: options.timeoutMs ?? this.opts.timeoutMs,
      mdnsInterfaces: options.mdns === false ? [] : scope.map((n) => n.address),
      mdnsNets: options.mdns === false ? [] : scope,
    };
  }

  /**
   * Starts a scan (stopping a running one) and returns at once. Rows are emitted as found
   * ('row'), progress as the sweep advances ('progress', last one with done: true).
   * Throws a plain-language Error for a bad CIDR.
   */
  scan(options: ScanOptions = {}): ScanHandle {
    if (this.closed) throw new Error('discovery is closed');
    const plan = this.plan(options);
    this.stop();
    const id = ++this.seq;
    const hosts = hostsOfAll(plan.cidrList);
    let stopWindow = () => {};
    const scan: RunningScan = {
      id,
      abort: new AbortController(),
      seen: new Set(),
      progress: { scanId: id, probed: 0, total: hosts.length, found: 0, done: false },
      lastProgressAt: 0,
      stopWindow: () => stopWindow(),
      cidrList: plan.cidrList,
      port: plan.port,
      mdns: options.mdns !== false,
    };
    setMaxListeners(0, scan.abort.signal); // one listener per probe in flight
    this.current = scan;

    if (options.mdns !== false) {
      const where = plan.mdnsNets.map((n) => ({ address: n.address, subnet: n.cidr }));
      this.mdns.browse(where.length ? where : options.cidrs?.length ? [] : [null]);
    }
    const windowDone =
      options.mdns === false
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const t = setTimeout(resolve, this.opts.mdnsWindowMs);
            stopWindow = () => {
              clearTimeout(t);
              resolve();
            };
          });

    const sweep = mapLimit(
      hosts,
      this.opts.concurrency,
      async (ip) => {
        const hit = await probeHost(ip, plan.port, { connectTimeoutMs: plan.timeoutMs, answerTimeoutMs: this.opts.answerTimeoutMs, signal: scan.abort.signal });
        if (scan.abort.signal.aborted) return;
        scan.progress.probed++;
        if (hit) await this.onProbeHit(hit, scan);
        this.progress(scan, false);
      },
      scan.abort.signal,
    );
    this.progress(scan, true);

    const done = Promise.all([sweep, windowDone]).then(() => {
      scan.progress.done = true;
      if (scan.abort.signal.aborted) scan.progress.stopped = true;
      else this.markMissing(scan);
      this.emit('progress', { ...scan.progress });
      if (this.current === scan) this.current = null;
      return [...scan.seen].map((k) => this.rows.get(k)).filter((r): r is BoxRow => !!r);
    });
    return { scanId: id, done };
  }

  /** Stops the running scan (its `done` resolves with what was found so far). mDNS keeps listening. */
  stop(): void {
    const s = this.current;
    if (!s) return;
    this.current = null;
    s.abort.abort();
    s.stopWindow();
  }

  /** Every box seen since this service started, newest first. */
  list(): BoxRow[] {
    return [...this.rows.values()].sort((a, b) => b.lastSeen - a.lastSeen);
  }

  get(ip: string, port = CONFIG_API_PORT): BoxRow | undefined {
    return this.rows.get(rowKey(ip, port));
  }

  /** The most recently seen box with this MAC (any notation: aa:bb.., AA-BB-..). */
  findByMac(mac: string): BoxRow | undefined {
    return this.findAllByMac(mac)[0];
  }

  /** Every listed box with this MAC that is not marked offline, newest first (more than one: the MAC is ambiguous). */
  findAllByMac(mac: string): BoxRow[] {
    const m = normalizeMac(mac);
    if (!m) return [];
    return this.list().filter((r) => r.mac === m && !r.offline);
  }

  /**
   * Asks the listed boxes (or those with the given ids) again — values, /health (login
   * state) — and marks the ones that do not answer offline. Resolves when all have answered
   * or timed out.
   */
  async recheck(ids?: string[]): Promise<void> {
    const rows = ids ? ids.map((id) => this.rows.get(id)).filter((r): r is BoxRow => !!r) : [...this.rows.values()];
    await mapLimit(rows, 32, async (r) => {
      const hit = await probeHost(r.ip, r.port, { connectTimeoutMs: this.opts.answerTimeoutMs, answerTimeoutMs: this.opts.answerTimeoutMs });
      if (hit) await this.onProbeHit(hit, null);
      else this.setOffline(r.id);
    });
  }

  /** Records values just set on a listed box (after a confirmed configure) so the list shows them at once. */
  noteConfigured(ip: string, port: number, values: { dev_sno?: string | null; login_url?: string | null }): void {
    if (!this.rows.has(rowKey(ip, port))) return;
    const seen: Partial<BoxRow> & { ip: string; port: number } = { ip, port };
    if (values.login_url != null) seen.login_url = values.login_url;
    if (values.dev_sno !== undefined) seen.dev_sno = values.dev_sno;
    this.merge(seen, null, null, true);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop();
    await this.mdns.close();
  }

  /** After a finished (not stopped) scan: listed boxes it covered but did not see are offline. */
  private markMissing(scan: RunningScan): void {
    for (const row of this.rows.values()) {
      if (scan.seen.has(row.id) || row.offline) continue;
      const ip = ipToInt(row.ip);
      const swept = ip !== null && row.port === scan.port && scan.cidrList.some((c) => cidrContains(c, ip));
      const browsed = scan.mdns && row.sources.includes('mdns');
      if (swept || browsed) this.setOffline(row.id);
    }
  }

  private setOffline(id: string): void {
    const row = this.rows.get(id);
    if (!row || row.offline) return;
    const next = { ...row, offline: true };
    this.rows.set(id, next);
    this.emit('row', { ...next, sources: [...next.sources] });
  }

  private progress(scan: RunningScan, force: boolean): void {
    const now = Date.now();
    if (!force && now - scan.lastProgressAt < 100 && scan.progress.probed < scan.progress.total) return;
    scan.lastProgressAt = now;
    this.emit('progress', { ...scan.progress });
  }

  private async onProbeHit(hit: ProbeHit, scan: RunningScan | null): Promise<void> {
    let mac = hit.mac ? normalizeMac(hit.mac) : null;
    if (!mac) mac = (await (this.opts.neighbours ?? readNeighbours)().catch(() => new Map<string, string>())).get(hit.ip) ?? null;
    this.merge(
      {
        ip: hit.ip,
        port: hit.port,
        mac,
        hostname: hit.hostname,
        dev_sno: hit.dev_sno,
        login_url: hit.login_url,
        agentVersion: hit.agentVersion,
        kind: hit.kind,
        login: hit.login,
        broker: hit.broker,
        users: hit.users,
      },
      'probe',
      scan,
    );
  }

  private onSighting(s: MdnsSighting): void {
    const scan = this.current;
    const known = this.rows.get(rowKey(s.ip, s.port));
    this.merge(
      { ip: s.ip, port: s.port, mac: s.mac, hostname: s.hostname, dev_sno: s.dev_sno, agentVersion: s.version, kind: 'se3-agent' },
      'mdns',
      scan,
    );
    // TXT records carry no login_url: ask the agent once (also proves it is reachable).
    if (!known || known.login_url === null) void this.enrich(s.ip, s.port, scan);
  }

  private async enrich(ip: string, port: number, scan: RunningScan | null): Promise<void> {
    const hit = await probeHost(ip, port, { connectTimeoutMs: this.opts.answerTimeoutMs, answerTimeoutMs: this.opts.answerTimeoutMs });
    if (hit) this.merge({ ip, port, login_url: hit.login_url, login: hit.login, broker: hit.broker, users: hit.users }, null, scan);
  }

  /** Merges what one source saw into the row for ip:port; emits 'row' when new, changed or first seen in this scan. */
  private merge(seen: Partial<BoxRow> & { ip: string; port: number }, source: DiscoverySource | null, scan: RunningScan | null, authoritative = false): void {
    const id = rowKey(seen.ip, seen.port);
    const old = this.rows.get(id);
    const row: BoxRow = old
      ? { ...old }
      : { id, ip: seen.ip, port: seen.port, mac: null, hostname: null, dev_sno: null, login_url: null, agentVersion: null, kind: 'vendor', sources: [], lastSeen: 0, offline: false, login: null, broker: null, users: null };
    for (const k of ['mac', 'hostname', 'login_url', 'agentVersion'] as const) if (seen[k] != null) row[k] = seen[k];
    // /health answers (or their absence on vendor firmware) are the truth of the moment.
    if ('login' in seen) row.login = seen.login ?? null;
    if ('broker' in seen) row.broker = seen.broker ?? null;
    if ('users' in seen) row.users = seen.users ?? null;
    if (source) row.offline = false;
    // dev_sno may legitimately change back to unset; the source that just saw the box is right.
    if ((source || authoritative) && 'dev_sno' in seen) row.dev_sno = seen.dev_sno ?? null;
    if (seen.kind === 'se3-agent' || row.agentVersion) row.kind = 'se3-agent';
    else if (seen.kind) row.kind = seen.kind;
    if (source && !row.sources.includes(source)) row.sources = [...row.sources, source].sort() as DiscoverySource[];
    row.lastSeen = Date.now();
    this.rows.set(id, row);
    const firstInScan = !!scan && !scan.seen.has(id) && this.current === scan;
    if (firstInScan) {
      scan!.seen.add(id);
      scan!.progress.found = scan!.seen.size;
    }
    const changed = !old || JSON.stringify({ ...old, lastSeen: 0 }) !== JSON.stringify({ ...row, lastSeen: 0 });
    if (changed || firstInScan) this.emit('row', { ...row, sources: [...row.sources] });
  }
}
