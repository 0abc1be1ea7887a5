// Shared bits of the broker tests: temp dirs, a broker child process, amqplib connections.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ChannelModel } from 'amqplib';

export const tempDir = (tag: string) => mkdtempSync(join(tmpdir(), `se3-broker-${tag}-`));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A message body that says which message it is and whether it is intact:
 *  `<sha256 of the payload, 16 hex>|<tag>|<i>|<fill>`. */
export function checkedBody(tag: string, i: number, fill: string): Buffer {
  const payload = `${tag}|${i}|${fill}`;
  return Buffer.from(`${createHash('sha256').update(payload).digest('hex').slice(0, 16)}|${payload}`);
}
/** The message number of a checkedBody(), or null when the body is not intact. */
export function checkedIndex(b: Buffer): number | null {
  const s = b.toString();
  const bar = s.indexOf('|');
  const payload = s.slice(bar + 1);
  return createHash('sha256').update(payload).digest('hex').slice(0, 16) === s.slice(0, bar) ? Number(payload.split('|')[1]) : null;
}

/** Waits until `cond()` holds or `ms` passed (polling every 20 ms) and does not throw: the
 *  assertion that follows says what is wrong. For state that settles in the broker's own time
 *  (a frame still on the socket, a sync on the libuv pool, a turn of its own): a fixed sleep
 *  is too short on a loaded 2-core machine, and the test still fails when it never settles. */
export async function settle(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(20);
}

export async function connect(port: number, opts: { user?: string; pass?: string; vhost?: string; heartbeat?: number } = {}): Promise<ChannelModel> {
  const vh = opts.vhost === undefined ? '' : `/${encodeURIComponent(opts.vhost)}`;
  const c = await amqp.connect(`amqp://${opts.user ?? 'test'}:${opts.pass ?? 'test'}@127.0.0.1:${port}${vh}${opts.heartbeat !== undefined ? `?heartbeat=${opts.heartbeat}` : ''}`, { noDelay: true });
  c.on('error', () => {});
  return c;
}

export interface ChildBroker {
  port: number;
  proc: ChildProcess;
  /** The start-up warm-up's report (null when it was off) and the time from spawn to "PORT". */
  warmUp: { messages: number; ms: number; cpuMs: number; error: string | null } | null;
  startMs: number;
  /** What the child printed to stdout before "PORT" (e.g. V8 traces when started with --trace-opt). */
  startLog: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts test/broker/fixtures/broker-child.ts in its own node process (`nodeFlags`: node/V8
 *  options for that process, for experiments such as test/bench/broker-warmup.ts --node-flags;
 *  `warmUp: false` starts it without the start-up warm-up, an object with other settings; by default
 *  $BROKER_CHILD_WARM_UP decides (unset: the broker's default, on), e.g. BROKER_CHILD_WARM_UP=0
 *  npm run bench:broker for an embedded broker without it). */
export function spawnBroker(dataDir: string, port = 0, definitionsFile?: string, nodeFlags: string[] = [], o: { warmUp?: boolean | { messages: number; budgetMs: number }; segmentBytes?: number } = {}): Promise<ChildBroker> {
  const t0 = Date.now();
  const root = new URL('../..', import.meta.url).pathname;
  const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', join(root, 'test/broker/fixtures/broker-child.ts'), dataDir, String(port), ...(definitionsFile ? [definitionsFile] : [])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    // node --test marks its children with NODE_TEST_CONTEXT; the broker is not a test file.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), BROKER_CHILD_SEGMENT_BYTES: o.segmentBytes ? String(o.segmentBytes) : '', BROKER_CHILD_WARM_UP: o.warmUp === undefined ? (process.env.BROKER_CHILD_WARM_UP ?? '') : o.warmUp === false ? '0' : o.warmUp === true ? '1' : `${o.warmUp.messages}:${o.warmUp.budgetMs}` },
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  // A broker that dies on its own says why (a benchmark would otherwise only see "Unexpected close").
  proc.once('exit', (code, signal) => {
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && code !== 0) process.stderr.write(`broker child exited (${code ?? signal}): ${err}\n`);
  });
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      void kill();
      reject(new Error(`broker child did not start: ${err}`));
    }, 30000);
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        const w = /WARMUP (.*)/.exec(out);
        resolve({ port: Number(m[1]), proc, kill, warmUp: w ? JSON.parse(w[1]!) : null, startMs: Date.now() - t0, startLog: out });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`broker child exited with ${code}: ${err}`));
    });
  });
}
