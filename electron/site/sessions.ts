// Site-mode sessions (in memory: a restart logs everyone out) and the failed-login limiter.
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'se3kit_session';

export class Sessions {
  private readonly byToken = new Map<string, { expiresAt: number }>();

  constructor(private readonly idleMs = 12 * 3600_000) {}

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

  cookie(token: string): string {
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(this.idleMs / 1000)}`;
  }

  static clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
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

/** Failed logins per client address: after `max` failures within `windowMs`, refuse until the window ends. */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Seconds until the client may try again, or 0 when it may try now. */
  retryAfter(client: string): number {
    const f = this.failures.get(client);
    if (!f) return 0;
    const left = f.since + this.windowMs - Date.now();
    if (left <= 0) {
      this.failures.delete(client);
      return 0;
    }
    return f.count >= this.max ? Math.ceil(left / 1000) : 0;
  }

  fail(client: string): void {
    const f = this.failures.get(client);
    if (!f || f.since + this.windowMs < Date.now()) this.failures.set(client, { count: 1, since: Date.now() });
    else f.count++;
  }

  succeed(client: string): void {
    this.failures.delete(client);
  }
}
