// One SSH connection to a box (ssh2): host key pinning, key or password login, remote commands,
// SFTP upload with progress, and HTTP requests to the box's own loopback through a forwarded
// channel (so the health check works wherever SSH does, whatever firewall sits in front of :5555).
import { request } from 'node:http';
import ssh2, { type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { DeployError } from './errors';
import { fingerprintOf, keyTypeOf, KnownHosts, type HostKeyStatus } from './known-hosts';

export interface SshTarget {
  host: string;
  /** SSH port, default 22. */
  port?: number;
  user: string;
}

export interface SshAuth {
  privateKey?: string | Buffer;
  password?: string;
}

export interface ConnectOptions {
  knownHosts: KnownHosts;
  /** Accept (and pin) a host key that differs from the stored one — only this fingerprint. */
  acceptChangedHostKey?: string;
  /** Called with the fingerprint the box presented and what pinning made of it. */
  onHostKey?: (info: { fingerprint: string; keyType: string; status: HostKeyStatus }) => void;
  /** Seconds to wait for the SSH handshake (default 20). */
  readyTimeoutSec?: number;
}

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface UploadProgress {
  bytes: number;
  total: number;
  percent: number;
  /** Bytes per second since the upload started. */
  rate: number;
}

/** The `se3kit adopt` command for a box, with its SSH port when it is not 22 (so the command reaches the same box). */
export function adoptCommand(t: { host: string; port?: number; user?: string }): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `se3kit adopt ${t.port && t.port !== 22 ? `${host}:${t.port}` : t.host} --user ${t.user ?? 'root'}`;
}

