// The box's FTP server for snapshot cameras (ftp-srv): each capture device registered with
// ftp_user/ftp_password logs in with them and uploads into its own spool directory; anything
// else is refused. Passive mode only (cameras sit on the LAN). An upload over the size a picture
// may have is stopped while it streams (./ftp-fs). One address holds at most FTP_MAX_PER_PEER
// control connections (../peer-connections); after FREE_FAILURES failed logins in a row an address
// waits longer and longer before its next login is checked (./login-throttle).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import { FtpSrv } from 'ftp-srv';
import type { CaptureDevices } from './devices';
import type { Spool } from './spool';
import { CappedFileSystem } from './ftp-fs';
import { MAX_SPOT_BYTES } from '../events/store';
import { limitConnections } from '../peer-connections';
import { LoginThrottle } from './login-throttle';

/** FTP control connections one address may hold at once (a camera needs one). */
export const FTP_MAX_PER_PEER = 16;

export interface FtpOptions {
  host: string;
  port: number;
  /** the address cameras are told to connect to for passive data connections */
  pasvHost: string;
  devices: CaptureDevices;
  spool: Spool;
  /** the largest upload accepted, bytes (default MAX_SPOT_BYTES) */
  maxFileBytes?: number;
  log(line: string): void;
}

export interface RunningFtp {
  port: number;
  close(): Promise<void>;
}

/** A quiet bunyan-shaped logger: errors to the agent log, the rest dropped. */
function ftpLogger(log: (line: string) => void) {
  const l = {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (e: unknown) => {
      const m = e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e)?.slice(0, 200);
      // login refusals are logged by the login handler (once, not once per locked-out attempt)
      if (m && !/ECONNRESET|socket hang up|^unknown user or wrong password$|^too many failed logins/.test(m)) log(`ftp: ${m}`);
    },
    child: () => l,
  };
  return l;
}

export async function startFtp(o: FtpOptions): Promise<RunningFtp> {
  const before = new Map(['SIGTERM', 'SIGINT', 'SIGQUIT'].map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  const ftp = new FtpSrv({
    url: `ftp://${o.host}:${o.port}`,
    pasv_url: o.pasvHost,
    pasv_min: 1024,
    pasv_max: 65535,
    anonymous: false,
    greeting: 'SE3 agent snapshot upload',
    log: ftpLogger(o.log) as never,
    timeout: 60_000,
  });
  // ftp-srv exits the process on SIGTERM/SIGINT itself; the agent closes it in order instead
  for (const [sig, had] of before) for (const l of process.listeners(sig as NodeJS.Signals)) if (!had.has(l)) process.off(sig as NodeJS.Signals, l as never);

  const throttle = new LoginThrottle();
  ftp.on('login', ({ connection, username, password }, resolve, reject) => {
    const peer = connection.ip ?? 'unknown';
    const wait = throttle.wait(peer);
    if (wait > 0) return reject(new Error(`too many failed logins from ${peer}; try again in ${Math.ceil(wait / 1000)} s`));
    const d = o.devices.byFtpUser(username);
    if (!d || !samePassword(d.ftp_password, password)) {
      const locked = throttle.failed(peer);
      o.log(`ftp: refused login as "${String(username).slice(0, 64)}" from ${peer} (unknown user or wrong password)${locked ? `; its next login is checked in ${Math.ceil(locked / 1000)} s at the earliest` : ''}`);
      return reject(new Error('unknown user or wrong password'));
    }
    throttle.succeeded(peer);
    connection.on('STOR', (err: unknown, path: string) => {
      if (err || !path) return;
      o.spool.add(path).catch((e) => o.log(`ftp: ${(e as Error).message}`));
    });
    o.spool.dirFor(username).then(
      (root) =>
        resolve({
          fs: new CappedFileSystem(connection, root, { maxBytes: o.maxFileBytes ?? MAX_SPOT_BYTES, user: username, log: o.log }),
          root,
          cwd: '/',
          blacklist: ['RETR', 'DELE', 'RNFR', 'RNTO', 'MKD', 'RMD', 'SITE', 'APPE'],
        }),
      (e) => reject(e as Error),
    );
  });
  ftp.on('client-error', ({ error }) => o.log(`ftp: client error: ${error?.message ?? String(error)}`));
  await ftp.listen();
  const server = (ftp as unknown as { server: Server }).server;
  limitConnections(server, {
    maxPerPeer: FTP_MAX_PER_PEER,
    refusal: (peer, max) => `421 too many connections from ${peer} (${max} at once); close some and try again\r\n`,
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    async close() {
      await Promise.resolve(ftp.close()).catch(() => undefined);
    },
  };
}

/** Compares passwords in time independent of where they differ. */
function samePassword(want: string | undefined, got: unknown): boolean {
  const h = (v: string) => createHash('sha256').update(v).digest();
  return typeof want === 'string' && typeof got === 'string' && timingSafeEqual(h(want), h(got));
}
