// The box's LAN address (status reports' gateway_ip, the FTP passive address).
import { networkInterfaces } from 'node:os';

export function primaryIPv4(): string {
  const ifaces = Object.values(networkInterfaces()).flatMap((l) => l ?? []);
  return ifaces.find((i) => !i.internal && i.family === 'IPv4')?.address ?? '127.0.0.1';
}
