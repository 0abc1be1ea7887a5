// Shared by the local admin API tests (admin-api-*.test.ts): one real `se3kit agent` process per
// test file, logged in to a fake platform (test/agent/recog-fixture.ts) over the embedded broker,
// with one capture device (CAM, permission staff-id, FTP user cam9), and an HTTP receiver for the
// admin API's report URLs (every POST kept by path, JSON or form-data); request helpers that
// assert §8 error envelopes.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { startBroker, type Broker } from '../../electron/broker';
import type { LoginSuccessBody } from '../../agent/protocol';
import { face, health, put, readBody, startAgent, waitFor, type AgentProc } from './link-fixture';
import { freePort, startReportPlatform, type ReportPlatform } from './recog-fixture';

export const DEV_SNO = 'ADMINAPITEST0001ADMINAPI';
export const CAM = '192.0.2.31';
export const API = '/SophonFogSys/api';

/** The integrator's servers: every POST kept by path, JSON or form-data. */
export interface Hit {
  path: string;
  type: string;
  body: any;
}

export interface AdminFixture {
  dir: string;
  broker: Broker;
  platform: ReportPlatform;
  agent: AgentProc;
  ftpPort: number;
  receiver: { url: string; hits: Hit[]; server: Server; down: boolean };
}

/** The running fixture of this test file (set by startAdminFixture). */
export const fx = {} as AdminFixture;

const RABBIT: LoginSuccessBody['rabbitmq'] = {
  host: '127.0.0.1',
  port: 0,
  login: 'box',
  password: 'pw',
  queue: 'box.a.cmd',
  exchange: { name: 'se3.a', type: 'topic', passive: false, durable: true, auto_delete: false, arguments: null },
};
export const agentArgs = () => ['--mac', '02:00:00:00:00:31', '--ftp-port', String(fx.ftpPort)];

export async function startAdminFixture(): Promise<void> {
  fx.dir = mkdtempSync(join(tmpdir(), 'se3-admin-'));
  fx.broker = await startBroker({ port: 0, warmUp: false, dataDir: join(fx.dir, 'broker'), users: [{ name: 'box', password: 'pw' }], vhosts: ['/'] });
  fx.platform = await startReportPlatform(DEV_SNO, { ...RABBIT, port: fx.broker.port });
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!;
      const raw = await readBody(req);
      if (fx.receiver.down && req.url === '/hist') return void res.writeHead(503).end();
      const body = type === 'multipart/form-data' ? Object.fromEntries(await new Response(raw, { headers: { 'content-type': req.headers['content-type']! } }).formData()) : JSON.parse(raw);
      hits.push({ path: new URL(req.url!, 'http://x').pathname, type, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":0}');
    })().catch(() => res.writeHead(400).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fx.receiver = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, server, down: false };
  fx.ftpPort = await freePort();
  fx.agent = await startAgent(join(fx.dir, 'agent'), agentArgs());
  await put(fx.agent, 'DevSno', DEV_SNO);
  await put(fx.agent, 'LoginUrl', `${fx.platform.url}/api/login`);
  await waitFor('logged in', async () => (await health(fx.agent)).login.state === 'logged-in');
  const dev = await fetch(`${fx.agent.url}/se3kit/capture-devices`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ep_ip: CAM, ep_type: 1, permission_ids: ['staff-id'], ftp_user: 'cam9', ftp_password: 'pw9' }),
  });
  assert.equal(dev.status, 200);
}

export async function stopAdminFixture(): Promise<void> {
  await fx.agent?.kill();
  await fx.platform?.close();
  await fx.broker?.close();
  const rs = fx.receiver?.server;
  await new Promise<void>((r) => (rs ? (rs.close(() => r()), rs.closeAllConnections()) : r()));
  if (fx.dir) rmSync(fx.dir, { recursive: true, force: true });
}

export async function call(method: string, resource: string, body?: unknown, opts: { query?: string; type?: string } = {}): Promise<{ status: number; body: any }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': opts.type ?? 'application/json' };
  }
  const r = await fetch(`${fx.agent.url}${API}/${resource}${opts.query ? `?${opts.query}` : ''}`, init);
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Asserts a §8 error envelope with this HTTP status and code. */
export async function fails(p: Promise<{ status: number; body: any }>, status: number, code: number, msg?: RegExp): Promise<void> {
  const r = await p;
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code, JSON.stringify(r.body));
  assert.equal(typeof r.body.error.status, 'string');
  if (msg) assert.match(r.body.error.message, msg);
}

export function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(join(fx.dir, 'agent', 'agent.db'), sqlite3.OPEN_READONLY, (err) => {
      if (err) return reject(err);
      db.all(sql, params, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows as T[]))));
    });
  });
}

export async function snapshot(img: Buffer) {
  const r = await fetch(`${fx.agent.url}/snapshots?ep_ip=${CAM}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(img) });
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()) as { faces: number; events: Array<{ event_id: string; identity_id: string; score: number; person_type: number }> };
}

export const photo64 = (name: string) => face(name).toString('base64');

/** Sends raw bytes to the agent's port; resolves with everything it answers until it closes. */
export function rawRequest(text: string | Buffer): Promise<string> {
  const { port } = new URL(fx.agent.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => s.write(text));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d) => (out += d));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    s.setTimeout(10_000, () => s.destroy(new Error('no answer')));
  });
}
