// Connections still in the handshake are capped, overall and per client address, so a flood of
// half-open logins cannot exhaust memory or descriptors (each also has handshakeTimeoutMs).
import type { AddressInfo, Server, Socket } from 'node:net';

export class Admission<C extends { socket: Socket }> {
  private readonly pending = new Set<C>();
  private readonly byAddress = new Map<string, number>();
  /** Connections dropped because too many were still in the handshake. */
  dropped = 0;

  constructor(
    private readonly maxPending: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Whether a new connection may start its handshake; if not, its socket is destroyed. */
  admit(socket: Socket): boolean {
    const perAddr = this.byAddress.get(socket.remoteAddress ?? '') ?? 0;
    if (this.pending.size < this.maxPending && perAddr < this.maxPerAddress) return true;
    this.dropped++;
    socket.on('error', () => undefined);
    socket.destroy();
    return false;
  }

  /** An admitted connection starts its handshake. */
  started(c: C): void {
    const addr = c.socket.remoteAddress ?? '';
    this.pending.add(c);
    this.byAddress.set(addr, (this.byAddress.get(addr) ?? 0) + 1);
  }

  /** Its handshake is over (opened or closed); no-op if it was not pending. */
  over(c: C): void {
    if (!this.pending.delete(c)) return;
    const addr = c.socket.remoteAddress ?? '';
    const n = (this.byAddress.get(addr) ?? 1) - 1;
    if (n <= 0) this.byAddress.delete(addr);
    else this.byAddress.set(addr, n);
  }
}

/** Listens; resolves the port (useful with port 0). */
export function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
