// A real OpenSSH server for tests: Debian's /usr/sbin/sshd in the foreground (-D -e) with a
// temporary host key, config, authorized_keys and HOME, listening on a loopback address
// (127.0.0.x) or inside a network namespace. Each instance is one "box".
//
// The box user is a dedicated system account `se3test` (created once with useradd, password set
// with chpasswd; needs root). Every instance gets its own HOME through sshd's `SetEnv HOME=...`,
// and `AuthorizedKeysFile` points into that HOME, so `~/.ssh/authorized_keys` written by the
// deploy service over SSH is per box, exactly where the box's sshd reads it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
export { freePort };

export const SSHD_BIN = '/usr/sbin/sshd';
export const TEST_USER = 'se3test';
/** Fixed test-only password of the se3test account (the account exists only on test machines). */
export const TEST_PASSWORD = 'se3-Test-pw-7731';

export interface TestUser {
  name: string;
  password: string;
  uid: number;
  gid: number;
}

let cachedUser: TestUser | null = null;

/** Creates the se3test system user if missing and (re)sets its password. Root only. */
export function ensureTestUser(): TestUser {
  if (cachedUser) return cachedUser;
  if (spawnSync('id', ['-u', TEST_USER]).status !== 0) {
    const r = spawnSync('useradd', ['--system', '--shell', '/bin/bash', '--home-dir', `/var/lib/${TEST_USER}`, '--create-home', TEST_USER], {
      encoding: 'utf8',
    });
    // Another test process may have created it at the same moment.
    if (r.status !== 0 && spawnSync('id', ['-u', TEST_USER]).status !== 0) throw new Error(`useradd ${TEST_USER} failed: ${r.stderr}`);
  }
  const pw = spawnSync('chpasswd', [], { input: `${TEST_USER}:${TEST_PASSWORD}\n`, encoding: 'utf8' });
  if (pw.status !== 0) throw new Error(`chpasswd failed: ${pw.stderr}`);
  const uid = Number(spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', TEST_USER], { encoding: 'utf8' }).stdout.trim());
  cachedUser = { name: TEST_USER, password: TEST_PASSWORD, uid, gid };
  return cachedUser;
}


export interface SshdOptions {
  /** Address to listen on: 127.0.0.1 (default), another 127.0.0.x, or an address in `netns`. */
  host?: string;
  /** Port; a free one when omitted. */
  port?: number;
  /** Run sshd inside this network namespace (`ip netns exec NAME`). */
  netns?: string;
  /** Allow password logins (the adopt step needs them). Default true. */
  passwordAuthentication?: boolean;
  /** Public keys (OpenSSH one-line format) to put in the box user's authorized_keys. */
  authorizedKeys?: string[];
  /** Parent directory for the box's temp dir (default os.tmpdir()). */
  parentDir?: string;
}

export interface SshdBox {
  host: string;
  port: number;
  user: TestUser;
  /** The box's temp dir (config, host key, HOME, anything the test puts there). Owned by root. */
  dir: string;
  /** The box user's HOME for this instance (owned by the box user). */
  home: string;
  authorizedKeysFile: string;
  /** SHA256:... fingerprint of the current host key (as `ssh-keygen -l` prints it). */
  hostKeyFingerprint(): string;
  /** Replaces the host key (the next start presents a different key). */
  regenerateHostKey(): void;
  /** Starts sshd again after stop()/kill() (same address, port, key unless regenerated). */
  start(): Promise<void>;
  /** Stops sshd gracefully (existing sessions are cut as well: the whole process group goes). */
  stop(): Promise<void>;
  /** SIGKILLs the listener and every session process it spawned. */
  kill(): void;
  /** Stops sshd and removes the temp dir. */
  cleanup(): Promise<void>;
  /** What sshd logged (stderr, -e), for failing-test diagnostics. */
  log(): string;
}

function keygen(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.pub`, { force: true });
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'se3-test-host', '-f', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

export async function startSshd(opts: SshdOptions = {}): Promise<SshdBox> {
  const user = ensureTestUser();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (opts.netns ? 2222 : await freePort());
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'se3-sshd-'));
  chmodSync(dir, 0o755); // the box user must reach its HOME and authorized_keys below it
  const home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  const authorizedKeysFile = join(home, '.ssh', 'authorized_keys');
  writeFileSync(authorizedKeysFile, (opts.authorizedKeys ?? []).map((k) => `${k.trim()}\n`).join(''));
  for (const p of [home, join(home, '.ssh'), authorizedKeysFile]) chownSync(p, user.uid, user.gid);
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  keygen(hostKey);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress ${host}:${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeysFile}`,
      `PasswordAuthentication ${opts.passwordAuthentication === false ? 'no' : 'yes'}`,
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin no',
      `AllowUsers ${user.name}`,
      `SetEnv HOME=${home}`,
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      'MaxStartups 100:30:200',
      'MaxSessions 50',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | null = null;
  let logText = '';

  async function start(): Promise<void> {
    if (child) return;
    const cmd = opts.netns ? 'ip' : SSHD_BIN;
    const args = ['-D', '-e', '-f', config];
    const fullArgs = opts.netns ? ['netns', 'exec', opts.netns, SSHD_BIN, ...args] : args;
    const c = spawn(cmd, fullArgs, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    child = c;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${logText}`)), 10_000);
      c.stderr!.setEncoding('utf8');
      c.stderr!.on('data', (d: string) => {
        logText += d;
        if (logText.length > 200_000) logText = logText.slice(-100_000);
        if (d.includes('Server listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      c.once('exit', (code) => {
        clearTimeout(timer);
        if (child === c) child = null;
        reject(new Error(`sshd exited (${code}) while starting:\n${logText}`));
      });
    });
    c.removeAllListeners('exit');
    c.once('exit', () => {
      if (child === c) child = null;
    });
  }

  function signalAll(sig: NodeJS.Signals): ChildProcess | null {
    const c = child;
    if (!c?.pid) return null;
    // Session processes call setsid(), so a process-group kill misses them: signal the whole
    // tree of descendants, leaves first (the listener last).
    for (const pid of [...descendants(c.pid).reverse(), c.pid]) {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
    return c;
  }

  async function stop(): Promise<void> {
    const c = signalAll('SIGTERM');
    if (!c) return;
    await new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      const t = setTimeout(() => {
        signalAll('SIGKILL');
        resolve();
      }, 3000);
      c.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    child = null;
  }

  await start();
  return {
    host,
    port,
    user,
    dir,
    home,
    authorizedKeysFile,
    hostKeyFingerprint() {
      const r = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], { encoding: 'utf8' });
      const m = /SHA256:[A-Za-z0-9+/=]+/.exec(r.stdout);
      if (!m) throw new Error(`ssh-keygen -l failed: ${r.stderr}`);
      return m[0];
    },
    regenerateHostKey() {
      keygen(hostKey);
    },
    start,
    stop,
    kill() {
      signalAll('SIGKILL');
      child = null;
    },
    async cleanup() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => logText,
  };
}

/** Every descendant pid of `root` (breadth-first), read from /proc. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  let frontier = [root];
  while (frontier.length) {
    const next: number[] = [];
    for (const [pid, ppid] of parent) if (frontier.includes(ppid)) next.push(pid);
    out.push(...next);
    frontier = next;
  }
  return out;
}

/** The public key line of an OpenSSH key pair (for `authorizedKeys`). */
export function readPublicKey(path: string): string {
  return readFileSync(path.endsWith('.pub') ? path : `${path}.pub`, 'utf8').trim();
}
