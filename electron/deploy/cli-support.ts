// Shared bits of the deploy CLI commands (deploy, adopt, rollback, agent-status, uninstall):
// common options, the app data dir, TTY progress / JSON-lines output, password prompt.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { z } from 'zod';
import { defaultDataDir } from '../data-dir';
import { listBundles } from './bundle-list';
import type { DeployContext } from './connect';
import { agentArgSchema, fingerprintSchema, prefixSchema } from './params';
import type { BoxReport, DeployEvent } from './events';

/** The app data dir, the same as the desktop app's and site mode's: known-hosts.json and deploy/id_ed25519 live here. */
export { defaultDataDir };

export function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${v}"`);
    return n;
  };
}

/** An option value checked with the same validator the API uses (a usage error, exit 2, otherwise). */
export function schemaArg<T>(schema: z.ZodType<T>) {
  return (v: string): T => {
    const r = schema.safeParse(v);
    if (!r.success) throw new InvalidArgumentError(r.error.issues.map((i) => i.message).join('; '));
    return r.data;
  };
}

/** Repeatable fingerprint options (--trust-bundle-key A --trust-bundle-key B). */
export function fingerprintList(v: string, prev: string[] = []): string[] {
  return [...prev, schemaArg(fingerprintSchema)(v)];
}

/** Options every deploy command has. */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--user <user>', 'SSH user on the box', 'root')
    .option('--port <port>', 'SSH port', intArg('--port', 1, 65535), 22)
    .option('--key <file>', "SSH private key (default: this installation's key, installed by `se3kit adopt`)")
    .option('--accept-host-key <fingerprint>', 'accept a CHANGED host key, exactly this SHA256:... fingerprint (check it on the box first)', schemaArg(fingerprintSchema))
    .option('--data-dir <dir>', 'where known hosts and the installation key are kept (default: the app data dir)')
    .option('--prefix <dir>', 'install prefix on the box', schemaArg(prefixSchema), '/opt/se3-agent')
    .option('--agent-port <port>', "the agent's HTTP port on the box", intArg('--agent-port', 1, 65535), 5555)
    .addOption(new Option('--init <kind>', 'how the agent is kept running').choices(['auto', 'systemd', 'supervisor']).default('auto'))
    .option('--json', 'one JSON object per line');
}

export interface ConnectionOpts {
  user: string;
  port: number;
  key?: string;
  acceptHostKey?: string;
  dataDir?: string;
  prefix: string;
  agentPort: number;
  init: 'auto' | 'systemd' | 'supervisor';
  json?: boolean;
}

export function contextFrom(o: ConnectionOpts): DeployContext {
  return { dataDir: o.dataDir ?? defaultDataDir(), keyFile: o.key, acceptHostKey: o.acceptHostKey };
}

export function writeJson(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function fmtBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`;
}

/** Prints deploy events: JSON lines, or readable lines (upload progress every 10 %) on a terminal. */
export function eventPrinter(json: boolean): (e: DeployEvent) => void {
  const lastDecile = new Map<string, number>();
  return (e) => {
    if (json) return writeJson(e);
    switch (e.type) {
      case 'step':
        process.stderr.write(`[${e.host}] ${e.message}\n`);
        break;
      case 'hostkey':
        if (e.status === 'new') process.stderr.write(`[${e.host}] first connection: host key ${e.fingerprint} (${e.keyType}) pinned\n`);
        break;
      case 'preflight':
        for (const c of e.checks) process.stderr.write(`[${e.host}]   ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}\n`);
        break;
      case 'upload': {
        const d = Math.floor(e.percent / 10);
        if (d !== lastDecile.get(e.host)) {
          lastDecile.set(e.host, d);
          process.stderr.write(`[${e.host}] upload ${e.percent.toFixed(0)}% ${fmtBytes(e.bytes)}/${fmtBytes(e.total)} at ${fmtBytes(e.rate)}/s\n`);
        }
        break;
      }
      case 'log':
        process.stderr.write(`[${e.host}] ${e.level === 'info' ? '' : `${e.level}: `}${e.message}\n`);
        break;
      case 'done':
        break;
    }
  };
}

export function printReports(reports: BoxReport[], json: boolean): void {
  if (json) {
    writeJson({ type: 'report', ok: reports.every((r) => r.ok), boxes: reports });
    return;
  }
  process.stdout.write('\nresult:\n');
  for (const r of reports) {
    const where = r.port === 22 ? r.host : `${r.host}:${r.port}`;
    process.stdout.write(`  ${r.ok ? 'OK  ' : 'FAIL'} ${where}  ${r.status}${r.version ? ` ${r.version}` : ''}${r.reason ? ` — ${r.reason}` : ''} (${(r.durationMs / 1000).toFixed(1)} s)\n`);
    if (!r.ok && r.agentLog) process.stdout.write(`       agent log:\n${r.agentLog.split('\n').map((l) => `         ${l}`).join('\n')}\n`);
  }
  const bad = reports.filter((r) => !r.ok).length;
  process.stdout.write(bad ? `${bad} of ${reports.length} box(es) failed\n` : `all ${reports.length} box(es) OK\n`);
}

/** The default bundle: dist/agent/se3-agent-<version>-linux-arm64.tar.gz (SE3 boxes are aarch64). */
/** Splits --agent-args "--no-mdns --name x" into words (plain words only: no shell quoting). */
export function splitArgs(v: string | undefined): string[] {
  if (!v) return [];
  const words = v.split(/\s+/).filter(Boolean);
  for (const w of words) if (!agentArgSchema.safeParse(w).success) throw new Error(`--agent-args takes plain words (letters, digits, =._:/,+-), not "${w}"`);
  return words;
}

/** The newest arm64 (SE3) bundle the Deploy page would offer too, or null. */
export async function defaultBundle(dataDir: string): Promise<string | null> {
  return (await listBundles(dataDir)).find((b) => b.arch === 'arm64')?.path ?? null;
}

/** Reads a password from the terminal without echoing it. */
export function promptPassword(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    if (!stdin.isTTY) return reject(new Error('no terminal to ask for the password on; pass --password-file FILE'));
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let pw = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(pw);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') pw = pw.slice(0, -1);
        else pw += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the password file ${path}: ${(err as Error).message}`);
  }
  const pw = text.replace(/\r?\n$/, '');
  if (!pw) throw new Error(`the password file ${path} is empty`);
  return pw;
}
