// Failed FTP logins per address (agent/capture/ftp.ts): a camera's password guards the pictures
// the box recognises — and opens doors for — so an address may fail FREE_FAILURES logins in a row,
// then must wait 1 s, 2 s, 4 s … (at most MAX_WAIT_MS) before its next login is even checked; a
// login during that wait is refused unchecked and not counted. A successful login clears the
// address; one silent for FORGET_MS starts afresh. At most MAX_PEERS addresses are remembered (the
// oldest dropped first), so a sweep of spoofed-looking addresses cannot grow it without bound.

export const FREE_FAILURES = 5;
const FIRST_WAIT_MS = 1000;
export const MAX_WAIT_MS = 60_000;
const FORGET_MS = 10 * 60_000;
const MAX_PEERS = 10_000;

interface Failures {
  count: number;
  until: number;
  last: number;
}

export class LoginThrottle {
  private readonly peers = new Map<string, Failures>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds `peer` must still wait before a login is checked (0: check it). */
  wait(peer: string): number {
    const f = this.peers.get(peer);
    if (!f) return 0;
    const t = this.now();
    if (t - f.last > FORGET_MS) {
      this.peers.delete(peer);
      return 0;
    }
    return Math.max(0, f.until - t);
  }

  /** A checked login failed; returns the wait it now imposes (0 while failures are still free). */
  failed(peer: string): number {
    const t = this.now();
    let f = this.peers.get(peer);
    if (!f || t - f.last > FORGET_MS) f = { count: 0, until: 0, last: t };
    this.peers.delete(peer); // re-inserted last: the map stays ordered by last failure
    f.count++;
    f.last = t;
    const over = f.count - FREE_FAILURES;
    f.until = over > 0 ? t + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (over - 1)) : 0;
    this.peers.set(peer, f);
    if (this.peers.size > MAX_PEERS) this.peers.delete(this.peers.keys().next().value!);
    return f.until ? f.until - t : 0;
  }

  succeeded(peer: string): void {
    this.peers.delete(peer);
  }
}
