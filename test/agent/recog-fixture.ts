// The platform's receiving side of PROTOCOL §6 as a test double: /api/login (with recordAddr,
// deviceInfoAddr, deviceMonitorAddr and short periods), realtime events and history batches at
// the recordAddr URLs, device status and device info; can be down (connections dropped) or hold
// the next history batch without answering (to kill the box meanwhile). A batch counts as
// received only when the platform answered it 200. Plus a minimal FTP client over a raw socket.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { errorEnvelope, type LoginSuccessBody } from '../../agent/protocol';
import { json, readBody } from './link-fixture';

export interface ReportPlatform {
  url: string;
  token: string;
  /** 'down': every report connection is dropped; 'hold': history batches wait for release() */
  mode: 'up' | 'down' | 'hold';
  realtime: Map<string, any[]>;
  /** acknowledged (HTTP 200) history batches per path */
  history: Map<string, any[][]>;
  status: any[];
  deviceInfo: any[];
  queries: Array<Record<string, string>>;
  /** resolves when a history batch is being held */
  held(): Promise<void>;
  /** drops the held requests without an answer (the box never sees a 200) */
  dropHeld(): void;
  close(): Promise<void>;
}

export async function startReportPlatform(devSno: string, rabbitmq: LoginSuccessBody['rabbitmq'], periods = { record: 1, monitor: 1 }): Promise<ReportPlatform> {
  let n = 0;
  let heldReqs: ServerResponse[] = [];
  let heldWaiters: Array<() => void> = [];
  const p = {
    url: '',
    token: '',
    mode: 'up' as ReportPlatform['mode'],
    realtime: new Map<string, any[]>(),
    history: new Map<string, any[][]>(),
    status: [] as any[],
    deviceInfo: [] as any[],
    queries: [] as Array<Record<string, string>>,
  };
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(u.searchParams);
    void (async () => {
      if (u.pathname === '/api/login') {
        if (query.dev_sno !== devSno) return json(res, 403, errorEnvelope(40003, 'unknown dev_sno'));
        p.token = `tok${++n}`;
        return json(res, 200, {
          token: p.token,
          recordAddr: `/records, ${p.url}/records-b`,
          recordUploadPeriod: periods.record,
          deviceInfoAddr: '/devinfo',
          deviceMonitorAddr: '/monitor',
          deviceMonitorPeriod: periods.monitor,
          rabbitmq,
        } satisfies LoginSuccessBody);
      }
      if (p.mode === 'down') return void req.socket.destroy();
      const body = JSON.parse(await readBody(req));
      p.queries.push(query);
      if (query.dev_sno !== devSno || query.token !== p.token) return json(res, 401, errorEnvelope(40003, 'stale or missing token'));
      if (u.pathname === '/records' || u.pathname === '/records-b') {
        if (!Array.isArray(body)) {
          p.realtime.set(u.pathname, [...(p.realtime.get(u.pathname) ?? []), body]);
          return json(res, 200, { status: 0 });
        }
        if (p.mode === 'hold') {
          heldReqs.push(res);
          for (const w of heldWaiters.splice(0)) w();
          return;
        }
        p.history.set(u.pathname, [...(p.history.get(u.pathname) ?? []), body]);
        return json(res, 200, { status: 0 });
      }
      if (u.pathname === '/monitor') {
        p.status.push(body);
        return json(res, 200, { status: 0 });
      }
      if (u.pathname === '/devinfo') {
        p.deviceInfo.push(body);
        return json(res, 200, { status: 0, message: 'ok', data: null });
      }
      json(res, 404, errorEnvelope(40400, 'not found'));
    })().catch((err) => json(res, 500, errorEnvelope(50072, String(err))));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  p.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(p, {
    held: () => (heldReqs.length ? Promise.resolve() : new Promise<void>((r) => heldWaiters.push(r))),
    dropHeld: () => {
      for (const r of heldReqs) r.socket?.destroy();
      heldReqs = [];
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  });
}

/** A port that was free a moment ago (for --ftp-port). */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The FTP replies of one control connection, line by line. */
export class Control {
  private buf = '';
  private waiters: Array<(line: string) => void> = [];
  private lines: string[] = [];
  constructor(readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        if (!/^\d{3} /.test(line)) continue; // multi-line reply continuation
        const w = this.waiters.shift();
        if (w) w(line);
        else this.lines.push(line);
      }
    });
  }
  reply(): Promise<string> {
    const l = this.lines.shift();
    if (l) return Promise.resolve(l);
    return new Promise((r, j) => {
      const t = setTimeout(() => j(new Error('no FTP reply within 20 s')), 20_000);
      this.waiters.push((line) => (clearTimeout(t), r(line)));
    });
  }
  async cmd(c: string): Promise<string> {
    this.sock.write(`${c}\r\n`);
    return this.reply();
  }
}

/** An FTP control connection, logged in (or refused: `pass` is the PASS reply); `from`: a loopback address to connect from. */
export async function ftpLogin(port: number, user: string, password: string, from?: string): Promise<{ c: Control; sock: Socket; pass: string }> {
  const sock = connect({ port, host: '127.0.0.1', localAddress: from });
  await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
  const c = new Control(sock);
  try {
    await c.reply(); // 220
    await c.cmd(`USER ${user}`);
    const pass = await c.cmd(`PASS ${password}`);
    if (pass.startsWith('230')) await c.cmd('TYPE I');
    return { c, sock, pass };
  } catch (err) {
    sock.destroy();
    throw err;
  }
}

/**
 * Opens a passive data connection and sends STOR `name` (raw: any bytes); returns the data
 * socket once the server said 150, or the refusal.
 */
export async function ftpStor(c: Control, name: string | Buffer): Promise<{ data: Socket } | { refused: string }> {
  const pasv = await c.cmd('PASV');
  const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(pasv);
  if (!m) throw new Error(`bad PASV reply: ${pasv}`);
  const data = connect(Number(m[5]) * 256 + Number(m[6]), '127.0.0.1');
  await new Promise<void>((r, j) => data.once('connect', () => r()).once('error', j));
  data.on('error', () => undefined);
  c.sock.write(Buffer.concat([Buffer.from('STOR '), Buffer.from(name), Buffer.from('\r\n')]));
  const prelim = await c.reply(); // 150
  if (!prelim.startsWith('150')) {
    data.destroy();
    return { refused: prelim };
  }
  return { data };
}

/** Logs in and STORes one file over FTP (passive mode); returns the replies of PASS and STOR. */
export async function ftpUpload(port: number, user: string, password: string, name: string, data: Buffer): Promise<{ pass: string; stor?: string }> {
  const { c, sock, pass } = await ftpLogin(port, user, password);
  try {
    if (!pass.startsWith('230')) return { pass };
    const s = await ftpStor(c, name);
    if ('refused' in s) throw new Error(`STOR refused: ${s.refused}`);
    await new Promise<void>((r) => s.data.end(data, () => r()));
    const stor = await c.reply(); // 226
    await c.cmd('QUIT').catch(() => '');
    return { pass, stor };
  } finally {
    sock.destroy();
  }
}
