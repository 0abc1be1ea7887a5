// API contract, "boxes" area: discovery and DevSno/LoginUrl configuration.
// Types only (shared by the services, both transports and the renderer).

export type DiscoverySource = 'mdns' | 'probe';

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
  port?: number;
  dev_sno?: string;
  login_url?: string;
}

export interface ConfigureOutcome {
  host: string;
  port: number;
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
}

/** Events of this area: name → payload. */
export interface BoxesEvents {
  'boxes.row': BoxRow;
  'boxes.progress': ScanProgress;
}
