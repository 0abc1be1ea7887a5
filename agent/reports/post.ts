// One box → platform report POST (PROTOCOL §3/§6): the URL composed against login_url, token and
// dev_sno added, JSON body, bounded time; resolves with the HTTP status, rejects with a plain reason.
import { composeUrl, withAuth } from '../protocol';
import type { LoginSession } from '../link/login';
import { networkReason } from '../link/status';

export const REPORT_TIMEOUT_MS = 15_000;

export function reportUrl(s: LoginSession, url: string): string {
  return withAuth(composeUrl(s.loginUrl, url), s.devSno, s.token);
}

export async function postJson(s: LoginSession, url: string, body: unknown, timeoutMs = REPORT_TIMEOUT_MS): Promise<number> {
  const u = reportUrl(s, url);
  let res: Response;
  try {
    res = await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(networkReason(err, new URL(u).host, timeoutMs));
  }
  await res.body?.cancel().catch(() => undefined);
  return res.status;
}
