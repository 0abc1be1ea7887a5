// se3kit broker --port 5672 --data DIR [--user NAME:PASSWORD]... [--vhost NAME]...
// Runs the embedded AMQP 0-9-1 broker in the foreground until Ctrl-C / SIGTERM.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { startBroker, type BrokerUserSpec } from '../../broker/index';

function collect<T>(parse: (v: string) => T) {
  return (value: string, previous: T[] = []): T[] => [...previous, parse(value)];
}

function parseUser(v: string): BrokerUserSpec {
  const i = v.indexOf(':');
  if (i <= 0) throw new InvalidArgumentError(`expected NAME:PASSWORD, got '${v}'`);
  return { name: v.slice(0, i), password: v.slice(i + 1) };
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
  user?: BrokerUserSpec[];
  vhost?: string[];
  tlsPort?: number;
  tlsKey?: string;
  tlsCert?: string;
  heartbeat?: number;
  memoryLimitMb?: number;
}

export function register(program: Command): void {
  program
    .command('broker')
    .description('run the embedded AMQP 0-9-1 broker (RabbitMQ-compatible) in the foreground')
    .requiredOption('--data <dir>', 'directory for definitions and persistent messages')
    .option('--port <port>', 'AMQP port (0 = any free port)', parsePort, 5672)
    .option('--host <address>', 'listen address (0.0.0.0 = every interface, for boxes on the LAN)', '0.0.0.0')
    .option('--user <name:password>', 'create/update a user with full permissions on every --vhost (repeatable)', collect(parseUser))
    .option('--vhost <name>', "virtual host to create (repeatable; default '/')", collect(String))
    .option('--tls-port <port>', 'also listen for amqps on this port (needs --tls-key and --tls-cert)', parsePort)
    .option('--tls-key <file>', 'PEM private key for amqps')
    .option('--tls-cert <file>', 'PEM certificate (chain) for amqps')
    .option('--heartbeat <seconds>', 'heartbeat interval the broker proposes', (v) => parsePort(v))
    .option('--memory-limit-mb <mb>', 'message bodies held in memory before paging to disk', (v) => parsePort(v))
    .action(async (o: BrokerCliOptions) => {
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
      let broker;
      try {
        broker = await startBroker({
          port: o.port,
          host: o.host,
          dataDir: o.data,
          users: o.user,
          vhosts: o.vhost,
          tls: tls && { ...tls, host: o.host },
          heartbeat: o.heartbeat,
          memoryLimitBytes: o.memoryLimitMb !== undefined ? o.memoryLimitMb * 1024 * 1024 : undefined,
        });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const hint = e.code === 'EADDRINUSE' ? ' (port in use: pick another --port or stop the other broker)' : '';
        process.stderr.write(`se3kit broker: cannot start: ${e.message}${hint}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`broker listening on amqp://${o.host}:${broker.port}${broker.tlsPort ? ` and amqps://${o.host}:${broker.tlsPort}` : ''} (data ${o.data}; vhosts ${broker.listVhosts().join(', ')}; users ${broker.listUsers().map((u) => u.name).join(', ')})\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await broker.close();
      process.stdout.write('broker stopped\n');
    });
}
