// se3kit discover: find SE3 boxes on the LAN by mDNS and by probing the box configuration
// port over IPv4 ranges. A table on a terminal (progress on stderr), one JSON object per line
// with --json. Exit 0 (also when nothing is found); 2 for a usage error, or when there is
// nothing to search (no range to probe and --no-mdns).
import { InvalidArgumentError, type Command } from 'commander';
import { cidrProblem, type BoxRow } from '../../api/boxes';
import { Discovery } from '../../services/discovery';

function collectCidr(value: string, previous: string[] = []): string[] {
  const p = cidrProblem(value);
  if (p) throw new InvalidArgumentError(p);
  return [...previous, value.trim()];
}

export function parsePortOption(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number 1-65535');
  return n;
}

export function parseSecondsOption(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0.05 || n > 30) throw new InvalidArgumentError('must be a number of seconds between 0.05 and 30');
  return n;
}

const ipSortKey = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);

export function sortRows(rows: BoxRow[]): BoxRow[] {
  return [...rows].sort((a, b) => ipSortKey(a.ip) - ipSortKey(b.ip) || a.port - b.port);
}

export function formatTable(rows: BoxRow[]): string {
  const head = ['IP', 'PORT', 'MAC', 'HOSTNAME', 'DEV_SNO', 'LOGIN_URL', 'AGENT', 'FOUND BY', 'LOGIN', 'LAST SEEN'];
  const cells = rows.map((r) => [
    r.ip,
    String(r.port),
    r.mac ?? '-',
    r.hostname ?? '-',
    r.dev_sno ?? '(not set)',
    r.login_url ?? (r.kind === 'vendor' ? '-' : '(not set)'),
    r.kind === 'vendor' ? 'vendor firmware' : `se3-agent ${r.agentVersion ?? ''}`.trim(),
    r.sources.join('+'),
    r.login ? `${r.login.state}${r.login.error ? ` (${r.login.error})` : ''}` : r.kind === 'vendor' ? 'no /health' : '-',
    new Date(r.lastSeen).toLocaleTimeString(),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...cells.map(line)].join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('discover')
    .description('find SE3 boxes on the local network (mDNS + probe of the box configuration port)')
    .option('--cidr <range>', 'IPv4 range to probe, e.g. 192.168.1.0/24 (repeatable; default: this machine\'s subnets, each capped at /22)', collectCidr)
    .option('--port <port>', 'box configuration API port', parsePortOption, 5555)
    .option('--timeout <seconds>', 'how long to wait for each address to accept a connection', parseSecondsOption, 0.6)
    .option('--no-mdns', 'do not browse mDNS (probe only)')
    .option('--json', 'one JSON object per box and line')
    .action(async (o: { cidr?: string[]; port: number; timeout: number; mdns: boolean; json?: boolean }) => {
      const discovery = new Discovery();
      const options = { cidrs: o.cidr, port: o.port, timeoutMs: Math.round(o.timeout * 1000), mdns: o.mdns };
      const plan = discovery.plan(options);
      const progressTty = process.stderr.isTTY && !o.json;
      discovery.on('warning', (w) => process.stderr.write(`warning: ${w}\n`));
      if (progressTty) {
        discovery.on('progress', (p) => {
          if (!p.done) process.stderr.write(`\rprobed ${p.probed}/${p.total} addresses, ${p.found} box${p.found === 1 ? '' : 'es'} found `);
        });
      }
      const started = Date.now();
      const scope = plan.cidrs.length ? plan.cidrs.join(', ') : 'no ranges';
      const mdnsWhere = o.mdns ? (plan.mdnsInterfaces.length ? `mDNS on ${plan.mdnsInterfaces.join(', ')}` : 'mDNS on the default interface') : 'no mDNS';
      if (plan.hosts === 0) {
        // no --cidr and no IPv4 subnet here but loopback: say so instead of finding nothing in silence
        const why = 'this machine has no IPv4 subnet to probe (loopback is never probed)';
        if (!o.mdns) {
          process.stderr.write(`error: nothing to search: ${why} and --no-mdns turns mDNS off; give the range the boxes are on, e.g. --cidr 192.168.1.0/24\n`);
          process.exitCode = 2;
          await discovery.close();
          return;
        }
        process.stderr.write(`warning: ${why}; only mDNS is browsed, which finds our agents but not boxes on vendor firmware: give their range with --cidr\n`);
      }
      if (!o.json) process.stderr.write(`probing ${plan.hosts} addresses in ${scope} on port ${plan.port}; ${mdnsWhere}\n`);
      try {
        const rows = sortRows(await discovery.scan(options).done);
        if (progressTty) process.stderr.write('\r\x1b[K');
        if (o.json) for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
        else {
          if (rows.length) process.stdout.write(formatTable(rows));
          process.stderr.write(`${rows.length} box${rows.length === 1 ? '' : 'es'} found in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        }
      } finally {
        await discovery.close();
      }
    });
}
