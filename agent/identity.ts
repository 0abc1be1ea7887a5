// Who this box is on the network: hostname and the MAC of its first external IPv4 interface
// (inside a network namespace: the veth).
import { hostname, networkInterfaces } from 'node:os';

export interface BoxIdentity {
  hostname: string;
  /** `aa:bb:cc:dd:ee:ff`, or null when the machine has no external interface. */
  mac: string | null;
}

export function boxIdentity(bindHost?: string): BoxIdentity {
  const ifaces = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
  const external = ifaces.filter((i) => !i.internal && i.family === 'IPv4' && i.mac !== '00:00:00:00:00:00');
  const bound = bindHost ? external.find((i) => i.address === bindHost) : undefined;
  const pick = bound ?? external[0];
  return { hostname: hostname(), mac: pick?.mac ?? null };
}

/** `aa:bb:cc:dd:ee:ff` → `0xaabbccddeeff` (the login's hex_mac, PROTOCOL §2). */
export function hexMac(mac: string): string {
  return '0x' + mac.replace(/[:-]/g, '').toLowerCase();
}
