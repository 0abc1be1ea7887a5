// One box → platform report POST (PROTOCOL §3/§6): the URL composed against login_url, token and
// dev_sno added, JSON body, bounded time; resolves with the HTTP status, rejects with a plain reason.
// Destinations configured through the local admin API (§7) get `postTo`: their absolute URL as
// it is (no token: they are the integrator's servers), as JSON or as multipart form-data.
import { composeUrl, withAuth } from '../protocol';
import type { LoginSession } from '../link/login';
import { networkReason } from '../link/status';

export const REPORT_TIMEOUT_MS = 15_000;

export function reportUrl(s: LoginSession, url: string): string {
  return withAuth(composeUrl(s.loginUrl, url), s.devSno, s.token);
}

export async function postJson(s: LoginSession, url: string, body: unknown, timeoutMs = REPORT_TIMEOUT_MS): Promise<number> {
  return postTo(reportUrl(s, url), body, 'json', timeoutMs);
}

export type BodyType = 'json' | 'form-data';

/**
 * A report as multipart form-data: one field per top-level key of an object (strings as they
 * are, anything else as JSON); a list (a history batch) as one field `events` holding the JSON.
 */
export function formBody(body: unknown): FormData {
  const f = new FormData();
  if (Array.isArray(body) || body === null || typeof body !== 'object') f.append('events', JSON.stringify(body));
  else for (const [k, v] of Object.entries(body)) f.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  return f;
}

/**
 * POSTs `body` to an absolute URL; resolves with the HTTP status, rejects with a plain reason.
 * A JSON body may come already serialised (a Buffer, e.g. a history batch built in steps).
 */
export async function postTo(url: string, body: unknown, type: BodyType = 'json', timeoutMs = REPORT_TIMEOUT_MS): Promise<number> {
  let res: Response;
  try {
    res =
      type === 'json'
        ? await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.isBuffer(body) ? (new Uint8Array(body.buffer, body.byteOffset, body.length) as Uint8Array<ArrayBuffer>) : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) })
        : await fetch(url, { method: 'POST', body: formBody(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(networkReason(err, new URL(url).host, timeoutMs));
  }
  await res.body?.cancel().catch(() => undefined);
  return res.status;
}
