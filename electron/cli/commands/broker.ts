// se3kit broker --port 5672 --data DIR [--user NAME[:PASSWORD]]... [--users-file FILE] [--vhost NAME]...
// Runs the embedded AMQP 0-9-1 broker in the foreground until Ctrl-C / SIGTERM.
// Passwords: from --users-file or $SE3KIT_BROKER_PASSWORD (argv is visible to every local user
// in `ps`); NAME:PASSWORD on the command line still works. With no user at all (and none stored)
// the broker creates guest/guest, which, as with RabbitMQ, may log in only from this machine.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { lockBrokerDir } from '../../broker/data-lock';
import { loadDefinitions } from '../../broker/store/metadata';
import { toRabbitDefinitions } from '../../broker/definitions';
import { InvalidArgumentError, type Command } from 'commander';
import { startBroker, type BrokerUserSpec } from '../../broker/index';

function collect<T>(parse: (v: string) => T) {
  return (value: string, previous: T[] = []): T[] => [...previous, parse(value)];
}

export const PASSWORD_ENV = 'SE3KIT_BROKER_PASSWORD';

/** NAME:PASSWORD, or NAME alone (password from $SE3KIT_BROKER_PASSWORD, resolved in the action). */
function parseUser(v: string): BrokerUserSpec & { fromEnv?: boolean } {
  const i = v.indexOf(':');
  if (i === 0 || v === '') throw new InvalidArgumentError(`expected NAME or NAME:PASSWORD, got '${v}'`);
  if (i < 0) return { name: v, password: '', fromEnv: true };
  return { name: v.slice(0, i), password: v.slice(i + 1) };
}

/** Lines of NAME:PASSWORD; blank lines and lines starting with # are skipped. */
export function parseUsersFile(text: string, file: string): BrokerUserSpec[] {
  const out: BrokerUserSpec[] = [];
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i <= 0 || i === line.length - 1) throw new Error(`${file} line ${n + 1}: expected NAME:PASSWORD`);
    out.push({ name: line.slice(0, i), password: line.slice(i + 1) });
  }
  return out;
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`not a port number: '${v}'`);
  return n;
}

interface BrokerCliOptions {
  port: number;
  host: string;
  data: string;
  user?: Array<BrokerUserSpec & { fromEnv?: boolean }>;
  usersFile?: string;
  definitions?: string;
  exportDefinitions?: string;
  vhost?: string[];
  tlsPort?: number;
  tlsKey?: string;
  tlsCert?: string;
  heartbeat?: number;
  memoryLimitMb?: number;
  warmUp: boolean;
}

