// Shared by the platform-link tests: a fake platform (the other side of PROTOCOL §2/§5, a test
// double serving /login, /getSendPerson, photos and a notify_path endpoint), the embedded
// broker in-process, a real agent process (`se3kit agent`) with extra flags, and small AMQP and
// HTTP helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { cliArgv } from '../helpers/cli';
import { errorEnvelope, userDetailsResponse, type LoginSuccessBody, type UserRecordBody } from '../../agent/protocol';

export const FACES = '/work/shared/fixtures/faces';
export const face = (name: string) => readFileSync(join(FACES, name));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

export interface LoginHit {
  at: number;
  method: string;
  query: Record<string, string>;
}

export interface FakePlatform {
  url: string;
  port: number;
  logins: LoginHit[];
  /** next logins answered with this status + envelope (count down), else success */
  refuseNext: { count: number; status: number; code: number; message: string };
  /** the rabbitmq block the next successful logins return */
  rabbitmq: LoginSuccessBody['rabbitmq'];
  token: string;
  /** user details served by /getSendPerson */
  people: Map<string, UserRecordBody>;
  detailsRequests: Array<{ query: Record<string, string>; body: unknown }>;
  photoRequests: Array<{ path: string; query: Record<string, string> }>;
  /** results POSTed to /notify */
  notified: Array<{ query: Record<string, string>; body: any }>;
  close(): Promise<void>;
}

/** A test double's request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A test double's JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown) {
  const t = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(t) });
  res.end(t);
}

export async function startFakePlatform(devSno: string, rabbitmq: LoginSuccessBody['rabbitmq']): Promise<FakePlatform> {
  let tokenN = 0;
  const p: Omit<FakePlatform, 'url' | 'port' | 'close'> = {
    logins: [],
    refuseNext: { count: 0, status: 403, code: 40003, message: 'unauthorised' },
    rabbitmq,
    token: '',
    people: new Map(),
    detailsRequests: [],
    photoRequests: [],
    notified: [],
  };
  const authorised = (q: Record<string, string>) => q.dev_sno === devSno && q.token === p.token && p.token !== '';
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(u.searchParams);
    void (async () => {
      const body = await readBody(req);
      if (u.pathname === '/api/login') {
        p.logins.push({ at: Date.now(), method: req.method ?? '', query });
        if (p.refuseNext.count > 0) {
          p.refuseNext.count--;
          return json(res, p.refuseNext.status, errorEnvelope(p.refuseNext.code, p.refuseNext.message));
        }
        if (query.dev_sno !== devSno) return json(res, 403, errorEnvelope(40003, 'unknown dev_sno'));
        p.token = `tok${++tokenN}`;
        return json(res, 200, { token: p.token, imgServerAddr: `http://127.0.0.1:${port}/img`, rabbitmq: p.rabbitmq } satisfies LoginSuccessBody);
      }
      if (u.pathname === '/getSendPerson' && req.method === 'POST') {
        const parsed = JSON.parse(body) as { userid_list: string[] };
        p.detailsRequests.push({ query, body: parsed });
        if (!authorised(query)) return json(res, 401, errorEnvelope(40003, 'stale or missing token'));
        return json(res, 200, userDetailsResponse(parsed.userid_list.filter((id) => p.people.has(id)).map((id) => p.people.get(id)!)));
      }
      if (u.pathname.startsWith('/img/') || u.pathname.startsWith('/photos/')) {
        p.photoRequests.push({ path: u.pathname, query });
        if (!authorised(query)) return json(res, 401, errorEnvelope(40003, 'stale or missing token'));
        try {
          const buf = face(u.pathname.split('/').pop()!);
          res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': buf.length });
          return res.end(buf);
        } catch {
          return json(res, 404, errorEnvelope(40400, 'no such photo'));
        }
      }
      if (u.pathname === '/notify' && req.method === 'POST') {
        p.notified.push({ query, body: JSON.parse(body) });
        return json(res, 200, { status: 0 });
      }
      json(res, 404, errorEnvelope(40400, 'not found'));
    })().catch((err) => json(res, 500, errorEnvelope(50072, String(err))));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(p, {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  }) as FakePlatform;
}

export interface AgentProc {
  url: string;
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `se3kit agent` on 127.0.0.1:<free port>, with extra flags. */
export async function startAgent(dataDir: string, extra: string[] = []): Promise<AgentProc> {
  const [cmd, argv] = cliArgv(['agent', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--no-mdns', ...extra]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`agent did not listen:\n${out}`)), 20_000);
    child.stdout!.on('data', () => {
      const m = /^listening \S+:(\d+)$/m.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(t);
      reject(new Error(`agent exited:\n${out}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

export async function health(agent: AgentProc): Promise<any> {
  return (await fetch(`${agent.url}/health`)).json();
}

export async function put(agent: AgentProc, what: 'DevSno' | 'LoginUrl', value: string): Promise<void> {
  const body = what === 'DevSno' ? { dev_sno: value } : { login_url: value };
  const r = await fetch(`${agent.url}/SophonMQ/api/${what}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (r.status !== 200) throw new Error(`PUT ${what}: ${r.status} ${await r.text()}`);
}

/** Collects JSON messages from a queue (the platform's side of uploadQueue). */
export class QueueReader {
  readonly messages: any[] = [];
  private constructor(
    readonly conn: ChannelModel,
    readonly ch: Channel,
  ) {}

  static async open(url: string, queue: string): Promise<QueueReader> {
    const conn = await amqp.connect(url);
    conn.on('error', () => undefined);
    const ch = await conn.createChannel();
    await ch.assertQueue(queue, { durable: true });
    const r = new QueueReader(conn, ch);
    await ch.consume(queue, (m: ConsumeMessage | null) => {
      if (!m) return;
      r.messages.push(JSON.parse(m.content.toString('utf8')));
      ch.ack(m);
    });
    return r;
  }

  /** The result with this messageId (waits for it). */
  byId(id: string, timeoutMs = 60_000): Promise<any> {
    return waitFor(`result ${id}`, () => this.messages.find((m) => m.messageId === id), timeoutMs);
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }
}
