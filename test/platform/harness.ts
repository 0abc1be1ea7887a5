// In-process platform for tests: a fresh data dir, the embedded broker (the Broker panel's
// control, on a free port) and the real face engine pool.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAgentDb } from '../../agent/store/db';
import { createBrokerControl, type BrokerControl } from '../../electron/broker/control';
import { createPhotoCheckService, type PhotoCheckService } from '../../electron/fiqa/photo-service';
import { createPlatformService, type PlatformOptions, type PlatformService } from '../../electron/platform/service';
import { freePort } from '../helpers/ports';

export interface Harness {
  dir: string;
  platform: PlatformService;
  broker: BrokerControl;
  photos: PhotoCheckService;
  amqpPort: number;
  base: string;
  /** messageId of the newest command sent to a box (read from platform.db with a second connection). */
  platformDbCommand(devSno: string, method?: string): Promise<string>;
  /** Stops everything; `keep` leaves the data dir for a restart. */
  close(opts?: { keep?: boolean }): Promise<void>;
}

/** Starts the platform on a fresh data dir, or on `reuse.dir` (a restart: same ports). */
export async function startPlatform(o: Partial<PlatformOptions> = {}, reuse?: { dir: string; amqpPort: number }): Promise<Harness> {
  const dir = reuse?.dir ?? mkdtempSync(join(tmpdir(), 'se3-platform-'));
  const broker = createBrokerControl({ dataDir: dir, warmUp: false }); // the start-up warm-up is tested in test/broker
  const photos = createPhotoCheckService({ dataDir: dir, jobs: 1 });
  const amqpPort = reuse?.amqpPort ?? (await freePort());
  const platform = await createPlatformService({
    dataDir: dir,
    boxPort: 0,
    brokerControl: broker,
    amqpPort,
    checkPhoto: (b, level) => photos.check(b, { level: level ?? 'high' }),
    ...o,
  });
  return {
    dir,
    platform,
    broker,
    photos,
    amqpPort,
    base: `http://127.0.0.1:${platform.boxPort}`,
    async platformDbCommand(devSno, method = 'add_users_plus') {
      const db = await openAgentDb(dir, { file: 'platform.db' });
      try {
        const r = await db.get<{ message_id: string }>('SELECT message_id FROM commands WHERE dev_sno = ? AND method = ? ORDER BY sent_at DESC, rowid DESC LIMIT 1', [devSno, method]);
        if (!r) throw new Error(`no ${method} command for ${devSno}`);
        return r.message_id;
      } finally {
        await db.close();
      }
    },
    async close(opts = {}) {
      await platform.close();
      await broker.close();
      await photos.close();
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): any;
}

/** One HTTP request (optionally to another local address than 127.0.0.1). */
export function http(url: string, o: { method?: string; body?: string | Buffer; headers?: Record<string, string>; localAddress?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Waits until `check` returns a truthy value (polling), or fails with `what`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `check` in three tight loops until `work` ends; returns how many reads ran and what was wrong (at most 20). */
export async function pollWhile(work: () => Promise<void>, check: () => Promise<string | null>): Promise<{ reads: number; bad: string[] }> {
  let done = false;
  const bad: string[] = [];
  let reads = 0;
  const poller = async () => {
    while (!done) {
      const problem = await check();
      reads++;
      if (problem && bad.length < 20) bad.push(problem);
    }
  };
  const pollers = [poller(), poller(), poller()];
  try {
    await work();
  } finally {
    done = true;
    await Promise.all(pollers);
  }
  return { reads, bad };
}

/** Awaits `p` and checks it was refused with this PlatformError code, HTTP status and (optionally) message. */
export async function refused(p: Promise<unknown>, code: string, status: number, msg?: RegExp): Promise<void> {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: { code?: string; httpStatus?: number; message: string }) => e,
  );
  assert.equal(err.code, code, err.message);
  assert.equal(err.httpStatus, status);
  if (msg) assert.match(err.message, msg);
}
