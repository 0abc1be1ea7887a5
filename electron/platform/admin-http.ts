// The admin endpoint `se3kit platform ...` talks to: 127.0.0.1 only, a random port, every call
// with `Authorization: Bearer <token>` where the token is in <data>/admin-token (0600, new at
// every start) and the URL in <data>/platform-admin.url. It serves the platform.* methods of
// the same API dispatcher as the UI (same validation, same errors), and the events.* methods. A caller that accepts
// application/x-ndjson gets the progress events of its call as they happen, one JSON line each
// ({"event", "data"}), then one line with {"result"} or {"error"}.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Api } from '../api/dispatch';
import { errorReply } from '../api/errors';

export const ADMIN_TOKEN_FILE = 'admin-token';
export const ADMIN_URL_FILE = 'platform-admin.url';
const MAX_BODY = 41 * 1024 * 1024;
export const NDJSON = 'application/x-ndjson';

/** Methods whose progress events are streamed: the event of the same name, when it belongs to this call. */
const STREAMED: Record<string, (params: unknown, data: unknown) => boolean> = {
  'platform.commission': (params, data) => ((params as { hosts?: unknown }).hosts as unknown[] | undefined)?.includes((data as { host?: unknown }).host) ?? false,
};

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startAdminEndpoint(o: { api: Api; dataDir: string }): Promise<{ url: string; close(): Promise<void> }> {
  const token = randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const authorised = (req: IncomingMessage) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  const stream = async (res: ServerResponse, method: string, params: unknown) => {
    const line = (obj: unknown) => {
      if (!res.destroyed && !res.writableEnded) res.write(`${JSON.stringify(obj)}\n`);
    };
    res.writeHead(200, { 'content-type': `${NDJSON}; charset=utf-8`, 'cache-control': 'no-store' });
    const mine = STREAMED[method];
    const off = mine ? o.api.events.subscribe((event, data) => event === method && mine(params, data) && line({ event, data })) : () => undefined;
    try {
      line({ result: (await o.api.call(method, params)) ?? null });
    } catch (err) {
      const { status, body } = errorReply(err);
      line({ ...(body as object), status });
    } finally {
      off();
      if (!res.destroyed) res.end();
    }
  };
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (!authorised(req)) return send(res, 401, { error: { message: `give the admin token (from ${join(o.dataDir, ADMIN_TOKEN_FILE)})`, code: 'unauthenticated' } });
      if (req.method !== 'POST' || !path.startsWith('/call/')) return send(res, 404, { error: { message: 'POST /call/<method>', code: 'bad_request' } });
      const method = decodeURIComponent(path.slice('/call/'.length));
      if (!method.startsWith('platform.') && !method.startsWith('events.')) return send(res, 404, { error: { message: `only platform.* and events.* methods are served here (not ${method})`, code: 'unknown_method' } });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req as AsyncIterable<Buffer>) {
        size += c.length;
        if (size > MAX_BODY) return send(res, 413, { error: { message: 'request too large', code: 'bad_request' } });
        chunks.push(c);
      }
      let params: unknown = {};
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim()) {
        try {
          params = JSON.parse(text);
        } catch {
          return send(res, 400, { error: { message: 'the body is not JSON', code: 'bad_request' } });
        }
      }
      if ((req.headers.accept ?? '').includes(NDJSON)) return stream(res, method, params);
      const result = await o.api.call(method, params);
      send(res, 200, { result: result ?? null });
    })().catch((err) => {
      const { status, body } = errorReply(err);
      if (res.headersSent) res.destroy();
      else send(res, status, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokenFile = join(o.dataDir, ADMIN_TOKEN_FILE);
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  await chmod(tokenFile, 0o600);
  await writeFile(join(o.dataDir, ADMIN_URL_FILE), `${url}\n`, { mode: 0o600 });
  return {
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await rm(join(o.dataDir, ADMIN_URL_FILE), { force: true });
    },
  };
}
