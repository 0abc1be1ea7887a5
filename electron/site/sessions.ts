// Site-mode sessions (in memory: a restart logs everyone out) and the failed-login limiter.
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'se3kit_session';

export class Sessions {
  private readonly byToken = new Map<string, { expiresAt: number }>();

  constructor(
    private readonly idleMs = 12 * 3600_000,
    /** Served over HTTPS: the cookie is marked Secure (never sent over plain HTTP). */
    private readonly secure = false,
  ) {}

  create(): string {
    const token = randomBytes(32).toString('base64url');
    this.byToken.set(token, { expiresAt: Date.now() + this.idleMs });
    return token;
  }

  /** True when the token is a live session (and slides its expiry). */
  touch(token: string | undefined): boolean {
    if (!token) return false;
    const s = this.byToken.get(token);
    if (!s) return false;
    if (s.expiresAt < Date.now()) {
      this.byToken.delete(token);
      return false;
    }
    s.expiresAt = Date.now() + this.idleMs;
    return true;
  }

  destroy(token: string | undefined): void {
    if (token) this.byToken.delete(token);
  }

  /** Ends every session (the admin password was replaced). */
  clear(): void {
    this.byToken.clear();
  }

  cookie(token: string): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(this.idleMs / 1000)}${this.secure ? '; Secure' : ''}`;
  }

  clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${this.secure ? '; Secure' : ''}`;
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Where a login comes from, for the limiter: the IPv4 address, or the /64 of an IPv6 one (a
 * single host usually holds a whole /64, so counting per address would be walked around).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1]!;
  if (!address.includes(':')) return address;
  // expand "::" to get the first four groups
  const [head, tail = ''] = address.toLowerCase().split('%')[0]!.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** How a login attempt may proceed: now, or not before `until` (a lockout). */
export type Admission = { ok: true } | { ok: false; retryAfter: number; until: Date };

/**
 * Login attempts per client: at most `max` attempts that were not successful within `windowMs`;
 * then the client is refused until the window ends. An attempt is counted when it is admitted,
 * before the password is checked, so concurrent guesses cannot slip past the limit. The table
 * is pruned: expired entries go first, and beyond `maxClients` the oldest are dropped.
 */
export class LoginLimiter {
  private readonly attempts = new Map<string, { count: number; since: number }>();

  constructor(
    readonly max = 5,
    readonly windowMs = 15 * 60_000,
    private readonly maxClients = 10_000,
  ) {}

  /** Admits (and counts) one attempt, or says how long the client is locked out. */
  admit(client: string, now = Date.now()): Admission {
    let a = this.attempts.get(client);
    if (a && a.since + this.windowMs <= now) {
      this.attempts.delete(client);
      a = undefined;
    }
    if (a && a.count >= this.max) {
      const until = a.since + this.windowMs;
      return { ok: false, retryAfter: Math.ceil((until - now) / 1000), until: new Date(until) };
    }
    if (a) a.count++;
    else {
      this.prune(now);
      this.attempts.set(client, { count: 1, since: now });
    }
    return { ok: true };
  }

  /** The admitted attempt had the right password: the client starts afresh. */
  succeed(client: string): void {
    this.attempts.delete(client);
  }

  /** Forgets every client (the admin password was replaced). */
  clear(): void {
    this.attempts.clear();
  }

  get size(): number {
    return this.attempts.size;
  }

  private prune(now: number): void {
    if (this.attempts.size < this.maxClients) return;
    for (const [k, a] of this.attempts) if (a.since + this.windowMs <= now) this.attempts.delete(k);
    // Map order is insertion order: the oldest windows go first.
    for (const k of this.attempts.keys()) {
      if (this.attempts.size < this.maxClients) break;
      this.attempts.delete(k);
    }
  }
}
