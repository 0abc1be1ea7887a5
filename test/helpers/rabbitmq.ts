// Starts a private RabbitMQ (Debian rabbitmq-server) for tests and benchmarks: its own node
// name, ports, data/log dirs, HOME (Erlang cookie) and config (loopback only, one test user).
// Needs epmd, which `erl` starts on demand (shared on 4369, harmless between instances).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
export { freePort };

export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
export const RABBITMQCTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';

export interface RabbitMQ {
  port: number;
  url: string; // amqp://test:test@127.0.0.1:PORT
  user: string;
  password: string;
  /** Process group of the server (rabbitmq-server script, beam.smp, epmd children). */
  pgid: number;
  /** Runs rabbitmqctl against this node; resolves its stdout, rejects with its stderr. */
  ctl(args: string[]): Promise<string>;
  /** With `management: true`: http://test:test@127.0.0.1:PORT (the management HTTP API). */
  adminUrl: string | null;
  stop(): Promise<void>;
}


function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts RabbitMQ; rejects (after stopping it) if it is not accepting AMQP within `timeoutMs`. */
/** `management`: also enable the rabbitmq_management plugin (HTTP API on a free loopback port; the test user is an administrator). */
export async function startRabbitMQ(opts: { timeoutMs?: number; management?: boolean } = {}): Promise<RabbitMQ> {
  if (!existsSync(RABBITMQ_SERVER)) throw new Error(`${RABBITMQ_SERVER} not found (apt-get install rabbitmq-server)`);
  const base = mkdtempSync(join(tmpdir(), 'se3-rabbitmq-'));
  const port = await freePort();
  const dist = await freePort();
  const mgmt = opts.management ? await freePort() : null;
  const home = join(base, 'home');
  mkdirSync(home);
  const conf = join(base, 'rabbitmq.conf');
  writeFileSync(
    conf,
    [
      'loopback_users = none',
      `listeners.tcp.1 = 127.0.0.1:${port}`,
      'default_user = test',
      'default_pass = test',
      'default_vhost = /',
      'default_permissions.configure = .*',
      'default_permissions.read = .*',
      'default_permissions.write = .*',
      'disk_free_limit.absolute = 10MB',
      'log.console = false',
      'log.file.level = warning',
      ...(mgmt ? ['default_user_tags.administrator = true', `management.tcp.port = ${mgmt}`, 'management.tcp.ip = 127.0.0.1'] : []),
      '',
    ].join('\n'),
  );
  writeFileSync(join(base, 'enabled_plugins'), mgmt ? '[rabbitmq_management].\n' : '[].\n');
  const node = `se3test-${process.pid}-${port}@localhost`;
  const child: ChildProcess = spawn(RABBITMQ_SERVER, [], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      RABBITMQ_MNESIA_BASE: join(base, 'mnesia'),
      RABBITMQ_LOG_BASE: join(base, 'log'),
      RABBITMQ_NODENAME: node,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(dist),
      RABBITMQ_CONFIG_FILE: conf,
      RABBITMQ_ENABLED_PLUGINS_FILE: join(base, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(base, 'pid'),
      RABBITMQ_ALLOW_INPUT: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (d) => (output = (output + d).slice(-4000)));
  child.stderr?.on('data', (d) => (output = (output + d).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));

  const stop = async (): Promise<void> => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      const deadline = Date.now() + 15000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (!exited) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    rmSync(base, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  while (!(await canConnect(port)) || (mgmt !== null && !(await canConnect(mgmt)))) {
    if (exited || Date.now() > deadline) {
      const log = join(base, 'log', `${node}.log`);
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      await stop();
      throw new Error(`RabbitMQ did not start on port ${port}: ${output}\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const ctl = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const p = spawn(RABBITMQCTL, ['-n', node, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.once('error', reject);
      p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`rabbitmqctl ${args.join(' ')} failed (${code}): ${err || out}`))));
    });
  return { port, url: `amqp://test:test@127.0.0.1:${port}`, user: 'test', password: 'test', pgid: child.pid ?? 0, adminUrl: mgmt ? `http://test:test@127.0.0.1:${mgmt}` : null, ctl, stop };
}
