// PROTOCOL.md §3: URL composition and the token/dev_sno query every box request carries.

/** True for an absolute http(s) URL. */
export const isAbsoluteHttpUrl = (u: string): boolean => /^https?:\/\//i.test(u);

/**
 * Resolves a URL the platform handed the box: absolute http(s) as is; relative (`/…`) onto the
 * scheme + host[:port] of `base` (the login_url, or imgServerAddr for photos; its path is
 * dropped). Throws an Error naming the problem for anything else.
 */
export function composeUrl(base: string, url: string): string {
  if (isAbsoluteHttpUrl(url)) return new URL(url).toString();
  if (!url.startsWith('/')) throw new Error(`"${url}" is neither an absolute http(s) URL nor a path starting with /`);
  const b = new URL(base);
  if (b.protocol !== 'http:' && b.protocol !== 'https:') throw new Error(`base URL ${base} is not http(s)`);
  return new URL(url, `${b.protocol}//${b.host}`).toString();
}

/**
 * Relative photo paths (`relative_pic_url`) use imgServerAddr as their base when given: when it
 * carries a path (`http://img:81/photos`), the relative path is appended to it; else as §3.
 */
export function composePhotoUrl(loginUrl: string, url: string, imgServerAddr?: string): string {
  if (isAbsoluteHttpUrl(url)) return new URL(url).toString();
  if (imgServerAddr && isAbsoluteHttpUrl(imgServerAddr)) {
    const b = new URL(imgServerAddr);
    const basePath = b.pathname.replace(/\/+$/, '');
    const rel = url.startsWith('/') ? url : `/${url}`;
    return new URL(basePath + rel, `${b.protocol}//${b.host}`).toString();
  }
  return composeUrl(loginUrl, url);
}

/** Adds `dev_sno` and `token` as query parameters (every box → platform request, §3). */
export function withAuth(url: string, devSno: string, token: string): string {
  const u = new URL(url);
  u.searchParams.set('dev_sno', devSno);
  u.searchParams.set('token', token);
  return u.toString();
}
