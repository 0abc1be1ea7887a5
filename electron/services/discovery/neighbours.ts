// The OS neighbour (ARP) table: which MAC answered for an IPv4 address. Linux: /proc/net/arp,
// else `ip neigh`; elsewhere `arp -an` (macOS, BSD) or `arp -a` (Windows).
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';

const MAC_RE = /([0-9a-f]{1,2}[:-]){5}[0-9a-f]{1,2}/i;

export function normalizeMac(mac: string): string | null {
  const parts = mac.trim().toLowerCase().split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{1,2}$/.test(p))) return null;
  const out = parts.map((p) => p.padStart(2, '0')).join(':');
  return out === '00:00:00:00:00:00' || out === 'ff:ff:ff:ff:ff:ff' ? null : out;
}

/** Parses /proc/net/arp (header line, then `IP HWtype Flags HWaddress Mask Device`). */
export function parseProcArp(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    const [ip, , flags, hw] = line.trim().split(/\s+/);
    if (!ip || !hw || flags === '0x0') continue; // 0x0 = incomplete entry
    const mac = normalizeMac(hw);
    if (mac) map.set(ip, mac);
  }
  return map;
}

/** Parses `ip neigh`, `arp -an` or `arp -a` output: any line with an IPv4 address and a MAC. */
export function parseNeighbourLines(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (/FAILED|INCOMPLETE/i.test(line)) continue;
    const ip = /(\d{1,3}(?:\.\d{1,3}){3})/.exec(line)?.[1];
    const hw = MAC_RE.exec(line)?.[0];
    const mac = hw ? normalizeMac(hw) : null;
    if (ip && mac) map.set(ip, mac);
  }
  return map;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 3000, windowsHide: true }, (err, stdout) => resolve(err ? '' : String(stdout)));
  });
}

/** ip → mac for every resolved neighbour; an empty map when the table cannot be read. */
export async function readNeighbours(): Promise<Map<string, string>> {
  if (process.platform === 'linux') {
    const text = await readFile('/proc/net/arp', 'utf8').catch(() => null);
    if (text !== null) return parseProcArp(text);
    return parseNeighbourLines(await run('ip', ['-4', 'neigh', 'show']));
  }
  return parseNeighbourLines(await run('arp', process.platform === 'win32' ? ['-a'] : ['-an']));
}
