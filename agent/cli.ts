// The agent's command line, shared by `se3kit agent` and the standalone agent bundle.
import { Command, InvalidArgumentError } from 'commander';
import { createAgentLog } from './log';
import { startAgent } from './main';

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535');
  return n;
}

function parseMac(v: string): string {
  if (!/^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(v)) throw new InvalidArgumentError('must be a MAC address like e0:a5:09:00:06:2b');
  return v.toLowerCase().replace(/-/g, ':');
}

function parseJobs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number 1-64');
  return n;
}

function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new InvalidArgumentError('must be a whole number 1-10000000');
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
    .option('--mac <mac>', "MAC sent to the platform as hex_mac (a virtual box's identity; default: the interface's)", parseMac)
    .option('--face-jobs <n>', 'face engine worker threads for enrolment', parseJobs, 1)
    .option('--max-events <n>', 'recognition events kept on the box (the oldest are evicted)', parseCount, 10_000)
    .option('--ftp-port <port>', 'FTP port for snapshot cameras (0 = no FTP server)', parsePort, 2121)
    .action(async (o: { data: string; port: number; host: string; name?: string; mdns: boolean; mac?: string; faceJobs: number; maxEvents: number; ftpPort: number }) => {
      const agent = await startAgent({
        dataDir: o.data,
        port: o.port,
        host: o.host,
        name: o.name,
        mdns: o.mdns,
        mac: o.mac,
        faceJobs: o.faceJobs,
        maxEvents: o.maxEvents,
        ftpPort: o.ftpPort,
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
