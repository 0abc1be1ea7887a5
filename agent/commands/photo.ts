// Getting a user's enrolment photo (PROTOCOL §5): reg_photo (base64), reg_url (absolute URL) or
// relative_pic_url (§3, imgServerAddr base). Downloads are http/https only, with a size and a
// time limit; requests to the platform's own hosts carry dev_sno and token.
import { composePhotoUrl, isAbsoluteHttpUrl, withAuth, type PhotoSource } from '../protocol';
import { networkReason } from '../link/status';
import { readLimitedBytes } from '../link/login';
import type { LoginSession } from '../link/login';
import type { PhotoLimits } from './context';

/** A photo that could not be obtained: `remote` = the server failed (50073), else the data is bad (40094). */
export class PhotoError extends Error {
  constructor(
    message: string,
    readonly remote: boolean,
  ) {
    super(message);
  }
}

const BASE64_RE = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;
const BASE64URL_RE = /^[A-Za-z0-9_\-\r\n]*={0,2}\s*$/;

export function decodeBase64Photo(text: string, maxBytes: number, field = 'reg_photo'): Buffer {
  const body = text.replace(/^data:[^,]*;base64,/, '').trim();
  if (!body) throw new PhotoError(`${field} is empty`, false);
  if (body.length > Math.ceil((maxBytes * 4) / 3) + 4) throw new PhotoError(`${field} is larger than ${Math.round(maxBytes / 1048576)} MiB`, false);
  if (!BASE64_RE.test(body) && !BASE64URL_RE.test(body)) throw new PhotoError(`${field} is not valid base64`, false);
  const buf = Buffer.from(body, BASE64_RE.test(body) ? 'base64' : 'base64url');
  if (buf.length === 0) throw new PhotoError(`${field} is not valid base64`, false);
  return buf;
}

/** The URL a photo is fetched from (auth query added for the platform's own hosts). */
export function photoUrl(src: PhotoSource, session: LoginSession): string {
  if (src.kind === 'reg_photo') throw new Error('no URL for an inline photo');
  const raw = src.kind === 'reg_url' ? src.url : src.path;
  if (src.kind === 'reg_url' && !isAbsoluteHttpUrl(raw)) throw new PhotoError(`reg_url "${raw.slice(0, 200)}" is not an absolute http(s) URL`, false);
  let url: string;
  try {
    url = composePhotoUrl(session.loginUrl, raw, session.body.imgServerAddr);
  } catch (err) {
    throw new PhotoError(`${src.kind} "${raw.slice(0, 200)}": ${(err as Error).message}`, false);
  }
  const own = [session.loginUrl, session.body.imgServerAddr].filter((u): u is string => !!u && isAbsoluteHttpUrl(u)).map((u) => new URL(u).host);
  return own.includes(new URL(url).host) ? withAuth(url, session.devSno, session.token) : url;
}

export async function loadPhoto(src: PhotoSource, session: LoginSession | null, limits: PhotoLimits): Promise<Buffer> {
  if (src.kind === 'reg_photo') return decodeBase64Photo(src.base64, limits.maxBytes);
  if (!session) throw new PhotoError('not logged in to the platform: cannot resolve the photo URL', true);
  const url = photoUrl(src, session);
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PhotoError(`photo URL must be http or https (got ${u.protocol})`, false);
  const shown = `${u.origin}${u.pathname}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(limits.timeoutMs), redirect: 'follow' });
  } catch (err) {
    throw new PhotoError(`photo download failed: ${networkReason(err, u.host, limits.timeoutMs)}`, true);
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new PhotoError(`photo download failed: HTTP ${res.status} from ${shown}`, true);
  }
  try {
    const buf = await readLimitedBytes(res, limits.maxBytes);
    if (buf.length === 0) throw new PhotoError(`the photo at ${shown} is empty`, false);
    return buf;
  } catch (err) {
    if (err instanceof PhotoError) throw err;
    if ((err as { code?: string }).code === 'TOO_LARGE') throw new PhotoError(`the photo at ${shown} is larger than ${Math.round(limits.maxBytes / 1048576)} MiB`, false);
    throw new PhotoError(`photo download failed: ${networkReason(err, u.host, limits.timeoutMs)}`, true);
  }
}
