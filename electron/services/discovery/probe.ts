// Active probe: is there a box at ip:port? A short TCP connect, then GET DevSno (PROTOCOL §1)
// identifies a box; GET /health tells our agent (version, login_url, mac) from vendor firmware.
import { DEV_SNO_PATH, LOGIN_URL_PATH, readConfigValue } from '../../../agent/protocol';
import type { AgentLinkState } from '../../api/boxes';
import { requestJson } from '../box-client/http';

export interface ProbeHit {
  ip: string;
  port: number;
  kind: 'se3-agent' | 'vendor';
  dev_sno: string | null;
  login_url: string | null;
  agentVersion: string | null;
  mac: string | null;
  hostname: string | null;
  /** From our agent's /health; null on vendor firmware. */
  login: AgentLinkState | null;
  broker: AgentLinkState | null;
  users: number | null;
}

export interface ProbeOptions {
  /** TCP connect deadline (the sweep's "short timeout"). */
  connectTimeoutMs: number;
  /** Deadline for each HTTP answer once connected (a busy ARM box may take a moment). */
  answerTimeoutMs: number;
  signal?: AbortSignal;
}

interface HealthLike {
  version?: unknown;
  login_url?: unknown;
  mac?: unknown;
  hostname?: unknown;
  login?: unknown;
  broker?: unknown;
  users?: unknown;
}

/** A /health state block ({ state, error?, since? }), or null when absent or malformed. */
export function linkState(v: unknown): AgentLinkState | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (typeof o.state !== 'string' || o.state === '' || o.state.length > 64) return null;
  const out: AgentLinkState = { state: o.state };
  if (typeof o.error === 'string' && o.error !== '') out.error = o.error.slice(0, 500);
  if (typeof o.since === 'string' && o.since !== '') out.since = o.since.slice(0, 64);
  return out;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The box at ip:port, or null when nothing there answers the DevSno API. Never throws. */
export async function probeHost(ip: string, port: number, opts: ProbeOptions): Promise<ProbeHit | null> {
  const req = (path: string, connectTimeoutMs = opts.answerTimeoutMs) =>
    requestJson(ip, port, path, { timeoutMs: opts.answerTimeoutMs, connectTimeoutMs, signal: opts.signal, maxBytes: 64 * 1024 });
  let devSno: string | null;
  try {
    const r = await req(DEV_SNO_PATH, opts.connectTimeoutMs);
    if (r.status !== 200) return null;
    const v = readConfigValue(r.json, 'dev_sno');
    if (v === null) return null; // something listens on the port, but it is not a box
    devSno = v === '' ? null : v;
  } catch {
    return null;
  }
  const hit: ProbeHit = { ip, port, kind: 'vendor', dev_sno: devSno, login_url: null, agentVersion: null, mac: null, hostname: null, login: null, broker: null, users: null };
  try {
    const h = await req('/health');
    const body = h.json as HealthLike | undefined;
    if (h.status === 200 && body && typeof body.version === 'string') {
      hit.kind = 'se3-agent';
      hit.agentVersion = body.version;
      hit.login_url = str(body.login_url);
      hit.mac = str(body.mac);
      hit.hostname = str(body.hostname);
      hit.login = linkState(body.login);
      hit.broker = linkState(body.broker);
      hit.users = typeof body.users === 'number' && Number.isFinite(body.users) ? body.users : null;
      return hit;
    }
  } catch {
    /* vendor firmware may simply not answer /health */
  }
  try {
    const l = await req(LOGIN_URL_PATH);
    if (l.status === 200) hit.login_url = str(readConfigValue(l.json, 'login_url'));
  } catch {
    /* the row still shows the box; login_url stays unknown */
  }
  return hit;
}

/** Runs `fn` over `items` with at most `limit` in flight; stops taking new items once aborted. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
