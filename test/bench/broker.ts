// npm run bench:broker [-- --count N]
// amqplib publisher (publisher confirms, ≤1000 unconfirmed in flight) and consumer (prefetch
// 100, one ack per message), 1 KiB messages to a durable queue: persistent, then transient.
// Measured for the embedded broker (own process) and a private RabbitMQ in the same run, each
// after an identical untimed warm-up;
// prints msg/s, p50/p99 publish→deliver latency and the embedded/RabbitMQ ratios.
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import { spawnBroker, tempDir } from '../broker/helpers';
import { startRabbitMQ } from '../helpers/rabbitmq';

const argv = process.argv.slice(2);
const countArg = argv.indexOf('--count');
const COUNT = countArg >= 0 ? Number(argv[countArg + 1]) : 100_000;
if (!Number.isInteger(COUNT) || COUNT <= 0) {
  console.error('usage: bench:broker [--count N]');
  process.exit(2);
}
const SIZE = 1024;
const WINDOW = 1000;
// Untimed run before each measurement, the same for both brokers (JIT, file creation).
const WARMUP = Math.max(1000, Math.min(5000, Math.floor(COUNT / 10)));

interface Result {
  msgPerSec: number;
  p50: number;
  p99: number;
}

async function run(url: string, persistent: boolean, COUNT: number): Promise<Result> {
  const pc = await amqp.connect(url, { noDelay: true });
  const cc = await amqp.connect(url, { noDelay: true });
  // A connection lost mid-run fails this run (and the finally below still stops both brokers)
  // instead of an unhandled 'error' event killing the process and leaving RabbitMQ running.
  const broken = new Promise<never>((_, reject) => {
    for (const c of [pc, cc]) c.on('error', (err: Error) => reject(new Error(`connection to ${url.replace(/\/\/[^@]*@/, '//')} failed mid-run: ${err.message}`)));
  });
  broken.catch(() => undefined);
  try {
    const pub = await pc.createConfirmChannel();
    const con = await cc.createChannel();
    const q = `bench-${persistent ? 'persistent' : 'transient'}`;
    await pub.assertQueue(q, { durable: true });
    await pub.purgeQueue(q);
    await con.prefetch(100);
    const lat = new Float64Array(COUNT);
    let received = 0;
    let t0 = 0;
    const done = new Promise<number>((resolve) => {
      void con.consume(q, (m) => {
        if (!m) return; // cancelled when the queue is deleted at the end
        lat[received++] = performance.now() - m.content.readDoubleLE(0);
        con.ack(m!);
        if (received === COUNT) resolve(performance.now());
      });
    });
    t0 = performance.now();
    const sent = new Promise<void>((resolve, reject) => {
      let sent = 0;
      let outstanding = 0;
      const pump = () => {
        while (sent < COUNT && outstanding < WINDOW) {
          const body = Buffer.alloc(SIZE, 0x61);
          body.writeDoubleLE(performance.now(), 0);
          sent++;
          outstanding++;
          pub.publish('', q, body, { persistent }, (err) => {
            if (err) return reject(new Error('publish nacked'));
            outstanding--;
            if (sent === COUNT && outstanding === 0) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    await Promise.race([sent, broken]);
    const t1 = await Promise.race([done, broken]);
    const sorted = Array.from(lat).sort((a, b) => a - b);
    await pub.deleteQueue(q);
    return {
      msgPerSec: COUNT / ((t1 - t0) / 1000),
      p50: sorted[Math.floor(COUNT * 0.5)]!,
      p99: sorted[Math.min(COUNT - 1, Math.floor(COUNT * 0.99))]!,
    };
  } finally {
    await pc.close().catch(() => {});
    await cc.close().catch(() => {});
  }
}

const fmt = (r: Result) => `${Math.round(r.msgPerSec).toString().padStart(7)} msg/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms`;

const dir = tempDir('bench');
const embedded = await spawnBroker(dir);
let rabbit: Awaited<ReturnType<typeof startRabbitMQ>> | null = null;
try {
  rabbit = await startRabbitMQ();
} catch (err) {
  console.error(`RabbitMQ baseline unavailable: ${(err as Error).message.split('\n')[0]}`);
}
try {
  console.log(`broker benchmark: ${COUNT} × ${SIZE} B messages, confirms + acks, prefetch 100, durable queue (after ${WARMUP} untimed warm-up messages per run)`);
  for (const persistent of [true, false]) {
    const mode = persistent ? 'persistent' : 'transient ';
    const eUrl = `amqp://test:test@127.0.0.1:${embedded.port}`;
    await run(eUrl, persistent, WARMUP);
    const e = await run(eUrl, persistent, COUNT);
    console.log(`  ${mode} embedded  ${fmt(e)}`);
    if (rabbit) {
      await run(rabbit.url, persistent, WARMUP);
      const r = await run(rabbit.url, persistent, COUNT);
      console.log(`  ${mode} RabbitMQ  ${fmt(r)}`);
      console.log(
        `  ${mode} ratio     throughput ×${(e.msgPerSec / r.msgPerSec).toFixed(2)}  p50 ×${(e.p50 / r.p50).toFixed(2)}  p99 ×${(e.p99 / r.p99).toFixed(2)}  (embedded / RabbitMQ; throughput >1 and latency <1 favour embedded)`,
      );
    }
  }
} finally {
  await embedded.kill('SIGTERM');
  await rabbit?.stop();
  rmSync(dir, { recursive: true, force: true });
}
