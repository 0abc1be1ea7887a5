// The broker warms its own per-message path before it accepts clients (issue 13, first-burst
// p99 after a start; README "Embedded broker"). A freshly started V8 broker compiles its
// per-message functions (decodeBasicPublish, onContentFrame, Queue.dispatch, the store's
// append/settle, ...) during its first large burst of real traffic, at 2-4x the CPU per message,
// so that burst's latency is the worst a site sees — e.g. the platform's sync to every box after
// a restart. Here a private broker of the same classes (its own temporary data directory, a
// loopback port of its own, a user with a random password and a vhost nobody else knows) is
// driven by amqplib's client in this process over real TCP sockets: persistent and transient
// messages with confirms, consumers with acks, one-at-a-time confirms, several queues, and each
// client's end (cancel, queue deletion, channel and connection close). Then everything is closed
// and deleted; the real broker (another instance) then listens. Nothing of it is visible in the
// real broker: it shares no object, file or counter with it.
//
// Bounded by a message count and a CPU budget (the process's CPU time, all threads: the JIT
// compiler's too, so the same work is done on a busy machine), with a wall-clock cap; a failure
// (or a hang past the hard limit) is reported, never thrown: the real broker starts regardless.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import amqp, { type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import type { BrokerOptions, WarmUpReport, WarmUpSettings } from './broker-api';

/** Messages of the warm-up (all rounds), chosen by measurement: with 40,000 a fresh broker's
 *  first burst costs about what later ones do; with ~10,000 (1.5 s of CPU) only part of the
 *  gap closed (README "Embedded broker"). */
export const WARM_UP_MESSAGES = 40_000;
/** Publishing stops once the process has used this much CPU time since the warm-up began (the
 *  rest is draining and closing), or once WALL_CAP times as much wall-clock time has passed. */
export const WARM_UP_BUDGET_MS = 3500;
const WALL_CAP = 2;
/** Past this the warm-up is abandoned (its broker destroyed) and the real broker starts anyway. */
const HARD_LIMIT_MS = 15_000;

const USER = 'se3kit-warm-up';
const VHOST = 'se3kit-warm-up';
const SIZE = 1024;

