// What the agent's HTTP server checks before routing a request from the LAN:
// - the request target parses to a path whatever a client sends (`//`, `*`, junk), never to an
//   exception outside the handler;
// - the Host header is an IP literal or one of the box's own names, so a web page a technician
//   opens cannot rebind its DNS name to the box and reach this API (DNS rebinding);
// - a malformed request or an aborted one costs one log line, never a stack trace.
import type { IncomingMessage, Server } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';

/** The pathname of an origin-form request target, or null when the target is not one. */
export function requestPath(target: string | undefined): string | null {
  if (typeof target !== 'string' || !target.startsWith('/')) return null;
  try {
    return new URL(`http://box${target}`).pathname;
  } catch {
    return null;
  }
}

/** The host part of a Host header (`10.0.0.5:5555` → `10.0.0.5`, `[fe80::1]:5555` → `fe80::1`), lower-cased, or null. */
export function hostOf(header: string): string | null {
  const h = header.trim().toLowerCase();
  const v6 = /^\[([0-9a-f:.%a-z]+)\](?::\d{1,5})?$/.exec(h);
  if (v6) return v6[1]!;
  const m = /^([^:[\]]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1]!.replace(/\.$/, '') : null;
}

/**
 * Accepts a request whose Host is an IP literal (v4, or v6 in brackets), `localhost`, or one of
 * `names` (the box's host name and mDNS instance name, each also with `.local`). A request
 * without Host (HTTP/1.0 tools) is accepted: browsers always send one.
 */
export function hostAllowed(header: string | undefined, names: readonly string[]): boolean {
  if (header === undefined) return true;
  const host = hostOf(header);
  if (host === null) return false;
  if (isIP(host.split('%')[0]!) !== 0) return true;
  if (host === 'localhost') return true;
  return names.some((n) => {
    const name = n.toLowerCase();
    return host === name || host === `${name}.local`;
  });
}

/** True when the error only means the client went away (aborted upload, reset connection). */
export function isClientAbort(err: unknown, req: IncomingMessage): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // (req.destroyed is no sign: a request is destroyed once its body has been read.)
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || (err as Error)?.message === 'aborted' || req.socket?.destroyed === true;
}

/** Answers unparsable requests with a bare 400 and logs one line per such client error. */
export function guardServer(server: Server, log: (line: string) => void): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const code = err.code ?? 'ERR';
    // A client that resets or times out needs no answer; anything unparsable gets a plain 400.
    if (code !== 'ECONNRESET' && code !== 'EPIPE') {
      const peer = (socket as Duplex & { remoteAddress?: string }).remoteAddress ?? 'unknown';
      log(`refused a malformed request from ${peer} (${code})`);
    }
    if (socket.writable && code !== 'ECONNRESET') socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
}
