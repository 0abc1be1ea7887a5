// The agent's command line, shared by `se3kit agent` and the standalone agent bundle.
import { Command, InvalidArgumentError } from 'commander';
import { createAgentLog } from './log';
import { startAgent } from './main';

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535');
  return n;
}

export function agentCommand(name = 'agent'): Command {
  return new Command(name)
    .description('run the edge agent (a "virtual box" on any Linux machine)')
    .requiredOption('--data <dir>', 'data directory (DevSno, LoginUrl, users, events)')
    .option('--port <port>', 'port of the box configuration API', parsePort, 5555)
    .option('--host <address>', 'address to bind', '0.0.0.0')
    .option('--name <name>', 'mDNS instance name')
    .option('--no-mdns', 'do not advertise over mDNS')
    .action(async (o: { data: string; port: number; host: string; name?: string; mdns: boolean }) => {
      const agent = await startAgent({
        dataDir: o.data,
        port: o.port,
        host: o.host,
        name: o.name,
        mdns: o.mdns,
        log: createAgentLog(),
      });
      // stdout line that supervisors and tests wait for
      process.stdout.write(`listening ${agent.host}:${agent.port}\n`);
      const stop = () => {
        agent.close().finally(() => process.exit(0));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
