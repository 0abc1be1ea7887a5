// A small JSON-over-HTTP client for the box's port 5555 (node:http: light enough for a sweep
// of a thousand hosts, and it lets us tell "no answer" from "refused" from "bad answer").
import { request } from 'node:http';

export type HttpFailure =
  | { kind: 'timeout' }
  | { kind: 'no-answer' }
  | { kind: 'refused' }
  | { kind: 'unreachable'; code: string }
  | { kind: 'network'; code: string; message: string };

export class HttpError extends Error {
  constructor(
    readonly failure: HttpFailure,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface JsonResponse {
  status: number;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: unknown;
}

export interface RequestOptions {
  method?: 'GET' | 'PUT';
  body?: unknown;
  /** Deadline for the answer, counted from the moment the connection is up. */
  timeoutMs: number;
  /** Deadline for the TCP connection; default timeoutMs. A sweep uses a short one. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
  /** Largest body read; a longer answer is cut (boxes answer a few hundred bytes). */
  maxBytes?: number;
}

/** One request with an overall deadline (connect + answer). Throws HttpError on network failure. */
export function requestJson(host: string, port: number, path: string, opts: RequestOptions): Promise<JsonResponse> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: HttpError | null, res?: JsonResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(res!);
    };
    const req = request({
      host,
      port,
      path,
      method: opts.method ?? 'GET',
      agent: false,
      headers: payload === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const connectMs = opts.connectTimeoutMs ?? opts.timeoutMs;
    let timer = setTimeout(() => finish(new HttpError({ kind: 'timeout' }, `no connection within ${connectMs} ms`)), connectMs);
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(new HttpError({ kind: 'no-answer' }, `connected, but no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
      });
    });
    const onAbort = () => finish(new HttpError({ kind: 'timeout' }, 'cancelled'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? 'ERR';
      if (code === 'ECONNREFUSED') finish(new HttpError({ kind: 'refused' }, e.message));
      else if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN') finish(new HttpError({ kind: 'unreachable', code }, e.message));
      else finish(new HttpError({ kind: 'network', code, message: e.message }, e.message));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= maxBytes) chunks.push(c);
      });
      res.on('error', (e: NodeJS.ErrnoException) => finish(new HttpError({ kind: 'network', code: e.code ?? 'ERR', message: e.message }, e.message)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        finish(null, { status: res.statusCode ?? 0, text, json });
      });
    });
    req.end(payload);
  });
}

/** The §8 error envelope's message and code, when the body is one. */
export function envelopeError(json: unknown): { code: number; message: string } | null {
  const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (!e || typeof e !== 'object') return null;
  return { code: typeof e.code === 'number' ? e.code : 0, message: typeof e.message === 'string' ? e.message : '' };
}