export function register(program: Command): void {
  program
    .command('broker')
    .description('run the embedded AMQP 0-9-1 broker (RabbitMQ-compatible) in the foreground')
    .requiredOption('--data <dir>', 'directory for definitions and persistent messages')
    .option('--port <port>', 'AMQP port (0 = any free port)', parsePort, 5672)
    .option('--host <address>', 'listen address (0.0.0.0 = every interface, for boxes on the LAN)', '0.0.0.0')
    .option(
      '--user <name[:password]>',
      `create/update a user with full permissions on every --vhost (repeatable); NAME alone takes the password from $${PASSWORD_ENV} (a password on the command line is visible to other local users in ps)`,
      collect(parseUser),
    )
    .option('--users-file <file>', 'users to create/update, one NAME:PASSWORD per line (# comments); keep it chmod 600')
    .option('--definitions <file>', 'import a RabbitMQ definitions JSON (rabbitmqctl export_definitions output: users with password hashes, vhosts, permissions, queues, exchanges, bindings) at start')
    .option('--export-definitions <file>', "write the --data directory's definitions as RabbitMQ definitions JSON (mode 600) and exit ('-' = stdout)")
    .option('--vhost <name>', "virtual host to create (repeatable; default '/')", collect(String))
    .option('--tls-port <port>', 'also listen for amqps on this port (needs --tls-key and --tls-cert)', parsePort)
    .option('--tls-key <file>', 'PEM private key for amqps')
    .option('--tls-cert <file>', 'PEM certificate (chain) for amqps')
    .option('--heartbeat <seconds>', 'heartbeat interval the broker proposes', (v) => parsePort(v))
    .option('--memory-limit-mb <mb>', 'message bodies held in memory before paging to disk', (v) => parsePort(v))
    .option('--no-warm-up', 'skip the start-up warm-up (about 3 s of CPU of private traffic before listening, so that the first burst of real messages is not slowed by the JIT compiler)')
    .addHelpText(
      'after',
      `\nWith no --user, --users-file or stored users, the broker creates guest/guest, which (as with RabbitMQ)\ncan log in only from this computer (127.0.0.1 / ::1): add a user for boxes on the LAN.`,
    )
    .action(async (o: BrokerCliOptions) => {
      if (o.exportDefinitions) {
        try {
          const defs = loadDefinitions(o.data);
          if (!defs) throw new Error(`${o.data} holds no broker definitions yet`);
          const text = `${JSON.stringify(toRabbitDefinitions(defs), null, 2)}\n`;
          if (o.exportDefinitions === '-') process.stdout.write(text);
          else writeFileSync(o.exportDefinitions, text, { mode: 0o600 });
        } catch (err) {
          process.stderr.write(`se3kit broker: cannot export the definitions: ${(err as Error).message}\n`);
          process.exitCode = 1;
        }
        return;
      }
      let definitions: unknown;
      if (o.definitions) {
        try {
          definitions = JSON.parse(readFileSync(o.definitions, 'utf8'));
        } catch (err) {
          process.stderr.write(`se3kit broker: cannot read the definitions file: ${(err as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
      }
      let users: BrokerUserSpec[];
      try {
        users = resolveUsers(o);
      } catch (err) {
        process.stderr.write(`se3kit broker: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }

      if ((o.tlsKey || o.tlsCert || o.tlsPort !== undefined) && !(o.tlsKey && o.tlsCert)) {
        process.stderr.write('se3kit broker: amqps needs both --tls-key and --tls-cert\n');
        process.exitCode = 2;
        return;
      }
      let tls;
      try {
        tls = o.tlsKey && o.tlsCert ? { port: o.tlsPort ?? 5671, key: readFileSync(o.tlsKey), cert: readFileSync(o.tlsCert) } : undefined;
      } catch (err) {
        process.stderr.write(`se3kit broker: cannot read the TLS key/certificate: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      // one broker per data directory (also the app's, on <data>/broker): two would append to the same message store and lose messages
      const lock = await lockBrokerDir(o.data, 'se3kit broker').catch((err: Error) => ({ error: err }));
      if ('error' in lock) {
        process.stderr.write(`se3kit broker: cannot use the data directory ${resolve(o.data)}: ${lock.error.message}\n`);
        process.exitCode = 1;
        return;
      }
      if ('refused' in lock) {
        process.stderr.write(`se3kit broker: ${lock.refused}\n`);
        process.exitCode = 1;
        return;
      }
      let broker;
      try {
        broker = await startBroker({
          port: o.port,
          host: o.host,
          dataDir: o.data,
          users,
          definitions,
          vhosts: o.vhost,
          tls: tls && { ...tls, host: o.host },
          heartbeat: o.heartbeat,
          memoryLimitBytes: o.memoryLimitMb !== undefined ? o.memoryLimitMb * 1024 * 1024 : undefined,
          warmUp: o.warmUp,
          log: (line) => void process.stderr.write(`se3kit ${line}\n`),
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const hint = e.code === 'EADDRINUSE' ? ' (port in use: pick another --port or stop the other broker)' : '';
        process.stderr.write(`se3kit broker: cannot start: ${e.message}${hint}\n`);
        process.exitCode = 1;
        await lock.release();
        return;
      }
      if (broker.listUsers().some((u) => u.name === 'guest'))
        process.stderr.write(
          "se3kit broker: user 'guest' can log in only from this computer (as with RabbitMQ). Add a user (--user NAME with $" +
            `${PASSWORD_ENV}, or --users-file) for boxes on the LAN.\n`,
        );
      const w = broker.warmUp;
      if (w && w.error === null) process.stdout.write(`broker warmed up: ${w.messages} private messages in ${w.ms} ms (${w.cpuMs} ms CPU; --no-warm-up skips it)\n`);
      process.stdout.write(`broker listening on amqp://${o.host}:${broker.port}${broker.tlsPort ? ` and amqps://${o.host}:${broker.tlsPort}` : ''} (data ${o.data}; vhosts ${broker.listVhosts().join(', ')}; users ${broker.listUsers().map((u) => u.name).join(', ')})\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await broker.close();
      await lock.release();
      process.stdout.write('broker stopped\n');
    });
}

function resolveUsers(o: BrokerCliOptions): BrokerUserSpec[] {
  const users: BrokerUserSpec[] = [];
  for (const u of o.user ?? []) {
    if (!u.fromEnv) users.push({ name: u.name, password: u.password });
    else {
      const pass = process.env[PASSWORD_ENV];
      if (!pass) throw new Error(`--user ${u.name} has no password: set $${PASSWORD_ENV}, use --users-file, or give NAME:PASSWORD`);
      users.push({ name: u.name, password: pass });
    }
  }
  if (o.usersFile) {
    let text: string;
    try {
      text = readFileSync(o.usersFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the users file: ${(err as Error).message}`);
    }
    users.push(...parseUsersFile(text, o.usersFile));
  }
  return users;
}
