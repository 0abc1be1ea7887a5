// IPv4 ranges for the probe sweep: parse CIDRs, list their host addresses, and derive the
// default ranges from this machine's interfaces (each capped at /22 = 1,022 hosts).
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export const DEFAULT_MAX_PREFIX_WIDTH = 22;

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  network: number;
  prefix: number;
}

export function ipToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return null;
  const parts = m.slice(1, 5).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** `10.0.0.0/24` or a single address `10.0.0.7` (= /32). Throws with a plain message when invalid. */
export function parseCidr(text: string): Cidr {
  const [addr = '', pfx] = text.trim().split('/');
  const ip = ipToInt(addr);
  const prefix = pfx === undefined ? 32 : /^\d{1,2}$/.test(pfx) ? Number(pfx) : NaN;
  if (ip === null || !(prefix >= 0 && prefix <= 32))
    throw new Error(`"${text}" is not an IPv4 range; write it like 192.168.1.0/24 (or one address, 192.168.1.20)`);
  return { network: (ip & maskOf(prefix)) >>> 0, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.network)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.network;
}

/** Host addresses of the range: without network and broadcast address, except for /31 and /32. */
export function* hostsOf(c: Cidr): Generator<string> {
  const size = cidrSize(c);
  const [first, last] = size <= 2 ? [0, size - 1] : [1, size - 2];
  for (let i = first; i <= last; i++) yield intToIp((c.network + i) >>> 0);
}

/** Distinct host addresses of several ranges, in order (overlaps listed once). */
export function hostsOfAll(cidrs: Cidr[]): string[] {
  const seen = new Set<string>();
  for (const c of cidrs) for (const h of hostsOf(c)) seen.add(h);
  return [...seen];
}

export interface LocalNet {
  name: string;
  address: string;
  cidr: Cidr;
}

/** The machine's external IPv4 interfaces with their subnets. */
export function localNets(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): LocalNet[] {
  const out: LocalNet[] = [];
  for (const [name, list] of Object.entries(ifaces)) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4' || i.internal || !i.cidr) continue;
      out.push({ name, address: i.address, cidr: parseCidr(i.cidr) });
    }
  }
  return out;
}

/**
 * Default sweep: each local IPv4 subnet; one wider than /22 is narrowed to the /22 around
 * this machine's own address (a /16 would be 65k hosts, minutes of probing).
 */
export function defaultCidrs(nets: LocalNet[] = localNets(), widest = DEFAULT_MAX_PREFIX_WIDTH): Cidr[] {
  const out: Cidr[] = [];
  for (const n of nets) {
    const prefix = Math.max(n.cidr.prefix, widest);
    const c = { network: (ipToInt(n.address)! & maskOf(prefix)) >>> 0, prefix };
    if (!out.some((o) => o.network === c.network && o.prefix === c.prefix)) out.push(c);
  }
  return out;
}

/** Local interfaces whose subnet overlaps one of the ranges (where to send mDNS queries). */
export function netsFor(cidrs: Cidr[], nets: LocalNet[] = localNets()): LocalNet[] {
  return nets.filter((n) =>
    cidrs.some((c) => {
      const p = Math.min(c.prefix, n.cidr.prefix);
      return ((c.network & maskOf(p)) >>> 0) === ((n.cidr.network & maskOf(p)) >>> 0);
    }),
  );
}
