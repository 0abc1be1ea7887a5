// se3kit configure: set DevSno and/or LoginUrl on one box (HOST[:PORT], or its MAC), or on
// many from a CSV (`host,dev_sno,login_url`). Values are validated first, then set, read back
// and confirmed. Exit 0 when every box is confirmed, 1 when any failed (with the reason),
// 2 for a usage error.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { devSnoProblem, loginUrlProblem } from '../../../agent/protocol';
import { outcomeLabel, type BatchRowOutcome, type ConfigureOutcome } from '../../api/boxes';
import { BoxClient, configureCsv, parseConfigCsv, parseTarget } from '../../services/box-client';
import { Discovery } from '../../services/discovery';
import { parsePortOption, parseSecondsOption } from './discover';

interface Opts {
  devSno?: string;
  loginUrl?: string;
  csv?: string;
  port?: number;
  timeout: number;
  cidr?: string[];
  json?: boolean;
}

function describe(o: ConfigureOutcome | BatchRowOutcome): string {
  const where = `${'line' in o ? `line ${o.line}  ` : ''}${outcomeLabel(o)}`;
  if (o.ok) return `${where}  ok  dev_sno=${o.dev_sno ?? '(not set)'}  login_url=${o.login_url ?? '(not set)'} (read back)`;
  return `${where}  FAILED: ${o.error}`;
}

const wantsJson = () => process.argv.slice(2).includes('--json');

export function register(program: Command): void {
  program
    .command('configure')
    .description('set DevSno and/or LoginUrl on a box (or on many boxes from a CSV), then read them back to confirm')
    .argument('[host]', 'the box: IP, IP:PORT, host name or MAC')
    .option('--dev-sno <code>', 'authorisation code (1-64 of A-Z a-z 0-9 _ -)')
    .option('--login-url <url>', 'platform login URL (absolute http:// or https://)')
    .option('--csv <file>', 'configure many boxes: lines of host,dev_sno,login_url (header optional)')
    .option('--port <port>', 'configuration API port when HOST has none', parsePortOption)
    .option('--timeout <seconds>', 'how long to wait for a box to answer', parseSecondsOption, 3)
    .option('--cidr <range>', 'where to look for boxes named by MAC (repeatable; default: this machine\'s subnets)', (v: string, p: string[] = []) => [...p, v])
    .option('--json', 'one JSON object per box and line (usage errors too: {"ok":false,"usage":true,"error":...})')
    .configureOutput({
      writeErr: (text) => {
        if (!wantsJson()) process.stderr.write(text);
      },
      // With --json, a usage error (bad value, bad option) is one JSON line on stdout too.
      outputError: (text, write) => {
        if (!wantsJson()) return write(text);
        const message = text.trim().replace(/^error:\s*/, '').replace(/\n\(run with --help for usage\)$/, '');
        process.stdout.write(JSON.stringify({ ok: false, usage: true, error: message }) + '\n');
      },
    })
    .action(async function (this: Command, host: string | undefined, o: Opts) {
      const usage = (msg: string): never => this.error(`error: ${msg}`, { exitCode: 2 });
      if (o.csv && host) usage('give either HOST or --csv FILE, not both');
      if (!o.csv && !host) usage('name the box (HOST[:PORT] or MAC) or give --csv FILE');
      if (o.csv && (o.devSno !== undefined || o.loginUrl !== undefined)) usage('--dev-sno and --login-url come from the CSV file when --csv is given');

      let csvText = '';
      const targets: string[] = [];
      if (o.csv) {
        try {
          csvText = await readFile(o.csv, 'utf8');
        } catch (err) {
          usage(`cannot read ${o.csv}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
        }
        const rows = parseConfigCsv(csvText);
        if (rows.length === 0) usage(`${o.csv} has no rows; expected lines of host,dev_sno,login_url`);
        targets.push(...rows.map((r) => r.host));
      } else {
        if (o.devSno === undefined && o.loginUrl === undefined) usage('nothing to set: give --dev-sno, --login-url or both');
        const problem = [o.devSno !== undefined ? devSnoProblem(o.devSno) : null, o.loginUrl !== undefined ? loginUrlProblem(o.loginUrl) : null].find((p) => p);
        if (problem) usage(problem);
        try {
          parseTarget(host!, o.port);
        } catch (err) {
          usage((err as Error).message);
        }
        targets.push(host!);
      }

      // Boxes named by MAC are looked up with a discovery scan first (mDNS + probe).
      let discovery: Discovery | null = null;
      const needsLookup = targets.some((t) => {
        try {
          return parseTarget(t).kind === 'mac';
        } catch {
          return false;
        }
      });
      if (needsLookup) {
        discovery = new Discovery();
        discovery.on('warning', () => undefined);
        if (!o.json) process.stderr.write('looking up boxes by MAC (scanning the network)...\n');
        await discovery.scan({ cidrs: o.cidr, port: o.port }).done;
      }
      const client = new BoxClient({ timeoutMs: Math.round(o.timeout * 1000), resolveMac: (mac) => discovery?.findAllByMac(mac) ?? [] });
      const print = (x: ConfigureOutcome | BatchRowOutcome) => process.stdout.write((o.json ? JSON.stringify(x) : describe(x)) + '\n');
      try {
        if (o.csv) {
          const report = await configureCsv(client, csvText, { concurrency: 8 });
          report.rows.forEach(print);
          if (!o.json) process.stderr.write(`${report.ok} box${report.ok === 1 ? '' : 'es'} configured, ${report.failed} failed\n`);
          if (report.failed > 0) process.exitCode = 1;
        } else {
          const outcome = await client.configure({ host: host!, port: o.port, dev_sno: o.devSno, login_url: o.loginUrl });
          print(outcome);
          if (!outcome.ok) process.exitCode = 1;
        }
      } finally {
        await discovery?.close();
      }
    });
}
