// The throughput client of `npm run bench:broker` (also used by broker-warmup.ts): an amqplib
// publisher with confirms and at most WINDOW unconfirmed messages in flight, and a consumer
// (prefetch 100, one ack per message) in the same process; 1 KiB messages to a durable queue.
// Each message carries its publish time (offset 0) and its sequence number (offset 8).
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';

export const SIZE = 1024;
export const WINDOW = 1000;

export interface ThroughputRun {
  /** publish→deliver latency (ms) in delivery order */
  lat: Float64Array;
  /** the sequence number of each delivered message, in delivery order */
  seq: Float64Array;
  msgPerSec: number;
}

/** The p-quantile of `a` (sorted in place). */
export const quantile = (a: number[] | Float64Array, p: number): number => {
  const s = a instanceof Float64Array ? a.sort() : a.sort((x, y) => x - y);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(s.length * p))]!;
};

export async function throughputRun(url: string, persistent: boolean, COUNT: number, q = `bench-${persistent ? 'persistent' : 'transient'}`): Promise<ThroughputRun> {
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
    await pub.assertQueue(q, { durable: true });
    await pub.purgeQueue(q);
    await con.prefetch(100);
    const lat = new Float64Array(COUNT);
    const seq = new Float64Array(COUNT);
    let received = 0;
    let t0 = 0;
    const done = new Promise<number>((resolve) => {
      void con.consume(q, (m) => {
        if (!m) return; // cancelled when the queue is deleted at the end
        lat[received] = performance.now() - m.content.readDoubleLE(0);
        seq[received++] = m.content.readDoubleLE(8);
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
          body.writeDoubleLE(sent, 8);
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
    await pub.deleteQueue(q);
    return { lat, seq, msgPerSec: COUNT / ((t1 - t0) / 1000) };
  } finally {
    await pc.close().catch(() => {});
    await cc.close().catch(() => {});
  }
}

