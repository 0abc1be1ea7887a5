// API contract, "boxes" area: discovery and DevSno/LoginUrl configuration.
// Types and name lists only (shared by the services, both transports and the renderer; no
// runtime dependencies: the sandboxed preload imports this).

export type DiscoverySource = 'mdns' | 'probe';

/** A state the agent reports in GET /health (login to the platform, broker channel). */
export interface AgentLinkState {
  /** login: 'not-configured' | 'pending' | 'logged-in' | 'failed'; broker: as the agent reports it. */
  state: string;
  /** Why, when it is not working (plain words from the agent). */
  error?: string;
  /** ISO time the state began. */
  since?: string;
}

/** One SE3 box as the discovery list shows it. */
export interface BoxRow {
  /** Stable key: `${ip}:${port}`. */
  id: string;
  ip: string;
  port: number;
  /** `aa:bb:cc:dd:ee:ff`, from the mDNS TXT record or the OS neighbour table; null if unknown. */
  mac: string | null;
  hostname: string | null;
  dev_sno: string | null;
  login_url: string | null;
  /** Our agent's version (from mDNS TXT or /health); null when the box runs vendor firmware. */
  agentVersion: string | null;
  /** 'se3-agent' when our agent answers, 'vendor' for vendor firmware (DevSno API but no agent). */
  kind: 'se3-agent' | 'vendor';
  sources: DiscoverySource[];
  /** ms since epoch. */
  lastSeen: number;
  /** True when the latest scan (or re-check) that covered this box got no answer from it. */
  offline?: boolean;
  /** The agent's platform login from /health; null for vendor firmware (no /health). */
  login?: AgentLinkState | null;
  /** The agent's broker channel from /health, when it reports one. */
  broker?: AgentLinkState | null;
  /** People enrolled on the box, when the agent reports it. */
  users?: number | null;
}

export interface ScanOptions {
  /** CIDR ranges to probe; default: the machine's IPv4 subnets, each capped at /22. */
  cidrs?: string[];
  /** Box configuration API port, default 5555. */
  port?: number;
  /** Per-host probe timeout in ms. */
  timeoutMs?: number;
  /** Browse mDNS too (default true). */
  mdns?: boolean;
}

export interface ScanProgress {
  scanId: number;
  probed: number;
  total: number;
  found: number;
  done: boolean;
  /** Set on the last progress of a scan that was stopped before it finished. */
  stopped?: boolean;
}

export interface BoxConfig {
  host: string;
  port: number;
  dev_sno: string | null;
  login_url: string | null;
}

export interface ConfigureRequest {
  /** ip, hostname or mac (mac is resolved through the discovery list). */
  host: string;
  /** How the box was named when that differs from host (a CSV row's MAC, resolved to host by the batch). */
  target?: string;
  port?: number;
  dev_sno?: string;
  login_url?: string;
}

export interface ConfigureOutcome {
  /** The box's address; while `unresolved`, the box as it was named (no port added). */
  host: string;
  port: number;
  /** How the box was named (MAC, host name, the text given) when that is not host:port itself. */
  target?: string;
  /** Set when the box was never found (bad address, unknown or ambiguous MAC): host/port are not an address. */
  unresolved?: true;
  ok: boolean;
  /** Values read back after setting (the confirmation). */
  dev_sno?: string | null;
  login_url?: string | null;
  /** Plain-language reason when !ok, saying what to do. */
  error?: string;
}

export interface BatchRowOutcome extends ConfigureOutcome {
  /** 1-based line number in the CSV. */
  line: number;
}

export interface BatchReport {
  rows: BatchRowOutcome[];
  ok: number;
  failed: number;
}

/** Methods of this area: name → [params, result]. */
export interface BoxesMethods {
  'boxes.scan': [ScanOptions, { scanId: number }];
  'boxes.stopScan': [Record<string, never>, void];
  'boxes.list': [Record<string, never>, BoxRow[]];
  'boxes.getConfig': [{ host: string; port?: number }, BoxConfig];
  'boxes.configure': [ConfigureRequest, ConfigureOutcome];
  'boxes.configureCsv': [{ csv: string }, BatchReport];
  /** Asks every listed box (or the given ids) again: values, /health login state, offline. */
  'boxes.recheck': [{ ids?: string[] }, void];
}

/** Events of this area: name → payload. */
export interface BoxesEvents {
  'boxes.row': BoxRow;
  'boxes.progress': ScanProgress;
}

/** Runtime name lists (typed as Records so the compiler checks they match the interfaces). */
export const BOXES_METHODS: Record<keyof BoxesMethods, true> = {
  'boxes.scan': true,
  'boxes.stopScan': true,
  'boxes.list': true,
  'boxes.getConfig': true,
  'boxes.configure': true,
  'boxes.configureCsv': true,
  'boxes.recheck': true,
};
export const BOXES_EVENTS: Record<keyof BoxesEvents, true> = { 'boxes.row': true, 'boxes.progress': true };

/** Smallest prefix a user may sweep: /16 is 65,534 hosts, already minutes of probing. */
export const MIN_CIDR_PREFIX = 16;

export function cidrProblem(value: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(value.trim());
  if (!m) return `"${value}" is not an IPv4 range; write it like 192.168.1.0/24 (or one address, 192.168.1.20)`;
  if (m.slice(1, 5).some((o) => Number(o) > 255)) return `"${value}": each part of an IPv4 address is 0–255`;
  if (m[5] !== undefined) {
    const prefix = Number(m[5]);
    if (prefix > 32) return `"${value}": the prefix after / is 0–32`;
    if (prefix < MIN_CIDR_PREFIX) return `"${value}" is too large to sweep; use /${MIN_CIDR_PREFIX} or smaller ranges`;
  }
  return null;
}

/** How a configure outcome names its box: `ip:port`, `MAC (ip:port)`, or, when never found, the name as given. */
export function outcomeLabel(o: Pick<ConfigureOutcome, 'host' | 'port' | 'target' | 'unresolved'>): string {
  if (o.unresolved) return o.target ?? o.host;
  const address = `${o.host}:${o.port}`;
  return o.target && o.target !== address ? `${o.target} (${address})` : address;
}
