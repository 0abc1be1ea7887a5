// The box-facing HTTP server (PROTOCOL §2, §3, §5, §4.5 notify_path), on its own port and
// every interface, apart from the admin UI/API. Boxes on vendor firmware speak to it
// unchanged. Every reply that is not a success is the §8 error envelope; bodies are bounded;
// nothing a client sends can crash it or hold a request open for long.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorEnvelope, statusName } from '../../agent/protocol/codes';
import { nestsDeeperThan, tooDeepMessage } from '../../agent/protocol/json-depth';
import { limitConnections, rawJsonResponse } from '../../agent/peer-connections';
import { isDiskFull } from '../../agent/disk-full';

export const BOX_PATHS = {
  login: '/login',
  userDetails: '/getSendPerson',
  photo: '/photo/',
  notify: '/notify',
  // §6 reports (electron/platform/events/): events (one object realtime, an array history), §6.1, §6.2
  record: '/record',
  deviceStatus: '/deviceStatus',
  deviceInfo: '/deviceInfo',
} as const;

/** A failure the box sees: HTTP status + §8 code + message. */
export class BoxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    /** The §8 status string when the code's table name is not the one to send. */
    readonly statusText?: string,
  ) {
    super(message);
  }
}

export const UNAUTHORISED = (why: string) => new BoxHttpError(401, 40003, why, 'PARAM_ERROR');
export const FORBIDDEN = (why: string) => new BoxHttpError(403, 40003, why, 'PARAM_ERROR');

/** Where the box reached us: the base of every URL handed to it. */
export interface Reached {
  /** The local address of the connection (IPv4 or bare IPv6), never 127.0.0.1 unless the box is local. */
  host: string;
  port: number;
  /** http://host:port */
  base: string;
}

export interface BoxHandlers {
  login(params: { dev_sno: string; hex_mac: string }, reached: Reached): Promise<unknown>;
  /** Resolves the box from dev_sno + token (throws 401/403 BoxHttpError). */
  auth(devSno: string, token: string): Promise<{ devSno: string }>;
  userDetails(box: { devSno: string }, userIds: string[], reached: Reached, token: string): Promise<unknown>;
  photo(box: { devSno: string }, sha256: string): Promise<{ bytes: Buffer; type: string } | null>;
  result(box: { devSno: string }, body: unknown): Promise<void>;
  /** §6.3 events: one object (realtime) or an array of ≤ 100 (history). */
  record?(box: { devSno: string }, body: unknown): Promise<void>;
  /** §6.1 device status. */
  deviceStatus?(box: { devSno: string }, body: unknown): Promise<void>;
  /** §6.2 capture device added/removed. */
  deviceInfo?(box: { devSno: string }, body: unknown): Promise<void>;
}

export interface BoxServerOptions {
  port: number;
  host?: string;
  handlers: BoxHandlers;
  /** Largest JSON body accepted (default 1 MiB). */
  maxBody?: number;
  /** Largest event body (a history batch of 100 events with base64 pictures; default 24 MiB). */
  maxRecordBody?: number;
  /** Event bodies read at once per box at most (default 3); beyond, 503 and the box retries. */
  maxRecordConcurrency?: number;
  /** Seconds a request may take to arrive (default 15). */
  requestTimeoutS?: number;
  /** Connections one address may hold at once (default 256: PlatformOptions.boxConnectionsPerAddress); beyond, 503 and closed. */
  maxConnectionsPerPeer?: number;
}

