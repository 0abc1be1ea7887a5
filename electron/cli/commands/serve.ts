// se3kit serve — headless site mode: the same UI and API in a browser, behind a login.
import { InvalidArgumentError, type Command } from 'commander';
import { defaultDataDir } from '../../api/services';
import { boxConnectionsPerAddressProblem, DEFAULT_BOX_CONNECTIONS_PER_ADDRESS } from '../../platform/box-port-options';
import { runSite, UsageError, type RunSiteOptions } from '../../site/run';

export function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a TCP port, 0–65535 (0 = any free port)');
  return n;
}

function countArg(what: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected ${what}, ${min}–${max}`);
    return n;
  };
}

/** --box-connections-per-address: a whole number the platform's own (zod) rule accepts. */
function connectionsArg(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : value;
  const problem = boxConnectionsPerAddressProblem(n);
  if (problem) throw new InvalidArgumentError(problem);
  return n as number;
}

/** The TLS / --host options `serve` and the `desktop` fallback share. */
export function transportOptions(cmd: Command, prefix = ''): Command {
  return cmd
    .option('--tls-cert <file>', `${prefix}serve HTTPS with this PEM certificate (with --tls-key; the session cookie is then Secure)`)
    .option('--tls-key <file>', `${prefix}the PEM private key of --tls-cert`)
    .option('--insecure-http', `${prefix}allow plain HTTP on a --host other machines can reach (passwords cross the network in clear)`);
}

/** Runs site mode; a usage mistake found late (TLS files, --host without TLS) exits 2 like commander's own. */
export async function runSiteCommand(cmd: Command, o: RunSiteOptions): Promise<void> {
  try {
    await runSite(o);
  } catch (err) {
    if (err instanceof UsageError) cmd.error(`se3kit ${cmd.name()}: ${err.message}`, { exitCode: 2, code: 'se3kit.usage' });
    throw err;
  }
}

export function register(program: Command): void {
  const serve = program
    .command('serve')
    .description('headless site mode: serve the UI and API over HTTP(S) + WebSocket, behind an admin login')
    .option('--data <dir>', 'data directory (default: $SE3KIT_DATA or ~/.se3kit)')
    .option('--host <address>', 'address to listen on; anything but 127.0.0.1 exposes the login page to the network (needs TLS or --insecure-http)', '127.0.0.1')
    .option('--port <port>', 'TCP port', portArg, 8080)
    .option('--reset-password', 'generate and print a new admin password (the old one stops working; a running server takes the new one at once)')
    .option('--box-port <port>', 'site platform: port the boxes log in on (all interfaces)', portArg, 8090)
    .option('--box-connections-per-address <n>', 'site platform: connections one address may hold at once on the box port; boxes behind one NAT address share it (beyond it: a 503 saying why)', connectionsArg, DEFAULT_BOX_CONNECTIONS_PER_ADDRESS)
    .option('--amqp-port <port>', 'site platform: port of the embedded broker when it is started for the boxes', portArg, 5672)
    .option('--broker-url <url>', 'site platform: an external RabbitMQ (amqp://user:pass@host:5672) instead of the embedded broker; needs --broker-admin-url')
    .option('--broker-admin-url <url>', 'site platform: its management HTTP API (http://user:pass@host:15672)')
    .option('--status-period <s>', 'site platform: seconds between the boxes\' device status reports (deviceMonitorPeriod); a box silent for 3 periods is offline', countArg('seconds', 1, 3600), 20)
    .option('--record-period <s>', 'site platform: seconds between the boxes\' history event uploads (recordUploadPeriod)', countArg('seconds', 1, 3600), 5)
    .option('--events-max <n>', 'site platform: newest events kept (0 = no count limit; default: the site\'s setting, first 100000)', countArg('a count', 0, 100_000_000))
    .option('--events-max-age-days <d>', 'site platform: events older than this are deleted with their pictures (0 = no age limit; default: the site\'s setting, first 90)', countArg('days', 0, 36_500));
  transportOptions(serve).action(
    async (o: { data?: string; host: string; port: number; resetPassword?: boolean; boxPort: number; boxConnectionsPerAddress: number; amqpPort: number; brokerUrl?: string; brokerAdminUrl?: string; statusPeriod: number; recordPeriod: number; eventsMax?: number; eventsMaxAgeDays?: number; tlsCert?: string; tlsKey?: string; insecureHttp?: boolean }, cmd: Command) => {
      if (!!o.brokerUrl !== !!o.brokerAdminUrl)
        cmd.error('se3kit serve: --broker-url and --broker-admin-url go together (the platform provisions each box through the management API)', { exitCode: 2, code: 'se3kit.usage' });
      // one port for two listeners fails with "already in use", which reads as if another program held it
      const ports: Array<[string, number]> = [['--port', o.port], ['--box-port', o.boxPort], ...(o.brokerUrl ? [] : [['--amqp-port', o.amqpPort] as [string, number]])];
      for (const [i, [a, pa]] of ports.entries()) {
        const clash = ports.slice(i + 1).find(([, pb]) => pb === pa && pa !== 0);
        if (clash) cmd.error(`se3kit serve: ${a} and ${clash[0]} are both ${pa}; give each its own port`, { exitCode: 2, code: 'se3kit.usage' });
      }
      await runSiteCommand(cmd, { ...o, data: o.data ?? defaultDataDir() });
    },
  );
}