/** What warmUp needs of a broker: one more instance of the real broker's class. */
export interface WarmBroker {
  readonly port: number;
  recover(): void;
  listen(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs the warm-up on a private broker made by `make` (the real broker's class) with the real
 * broker's tuning options. Never throws: a failure is in the report.
 */
export async function warmUp(real: BrokerOptions, settings: WarmUpSettings, make: (o: BrokerOptions) => WarmBroker): Promise<WarmUpReport> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const report = (messages: number, error: string | null): WarmUpReport => {
    const cpu = process.cpuUsage(cpu0);
    return { messages, ms: Math.round(performance.now() - t0), cpuMs: Math.round((cpu.user + cpu.system) / 1000), error };
  };
  let dir: string | null = null;
  let broker: WarmBroker | null = null;
  const progress = { messages: 0 };
  let timer: NodeJS.Timeout | undefined;
  try {
    dir = mkdtempSync(join(settings.tmpDir ?? scratchParent(), 'se3kit-broker-warm-up-'));
    const password = randomBytes(24).toString('base64url');
    broker = make({
      // the real broker's tuning, so the same code paths run
      frameMax: real.frameMax,
      channelMax: real.channelMax,
      maxMessageBytes: real.maxMessageBytes,
      confirmHoldMs: real.confirmHoldMs,
      memoryLimitBytes: real.memoryLimitBytes,
      // small segments: their roll and compaction run during the warm-up too, in little space
      segmentBytes: 2 * 1024 * 1024,
      // and nothing else of it
      dataDir: join(dir, 'data'),
      port: 0,
      host: '127.0.0.1',
      users: [{ name: USER, password }],
      vhosts: [VHOST],
      loopbackUsers: [],
      diskFreeLimitBytes: 0,
      warmUp: false,
    });
    broker.recover();
    await broker.listen();
    const url = `amqp://${USER}:${password}@127.0.0.1:${broker.port}/${encodeURIComponent(VHOST)}`;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not finished after ${HARD_LIMIT_MS / 1000} s`)), HARD_LIMIT_MS);
    });
    const budgetMs = settings.budgetMs ?? WARM_UP_BUDGET_MS;
    await Promise.race([drive(url, settings.messages ?? WARM_UP_MESSAGES, budget(t0, cpu0, budgetMs), progress), hang]);
    return report(progress.messages, null);
  } catch (err) {
    return report(progress.messages, (err as Error).message || String(err));
  } finally {
    clearTimeout(timer);
    if (broker) await broker.close().catch(() => undefined);
    try {
      if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      /* a scratch directory that cannot be removed must not stop the start either */
    }
  }
}

/** When to stop publishing: `over(share)` is true once `share` of the CPU budget, or of the
 *  wall-clock cap, is used. */
interface Budget {
  over(share: number): boolean;
}

function budget(t0: number, cpu0: NodeJS.CpuUsage, budgetMs: number): Budget {
  return {
    over(share) {
      if (performance.now() - t0 > share * budgetMs * WALL_CAP) return true;
      const c = process.cpuUsage(cpu0);
      return (c.user + c.system) / 1000 > share * budgetMs;
    },
  };
}

/** Memory-backed /dev/shm when there is one (the scratch store's writes and syncs then cost
 *  little; the code paths are the same), else the OS temporary directory. */
function scratchParent(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    /* none */
  }
  return tmpdir();
}

/** The client side: two rounds (the second with fresh connections and more queues); the first
 *  gets four fifths of the messages and of the budget. */
async function drive(url: string, total: number, b: Budget, progress: { messages: number }): Promise<void> {
  const first = Math.round(total * 0.8);
  await round(url, 1, first, 100, () => b.over(0.8), progress);
  await round(url, 3, total - first, 10, () => b.over(1), progress);
}

/** Properties as the platform, the agent and plain clients send them, in turn. */
const PROPS: Options.Publish[] = [
  {},
  { contentType: 'application/json' },
  { contentType: 'application/json', messageId: 'm1', mandatory: true },
  { headers: { 'x-box': 'warm-up' }, correlationId: 'c1', timestamp: 1 },
];

/**
 * One client: a publisher connection with a confirm channel and a consumer connection (acks,
 * `prefetch`), `queues` durable queues: a few messages one at a time, then persistent and
 * transient ones pipelined (<= 1,000 unconfirmed), then the client's end.
 */
async function round(url: string, queues: number, count: number, prefetch: number, spent: () => boolean, progress: { messages: number }): Promise<void> {
  const conns: ChannelModel[] = [];
  let fail: (err: Error) => void = () => undefined;
  const broken = new Promise<never>((_, reject) => (fail = reject));
  broken.catch(() => undefined);
  const open = async () => {
    const c = await amqp.connect(url, { noDelay: true });
    c.on('error', (err: Error) => fail(err));
    c.on('close', () => fail(new Error('warm-up connection closed')));
    conns.push(c);
    return c;
  };
  const step = <T>(p: Promise<T>) => Promise.race([p, broken]);
  try {
    const pub = await step((await open()).createConfirmChannel());
    const con = await step((await open()).createChannel());
    await step(con.prefetch(prefetch));
    const names: string[] = [];
    for (let i = 0; i < queues; i++) names.push((await step(pub.assertQueue('', { durable: true, exclusive: false }))).queue);
    let received = 0;
    const consumers: string[] = [];
    for (const q of names) {
      const ok = await step(
        con.consume(q, (m) => {
          if (!m) return;
          received++;
          con.ack(m);
        }),
      );
      consumers.push(ok.consumerTag);
    }
    // a few one at a time (publish, wait for the confirm: the platform's commands), then pipelined
    let one = 0;
    for (; one < Math.min(50, count / 10) && !spent(); one++) {
      await step(confirmed(pub, names[one % names.length]!, body(one), { persistent: true, ...PROPS[one % PROPS.length] }));
      progress.messages++;
    }
    const sent = await step(pipeline(pub, names, count - one, spent, progress));
    // every message delivered and acked before the client's end
    const expected = sent + one;
    for (let last = received, since = performance.now(); received < expected; ) {
      if (received !== last) [last, since] = [received, performance.now()];
      else if (performance.now() - since > 3000) throw new Error(`${expected - received} warm-up messages not delivered`);
      await step(new Promise((r) => setTimeout(r, 5)));
    }
    // the client's end, as a box or the platform ends: cancel, delete, close
    for (const tag of consumers) await step(con.cancel(tag));
    for (const q of names) await step(pub.deleteQueue(q));
    await step(Promise.all([con.close(), pub.close()]));
    fail = () => undefined;
    for (const c of conns.splice(0)) await c.close();
  } finally {
    fail = () => undefined;
    for (const c of conns) await c.close().catch(() => undefined);
  }
}

const SMALL = Buffer.alloc(SIZE, 0x61);
const LARGE = Buffer.alloc(3 * 64 * 1024, 0x62);
/** Now and then a body of several frames. */
const body = (i: number): Buffer => (i % 499 === 0 ? LARGE : SMALL);

function confirmed(ch: ConfirmChannel, q: string, content: Buffer, props: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => ch.sendToQueue(q, content, props, (err: unknown) => (err ? reject(new Error('warm-up publish nacked')) : resolve())));
}

/** Publishes `count` messages (three in four persistent) with at most 1,000 unconfirmed, until
 *  the budget is `spent`; resolves to how many were sent. */
function pipeline(ch: ConfirmChannel, queues: string[], count: number, spent: () => boolean, progress: { messages: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let outstanding = 0;
    let stop = false;
    const pump = () => {
      while (!stop && sent < count && outstanding < 1000) {
        if ((sent & 255) === 0 && spent()) stop = true;
        else {
          const i = sent++;
          outstanding++;
          ch.sendToQueue(queues[i % queues.length]!, body(i), { persistent: (i & 3) !== 3, ...PROPS[i % PROPS.length] }, (err: unknown) => {
            if (err) return reject(new Error('warm-up publish nacked'));
            outstanding--;
            progress.messages++;
            pump();
          });
        }
      }
      if (outstanding === 0 && (stop || sent === count)) resolve(sent);
    };
    pump();
  });
}
