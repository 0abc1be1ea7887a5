// What a technician types to name a box: `10.0.0.5`, `10.0.0.5:5556`, `box-3.local`, or a
// MAC (`e0:a5:09:00:06:2b`, `E0-A5-09-00-06-2B`), which is resolved through discovery.
import { CONFIG_API_PORT } from '../../../agent/protocol';
import { normalizeMac } from '../discovery/neighbours';

export type BoxTarget = { kind: 'mac'; mac: string; port?: number } | { kind: 'host'; host: string; port?: number };

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Parses a box target; throws an Error whose message says what was expected. */
export function parseTarget(text: string, defaultPort?: number): BoxTarget {
  const t = text.trim();
  const mac = /^[0-9a-f]{1,2}([:-][0-9a-f]{1,2}){5}$/i.test(t) ? normalizeMac(t) : null;
  if (mac) return { kind: 'mac', mac, port: defaultPort };
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(t)!;
  const host = m[1]!;
  const port = m[2] !== undefined ? Number(m[2]) : defaultPort;
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535))
    throw new Error(`"${text}": the port must be 1–65535`);
  if (IPV4_RE.test(host)) {
    if (host.split('.').some((o) => Number(o) > 255)) throw new Error(`"${text}": each part of an IPv4 address is 0–255`);
    return { kind: 'host', host, port };
  }
  if (!host || !HOSTNAME_RE.test(host) || /^\d+$/.test(host))
    throw new Error(`"${text}" is not a box address; write an IP (10.0.0.5), IP:port (10.0.0.5:5555), a host name or a MAC (e0:a5:09:00:06:2b)`);
  return { kind: 'host', host, port };
}

export function targetLabel(t: BoxTarget): string {
  const base = t.kind === 'mac' ? t.mac : t.host;
  return t.port !== undefined && t.port !== CONFIG_API_PORT ? `${base}:${t.port}` : base;
}