export interface BoxServer {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_IDS = 1000;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function sendFailure(res: ServerResponse, err: unknown): void {
  if (err instanceof BoxHttpError) {
    const env = errorEnvelope(err.code, err.message);
    env.error.status = err.statusText ?? statusName[err.code] ?? 'ERROR';
    send(res, err.status, env);
    return;
  }
  if (isDiskFull(err)) {
    send(res, 507, errorEnvelope(50072, "the platform's disk is full: this request was not taken; send it again later"));
    return;
  }
  send(res, 500, errorEnvelope(50072, 'internal error on the platform; see its log'));
}

function reachedOf(req: IncomingMessage): Reached {
  let host = req.socket.localAddress ?? '127.0.0.1';
  if (host.startsWith('::ffff:')) host = host.slice(7);
  const port = req.socket.localPort ?? 0;
  const h = host.includes(':') ? `[${host}]` : host;
  return { host, port, base: `http://${h}:${port}` };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new BoxHttpError(413, 41300, `request body is ${declared} bytes; at most ${limit} are accepted`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BoxHttpError(413, 41300, `request body is over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson(buf: Buffer): unknown {
  const text = buf.toString('utf8');
  if (text.trim() === '') throw new BoxHttpError(400, 40002, 'request body is empty; send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BoxHttpError(400, 40091, 'request body is not valid JSON');
  }
  if (nestsDeeperThan(text)) throw new BoxHttpError(400, 40091, tooDeepMessage());
  return value;
}

function contentType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function param(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  return v === null ? '' : v;
}

export async function startBoxServer(o: BoxServerOptions): Promise<BoxServer> {
  const maxBody = o.maxBody ?? 1024 * 1024;
  const maxRecordBody = o.maxRecordBody ?? 24 * 1024 * 1024;
  const maxRecordConcurrency = o.maxRecordConcurrency ?? 3;
  // event bodies being read per authenticated box: bounds memory (a box's slow or parallel
  // uploads hold only its own slots; an unauthenticated client holds none)
  const recordsReading = new Map<string, number>();
  const h = o.handlers;

  /** A §6 report: POST, authenticated, a JSON body; answered with the vendor's ok object. */
  async function report(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, what: string, limit: number, fn: ((box: { devSno: string }, body: unknown) => Promise<void>) | undefined, slots = false): Promise<void> {
    if (!fn) throw new BoxHttpError(404, 40400, `this platform does not take ${what}`);
    if ((req.method ?? 'GET') !== 'POST') throw new BoxHttpError(405, 40000, `use POST for ${what}`);
    const box = await authed(q);
    if (contentType(req).startsWith('multipart/')) throw new BoxHttpError(415, 41591, `send ${what} as JSON (content-type application/json), not form-data`);
    const held = recordsReading.get(box.devSno) ?? 0;
    if (slots && held >= maxRecordConcurrency) throw new BoxHttpError(503, 50072, `the platform is busy storing this box's events (${held} uploads at once); send again shortly`);
    if (slots) recordsReading.set(box.devSno, held + 1);
    try {
      const body = parseJson(await readBody(req, limit));
      await fn(box, body);
    } finally {
      if (slots) {
        const n = (recordsReading.get(box.devSno) ?? 1) - 1;
        if (n > 0) recordsReading.set(box.devSno, n);
        else recordsReading.delete(box.devSno);
      }
    }
    send(res, 200, { status: 0, message: 'ok', data: null });
  }

  async function authed(q: URLSearchParams): Promise<{ devSno: string; token: string }> {
    const devSno = param(q, 'dev_sno');
    const token = param(q, 'token');
    if (!devSno || !token) throw UNAUTHORISED('dev_sno and token query parameters are required (log in first)');
    if (devSno.length > 64 || token.length > 256) throw UNAUTHORISED('dev_sno or token is not valid');
    const box = await h.auth(devSno, token);
    return { ...box, token };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://box-port');
    } catch {
      throw new BoxHttpError(400, 40000, 'malformed request URL');
    }
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const q = url.searchParams;

    if (path === BOX_PATHS.login) {
      if (method !== 'GET' && method !== 'POST') throw new BoxHttpError(405, 40000, 'use GET or POST for /login');
      const params = new URLSearchParams(q);
      if (method === 'POST') {
        const body = await readBody(req, 16 * 1024);
        const type = contentType(req);
        if (body.length > 0) {
          if (type === 'application/json') {
            const j = parseJson(body) as Record<string, unknown> | null;
            if (j && typeof j === 'object' && !Array.isArray(j)) {
              for (const k of ['dev_sno', 'hex_mac']) if (typeof j[k] === 'string' && !params.get(k)) params.set(k, j[k] as string);
            }
          } else {
            const form = new URLSearchParams(body.toString('utf8'));
            for (const k of ['dev_sno', 'hex_mac']) if (form.get(k) && !params.get(k)) params.set(k, form.get(k)!);
          }
        }
      }
      const devSno = param(params, 'dev_sno');
      const hexMac = param(params, 'hex_mac');
      if (!devSno || !hexMac) throw new BoxHttpError(400, 40091, 'dev_sno and hex_mac are required');
      const reply = await h.login({ dev_sno: devSno, hex_mac: hexMac }, reachedOf(req));
      return send(res, 200, reply);
    }

    if (path === BOX_PATHS.userDetails) {
      if (method !== 'POST') throw new BoxHttpError(405, 40000, 'use POST for /getSendPerson');
      const box = await authed(q);
      const body = parseJson(await readBody(req, maxBody)) as { userid_list?: unknown } | null;
      const ids = body && typeof body === 'object' ? body.userid_list : undefined;
      if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw new BoxHttpError(400, 40091, 'userid_list must be a list of user id strings');
      if (ids.length > MAX_IDS) throw new BoxHttpError(400, 40091, `at most ${MAX_IDS} user ids per request`);
      const reply = await h.userDetails(box, ids as string[], reachedOf(req), box.token);
      return send(res, 200, reply);
    }

    if (path.startsWith(BOX_PATHS.photo)) {
      if (method !== 'GET' && method !== 'HEAD') throw new BoxHttpError(405, 40000, 'use GET for photos');
      const box = await authed(q);
      const m = /^([0-9a-f]{64})(\.[a-z]{3,4})?$/.exec(path.slice(BOX_PATHS.photo.length));
      if (!m) throw new BoxHttpError(404, 40400, 'no such photo');
      const photo = await h.photo(box, m[1]!);
      if (!photo) throw new BoxHttpError(404, 40400, 'no such photo for this box');
      res.writeHead(200, { 'content-type': photo.type, 'content-length': photo.bytes.length, 'cache-control': 'no-store' });
      res.end(method === 'HEAD' ? undefined : photo.bytes);
      return;
    }

    if (path === BOX_PATHS.notify) {
      if (method !== 'POST') throw new BoxHttpError(405, 40000, 'use POST for results');
      const box = await authed(q);
      const body = parseJson(await readBody(req, maxBody));
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BoxHttpError(400, 40091, 'a result must be one JSON object');
      await h.result(box, body);
      return send(res, 200, { status: 0, message: 'ok', data: null });
    }

    if (path === BOX_PATHS.record) return report(req, res, q, 'events', maxRecordBody, h.record, true);
    if (path === BOX_PATHS.deviceStatus) return report(req, res, q, 'device status', maxBody, h.deviceStatus);
    if (path === BOX_PATHS.deviceInfo) return report(req, res, q, 'device info', maxBody, h.deviceInfo);

    throw new BoxHttpError(404, 40400, `no such endpoint: ${path.length > 100 ? `${path.slice(0, 100)}…` : path}`);
  }

  const server: Server = createServer(
    // connectionsCheckingInterval: Node checks the request/headers timeouts only this often
    // (30 s by default), so a trickling client would hold a socket well past requestTimeout
    { requestTimeout: (o.requestTimeoutS ?? 15) * 1000, headersTimeout: 10_000, maxHeaderSize: 16 * 1024, connectionsCheckingInterval: 1000 },
    (req, res) => {
    handle(req, res).catch((err) => {
      // a client that went away mid-request is routine on a LAN, not worth a warning per socket
      if (!(err instanceof BoxHttpError) && !clientGone(req, err)) process.emitWarning(`box-facing request ${req.method} ${(req.url ?? '').slice(0, 80)} failed: ${(err as Error)?.stack ?? err}`);
      // drain what the client is still sending so the error reaches it; close after
      if (!req.complete) {
        res.setHeader('connection', 'close');
        req.resume();
      }
      if (res.headersSent) res.destroy();
      else sendFailure(res, err);
    });
    },
  );
  server.keepAliveTimeout = 5000;
  limitConnections(server, {
    maxPerPeer: o.maxConnectionsPerPeer ?? 256,
    firstRequestMs: 10_000,
    refusal: (peer, max) => rawJsonResponse('503 Service Unavailable', errorEnvelope(50072, `too many connections from ${peer} (${max} at once); close some and send again`)),
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable && !(err as NodeJS.ErrnoException).code?.startsWith('ECONN')) {
      const timedOut = (err as NodeJS.ErrnoException).code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const body = JSON.stringify(errorEnvelope(40000, timedOut ? 'request took too long: send it at once' : 'malformed HTTP request'));
      socket.end(`HTTP/1.1 ${timedOut ? '408 Request Timeout' : '400 Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    } else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The client aborted or reset the request: nothing to answer and nothing to report. */
function clientGone(req: IncomingMessage, err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return req.destroyed || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error | undefined)?.message === 'aborted';
}
