// A box address as the technician types it ("host", "host:port", "user@host[:port]",
// "[v6]:port"), checked before anything connects: a typo such as "box 1!" or "host:abc" gets a
// clear error instead of a name lookup. Pure (no Node imports): the Deploy page checks the same
// way before sending.

export interface BoxSpec {
  host: string;
  port: number;
  user: string;
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);
const IPV6 = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?$/;
const USER = /^[A-Za-z0-9._-]+$/;

/** The parsed address, or a sentence saying what is wrong with it. */
export function parseBoxSpec(spec: string, defaults: { user?: string; port?: number } = {}): BoxSpec | { problem: string } {
  let user = defaults.user;
  let rest = spec.trim();
  const bad = { problem: `"${spec}" is not a box address (use host, host:port or user@host)` };
  const at = rest.lastIndexOf('@');
  if (at > 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let host = rest;
  let port = defaults.port;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    if (v6[2]) port = Number(v6[2]);
  } else if (/^[^:]+:\d+$/.test(rest)) {
    const i = rest.lastIndexOf(':');
    host = rest.slice(0, i);
    port = Number(rest.slice(i + 1));
  }
  if (!host || (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))) return bad;
  if (!v6 && /[^\x00-\x7f]/.test(host)) {
    // an internationalised name ("kasse-büro.lan") is checked and used in its ASCII (xn--) form
    const ascii = asciiHost(host);
    if (ascii === null) return bad;
    host = ascii;
  }
  if (!(v6 ? IPV6.test(host) : HOSTNAME.test(host) || IPV6.test(host))) return bad;
  if (user !== undefined && !USER.test(user)) return bad;
  return { host, port: port ?? 22, user: user ?? 'root' };
}

/** A host name's ASCII form (IDNA, by the WHATWG URL parser Node and the browser share), or null. */
function asciiHost(host: string): string | null {
  try {
    return new URL(`http://${host}/`).hostname || null;
  } catch {
    return null;
  }
}

/** What is wrong with a box address, or null when it is one. */
export function boxSpecProblem(spec: string): string | null {
  const r = parseBoxSpec(spec);
  return 'problem' in r ? r.problem : null;
}