export function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export class SshSession {
  private closed = false;
  private closeReason: string | null = null;
  private sftpPromise: Promise<SFTPWrapper> | null = null;

  private constructor(
    private readonly client: ssh2.Client,
    readonly target: Required<SshTarget>,
    readonly hostKey: { fingerprint: string; keyType: string; status: HostKeyStatus },
  ) {
    client.on('close', () => {
      this.closed = true;
      this.closeReason ??= 'the connection closed';
    });
    client.on('error', (err) => {
      this.closeReason = err.message;
    });
  }

  get label(): string {
    return `${this.target.user}@${this.target.host}:${this.target.port}`;
  }

  static connect(target: SshTarget, auth: SshAuth, opts: ConnectOptions): Promise<SshSession> {
    const full = { host: target.host, port: target.port ?? 22, user: target.user };
    const where = `${full.host}:${full.port}`;
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      let seen: { fingerprint: string; keyType: string; status: HostKeyStatus } | null = null;
      let hostKeyError: DeployError | null = null;
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(err);
      };
      const config: ConnectConfig = {
        host: full.host,
        port: full.port,
        username: full.user,
        readyTimeout: (opts.readyTimeoutSec ?? 20) * 1000,
        keepaliveInterval: 5000,
        keepaliveCountMax: 4,
        tryKeyboard: false,
        hostVerifier: (key: Buffer) => {
          const fingerprint = fingerprintOf(key);
          const keyType = keyTypeOf(key);
          const pinned = opts.knownHosts.get(full.host, full.port);
          const status = opts.knownHosts.check(full.host, full.port, fingerprint);
          if (status === 'changed' && opts.acceptChangedHostKey !== fingerprint) {
            const wrongAccept = opts.acceptChangedHostKey
              ? `The box presents ${fingerprint}, not the ${opts.acceptChangedHostKey} you accepted; nothing was changed. `
              : '';
            hostKeyError = new DeployError(
              'host-key-changed',
              `${wrongAccept}WARNING: the SSH host key of ${where} has CHANGED (stored ${pinned?.fingerprint}, now ${fingerprint}). ` +
                'This happens when the box was reinstalled, but it can also mean someone is intercepting the connection. ' +
                'Nothing was sent to the box. Check the fingerprint on the box itself ' +
                `(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then accept the new key with --accept-host-key ${fingerprint}.`,
              { stored: pinned?.fingerprint, presented: fingerprint, keyType },
            );
            return false;
          }
          opts.knownHosts.pin(full.host, full.port, fingerprint, keyType); // new, accepted, or lastSeen refresh
          seen = { fingerprint, keyType, status };
          opts.onHostKey?.(seen);
          return true;
        },
      };
      if (auth.privateKey) config.privateKey = auth.privateKey;
      if (auth.password !== undefined) config.password = auth.password;
      if (!auth.privateKey && auth.password === undefined) {
        reject(new DeployError('no-key', `no key or password to log in to ${where} with`));
        return;
      }
      client.once('ready', () => {
        if (settled) return;
        settled = true;
        resolve(new SshSession(client, full, seen!));
      });
      client.once('error', (err: Error & { level?: string; code?: string }) => {
        if (hostKeyError) return fail(hostKeyError);
        if (err.level === 'client-authentication') {
          const how = auth.password !== undefined ? 'the password was not accepted' : 'the key was not accepted';
          return fail(
            new DeployError(
              'auth-failed',
              `login to ${full.user}@${where} refused: ${how}. ` +
                (auth.password !== undefined
                  ? 'Check the user name and password (and that the box allows password logins).'
                  : `Run \`${adoptCommand(full)}\` once to install this installation's key, or pass --key FILE.`),
            ),
          );
        }
        if (err.level === 'client-timeout') {
          return fail(new DeployError('timeout', `no SSH answer from ${where} within ${opts.readyTimeoutSec ?? 20} s: is the box on and reachable?`));
        }
        if (err.code === 'ECONNREFUSED') {
          return fail(new DeployError('connect-failed', `nothing accepts SSH connections on ${where} (connection refused): is SSH enabled on the box and the port right?`));
        }
        if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT') {
          return fail(new DeployError('connect-failed', `cannot reach ${where} (${err.code}): check the address and the network`));
        }
        fail(new DeployError('connect-failed', `SSH connection to ${where} failed: ${err.message}`));
      });
      client.once('close', () => fail(hostKeyError ?? new DeployError('connect-failed', `SSH connection to ${where} closed during the handshake`)));
      client.connect(config);
    });
  }

  private lost(what: string): DeployError {
    return new DeployError('connection-lost', `connection to ${this.target.host}:${this.target.port} lost during ${what} (${this.closeReason ?? 'closed'})`);
  }

  /** Runs a shell command on the box (the user's login shell runs it). */
  exec(command: string, opts: { stdin?: string; timeoutSec?: number } = {}): Promise<ExecResult> {
    if (this.closed) return Promise.reject(this.lost('a command'));
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, ch) => {
        if (err) return reject(this.closed ? this.lost('a command') : new DeployError('remote-command-failed', `cannot run a command on ${this.label}: ${err.message}`));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | null = null;
        let signal: string | undefined;
        const timer = opts.timeoutSec
          ? setTimeout(() => {
              ch.close();
              reject(new DeployError('timeout', `a command on ${this.label} did not finish within ${opts.timeoutSec} s`));
            }, opts.timeoutSec * 1000)
          : null;
        ch.on('data', (d: Buffer) => out.push(d));
        ch.stderr.on('data', (d: Buffer) => errOut.push(d));
        ch.on('exit', (c: number | null, sig?: string) => {
          code = c;
          signal = sig;
        });
        ch.on('close', () => {
          if (timer) clearTimeout(timer);
          if (code === null && signal === undefined && this.closed) return reject(this.lost('a command'));
          resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') });
        });
        if (opts.stdin !== undefined) ch.end(opts.stdin);
        else ch.end();
      });
    });
  }

  /** Runs a /bin/sh script (passed on stdin), optionally through `sudo -n`. */
  async sh(script: string, opts: { sudo?: boolean; timeoutSec?: number } = {}): Promise<ExecResult> {
    const cmd = opts.sudo ? 'sudo -n /bin/sh -s' : '/bin/sh -s';
    return this.exec(cmd, { stdin: script, timeoutSec: opts.timeoutSec ?? 120 });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpPromise ??= new Promise((resolve, reject) => {
      this.client.sftp((err, s) => (err ? reject(new DeployError('upload-failed', `cannot open SFTP on ${this.label}: ${err.message}`)) : resolve(s)));
    });
    return this.sftpPromise;
  }

  /** Uploads a local file with SFTP, reporting progress at most every `everyMs`. */
  async upload(localPath: string, remotePath: string, onProgress?: (p: UploadProgress) => void, everyMs = 250): Promise<void> {
    if (this.closed) throw this.lost('the upload');
    const sftp = await this.sftp();
    const started = Date.now();
    let last = 0;
    await new Promise<void>((resolve, reject) => {
      const onClose = () => reject(this.lost('the upload'));
      this.client.once('close', onClose);
      sftp.fastPut(
        localPath,
        remotePath,
        {
          concurrency: 32,
          chunkSize: 32 * 1024,
          mode: 0o600,
          step: (bytes, _chunk, total) => {
            const now = Date.now();
            if (onProgress && (now - last >= everyMs || bytes === total)) {
              last = now;
              const secs = Math.max((now - started) / 1000, 0.001);
              onProgress({ bytes, total, percent: total ? Math.round((bytes / total) * 1000) / 10 : 100, rate: Math.round(bytes / secs) });
            }
          },
        },
        (err) => {
          this.client.removeListener('close', onClose);
          if (err) reject(this.closed ? this.lost('the upload') : new DeployError('upload-failed', `upload to ${this.label}:${remotePath} failed: ${err.message}`));
          else resolve();
        },
      );
    });
  }

  /** An HTTP GET to 127.0.0.1:port on the box, through an SSH-forwarded channel. */
  httpGet(port: number, path: string, timeoutMs = 3000): Promise<{ status: number; body: string }> {
    if (this.closed) return Promise.reject(this.lost('the health check'));
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (fn: () => void) => {
        if (!done) {
          done = true;
          clearTimeout(timer);
          fn();
        }
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no answer from :${port}${path} within ${timeoutMs} ms`))), timeoutMs);
      this.client.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (err, stream: ClientChannel) => {
        if (err) return finish(() => reject(new Error(`nothing answers on the box's port ${port} (${err.message})`)));
        const req = request(
          { host: '127.0.0.1', port, path, method: 'GET', createConnection: () => stream as never, headers: { connection: 'close' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
            res.on('error', (e) => finish(() => reject(e)));
          },
        );
        req.on('error', (e) => finish(() => reject(e)));
        req.end();
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.client.end();
  }

  /** Cuts the TCP connection at once (tests: a cable pulled mid-upload). */
  destroy(): void {
    this.client.destroy();
  }
}
