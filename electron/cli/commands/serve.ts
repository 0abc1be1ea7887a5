// se3kit serve — headless site mode: the same UI and API in a browser, behind a login.
import { InvalidArgumentError, type Command } from 'commander';
import { defaultDataDir } from '../../api/services';
import { runSite } from '../../site/run';

export function portArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a TCP port, 0–65535 (0 = any free port)');
  return n;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('headless site mode: serve the UI and API over HTTP + WebSocket, behind an admin login')
    .option('--data <dir>', 'data directory (default: $SE3KIT_DATA or ~/.se3kit)')
    .option('--host <address>', 'address to listen on; anything but 127.0.0.1 exposes the login page to the network', '127.0.0.1')
    .option('--port <port>', 'TCP port', portArg, 8080)
    .option('--reset-password', 'generate and print a new admin password (the old one stops working)')
    .option('--box-port <port>', 'site platform: port the boxes log in on (all interfaces)', portArg, 8090)
    .option('--amqp-port <port>', 'site platform: port of the embedded broker when it is started for the boxes', portArg, 5672)
    .option('--broker-url <url>', 'site platform: an external RabbitMQ (amqp://user:pass@host:5672) instead of the embedded broker; needs --broker-admin-url')
    .option('--broker-admin-url <url>', 'site platform: its management HTTP API (http://user:pass@host:15672)')
    .action(async (o: { data?: string; host: string; port: number; resetPassword?: boolean; boxPort: number; amqpPort: number; brokerUrl?: string; brokerAdminUrl?: string }) => {
      if (!!o.brokerUrl !== !!o.brokerAdminUrl) {
        process.stderr.write('se3kit: --broker-url and --broker-admin-url go together (the platform provisions each box through the management API)\n');
        process.exitCode = 2;
        return;
      }
      await runSite({ data: o.data ?? defaultDataDir(), host: o.host, port: o.port, resetPassword: o.resetPassword, boxPort: o.boxPort, amqpPort: o.amqpPort, brokerUrl: o.brokerUrl, brokerAdminUrl: o.brokerAdminUrl });
    });
}
