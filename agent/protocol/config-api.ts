// PROTOCOL.md §1: the box configuration API (DevSno, LoginUrl on port 5555).
// The one place that says what a valid dev_sno / login_url is and what the bodies look like;
// the agent (server side) and the desktop box client (client side) both use it.
import { z } from 'zod';

export const CONFIG_API_PORT = 5555;
export const DEV_SNO_PATH = '/SophonMQ/api/DevSno';
export const LOGIN_URL_PATH = '/SophonMQ/api/LoginUrl';
/** Largest request body the box accepts on its local APIs (bigger → 41300). */
export const MAX_CONFIG_BODY_BYTES = 64 * 1024;

const DEV_SNO_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Returns null when valid, else a sentence saying what is wrong and what is expected. */
export function devSnoProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'dev_sno must be a string';
  if (value.length === 0) return 'dev_sno must not be empty';
  if (value.length > 64) return `dev_sno is ${value.length} characters long; at most 64 are allowed`;
  if (!DEV_SNO_RE.test(value)) return 'dev_sno may contain only letters, digits, "_" and "-"';
  return null;
}

/**
 * Returns null when valid, else a sentence saying what is wrong and what is expected.
 * Control characters and white space are refused as sent (a URL parser would silently drop
 * tabs and line breaks), and so are credentials (`user:pass@host`): the box would hand them
 * to whoever reads its LoginUrl.
 */
export function loginUrlProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'login_url must be a string';
  if (value.length === 0) return 'login_url must not be empty';
  if (value.length > 2048) return 'login_url is longer than 2048 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return 'login_url contains control characters (line breaks, tabs…); send the URL alone';
  if (/\s/.test(value)) return 'login_url contains spaces; write spaces in a path as %20';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `login_url "${value}" is not an absolute URL; expected e.g. http://host:8080/login`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `login_url must start with http:// or https:// (got ${url.protocol})`;
  if (!url.hostname) return 'login_url has no host';
  if (url.username || url.password) return 'login_url must not contain a user name or password (user:password@); the box logs in with its DevSno';
  if (url.href.length > 2048) return 'login_url is longer than 2048 characters once normalised';
  return null;
}

/**
 * The form a valid login_url is stored and compared in: the WHATWG serialisation (scheme and
 * host lower-cased, default port dropped, `/` for an empty path, characters percent-encoded
 * where needed). Agent and box client both use it; call only on a value loginUrlProblem accepts.
 */
export function normalizeLoginUrl(value: string): string {
  return new URL(value).href;
}

export const devSnoSchema = z.string().superRefine((v, ctx) => {
  const p = devSnoProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});
/** Validates, and yields the normalised URL (normalizeLoginUrl). */
export const loginUrlSchema = z
  .string()
  .superRefine((v, ctx) => {
    const p = loginUrlProblem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  })
  .transform(normalizeLoginUrl);

/** PUT bodies (request). */
export const putDevSnoBody = z.object({ dev_sno: devSnoSchema });
export const putLoginUrlBody = z.object({ login_url: loginUrlSchema });
export type PutDevSnoBody = z.infer<typeof putDevSnoBody>;
export type PutLoginUrlBody = z.infer<typeof putLoginUrlBody>;

/** Success bodies as the agent sends them. */
export const getDevSnoResponse = (devSno: string) => ({ data: { dev_sno: devSno } });
export const getLoginUrlResponse = (loginUrl: string) => ({ data: { login_url: loginUrl } });
export const putResponse = (value: string) => ({ data: { response: value } });

/**
 * Clients accept either spelling the vendor pages show: `{data:{dev_sno}}` or `{data:{response}}`
 * (and likewise `login_url`). Returns the value, or null when the body has neither.
 */
export function readConfigValue(body: unknown, field: 'dev_sno' | 'login_url'): string | null {
  if (!body || typeof body !== 'object') return null;
  const data = (body as { data?: unknown }).data;
  if (!data || typeof data !== 'object') return null;
  const rec = data as Record<string, unknown>;
  const v = rec[field] ?? rec.response;
  return typeof v === 'string' ? v : null;
}

/** Summarise the first zod issue as one sentence naming the field. */
export function firstIssue(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid body';
  const field = issue.path.join('.');
  if (issue.code === 'invalid_type') {
    if (/received undefined/.test(issue.message)) return `${field} is required`;
    return `${field} must be a ${issue.expected}`;
  }
  return field && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message;
}
