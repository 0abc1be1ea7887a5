// How `se3kit platform ...` reaches a running server (`se3kit serve` or the desktop app): the
// admin endpoint's URL and token from the data directory (<data>/platform-admin.url and
// <data>/admin-token, written at the server's start).
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import type { MethodName, Params, Result } from '../../api/contract';
import { ADMIN_TOKEN_FILE, ADMIN_URL_FILE, NDJSON } from '../../platform/admin-http';
import { holderAlive, readPidLock } from '../../../agent/pid-lock';
import { LOCK_FILE, type LockInfo } from '../../site/data-lock';

/**
 * What the caller is told when the server cannot be reached, or goes away before it answers (it
 * was stopped or killed mid-call): what it had committed is kept, so the way on is to look and
 * run the command again once the server runs.
 */
export function connectionFailure(url: string, err: NodeJS.ErrnoException): Error {
  if (err.code === 'ECONNREFUSED') return new PlatformUnavailable(`the site platform at ${url} is not running; start \`se3kit serve\``);
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.message === 'socket hang up' || err.message === 'aborted') {
    return new PlatformUnavailable(
      `the site platform at ${url} stopped before it answered (${err.message}); what it had finished is kept. ` +
        'Once `se3kit serve` runs again, check the result (e.g. `se3kit platform people list`) and run this command again: ' +
        'an import updates the people it already added, it does not add them twice',
    );
  }
  return new Error(err.message);
}

/** The server is not there (not running, stopped mid-call, restarted with a new token): a follower waits for it. */
export class PlatformUnavailable extends Error {}

export class PlatformClient {
  private constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  static async open(dataDir: string): Promise<PlatformClient> {
    const read = (f: string) => readFile(join(dataDir, f), 'utf8').then((s) => s.trim());
    let url: string;
    let token: string;
    try {
      [url, token] = await Promise.all([read(ADMIN_URL_FILE), read(ADMIN_TOKEN_FILE)]);
    } catch {
      // site mode may run on the folder without its platform (it did not start: the box port in use, …)
      const site = await readPidLock<LockInfo>(join(dataDir, LOCK_FILE));
      if (site && holderAlive(site)) {
        throw new PlatformUnavailable(
          `site mode runs on ${dataDir} (process ${site.pid}${site.url ? `, ${site.url}` : ''}) but its site platform did not start; the first lines of its output say why ` +
            '(e.g. "the box port 8090 is already in use"): stop it and start `se3kit serve` again with that fixed (e.g. another --box-port)',
        );
      }
      throw new PlatformUnavailable(`no running site platform found for ${dataDir}: start \`se3kit serve --data ${dataDir}\` (or pass the --data it runs with)`);
    }
    return new PlatformClient(url, token);
  }

  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const body = JSON.stringify(params ?? {});
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.url}/call/${encodeURIComponent(method)}`,
        { method: 'POST', headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.on('error', (err: NodeJS.ErrnoException) => reject(connectionFailure(this.url, err)));
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let parsed: { result?: unknown; error?: { message: string } };
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              return reject(new Error(`the server answered ${res.statusCode} without JSON`));
            }
            if (res.statusCode === 200) resolve(parsed.result as Result<M>);
            else reject(new (res.statusCode === 401 ? PlatformUnavailable : Error)(parsed.error?.message ?? `the server answered ${res.statusCode}`));
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => reject(connectionFailure(this.url, err)));
      req.end(body);
    });
  }

  /** Like call, with the call's progress events (as the server streams them) given to `onEvent` as they happen. */
  stream<M extends MethodName>(method: M, params: Params<M>, onEvent: (event: string, data: unknown) => void): Promise<Result<M>> {
    const body = JSON.stringify(params ?? {});
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.url}/call/${encodeURIComponent(method)}`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${this.token}`, accept: NDJSON, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let buf = '';
          let settled = false;
          res.on('error', (err: NodeJS.ErrnoException) => {
            if (settled) return;
            settled = true;
            reject(connectionFailure(this.url, err));
          });
          const onLine = (text: string) => {
            if (!text.trim() || settled) return;
            let msg: { event?: string; data?: unknown; result?: unknown; error?: { message: string } };
            try {
              msg = JSON.parse(text);
            } catch {
              settled = true;
              return reject(new Error(`the server answered ${res.statusCode} without JSON`));
            }
            if (msg.event !== undefined) return onEvent(msg.event, msg.data);
            settled = true;
            if (res.statusCode === 200 && 'result' in msg) resolve(msg.result as Result<M>);
            else reject(new Error(msg.error?.message ?? `the server answered ${res.statusCode}`));
          };
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            buf += c;
            for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
              onLine(buf.slice(0, i));
              buf = buf.slice(i + 1);
            }
          });
          res.on('end', () => {
            onLine(buf);
            if (!settled) reject(new Error('the server closed the connection before the call finished; see its log'));
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => reject(connectionFailure(this.url, err)));
      req.end(body);
    });
  }
}
