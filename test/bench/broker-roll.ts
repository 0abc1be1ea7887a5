// npm run bench:broker-roll [-- --pairs N] [--turns N]
// The event-loop time of message-log segment rolls (electron/broker/store/segment-roll.ts): a
// MessageStore with 16 MiB segments in the OS temporary directory takes turns of 200 appended
// 1 KiB messages; each turn's synchronous append block is timed, and the blocks that rolled to a
// new segment are set apart. Baseline (A): every roll inline (`prepare: false`); B: the next
// segment prepared on the libuv pool. Two modes: "each turn durable" (the next turn after the
// previous turn's sync) and "pipelined" (200 waiters a turn, synced by pooled group commits while
// the next turns go on). A and B alternate in pairs in the same run; the ratio is B / A of the
// median rolling block.
import { loadavg } from 'node:os';
import { rmSync } from 'node:fs';
import { MessageStore, type StoredMsg } from '../../electron/broker/store/message-store';
import { tempDir } from '../broker/helpers';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const PAIRS = arg('--pairs', 3);
const TURNS = arg('--turns', 600);
const PER_TURN = 200;
const body = Buffer.alloc(1024, 7);
const turn = () => new Promise<void>((r) => setImmediate(r));

async function run(prepare: boolean, pipelined: boolean): Promise<{ rolls: number[]; plain: number[] }> {
  const dir = tempDir('bench-roll');
  const s = new MessageStore(dir, { sync: true, segmentBytes: 16 << 20, prepare });
  s.recover();
  const rolls: number[] = [];
  const plain: number[] = [];
  let id = 0;
  for (let t = 0; t < TURNS; t++) {
    const before = s.segmentCount();
    const t0 = performance.now();
    for (let k = 0; k < PER_TURN; k++, id++) {
      const m: StoredMsg = { id, persistent: true, expiresAt: 0, exchange: '', routingKey: 'q', props: Buffer.alloc(0), size: body.length, body: null, loc: null };
      s.append('q', m, body);
    }
    const dt = performance.now() - t0;
    (s.segmentCount() !== before ? rolls : plain).push(dt);
    if (pipelined) {
      for (let k = 0; k < PER_TURN; k++) s.whenDurable(() => {});
      await turn();
      await turn();
    } else await new Promise<void>((r) => s.whenDurable(r));
  }
  await new Promise<void>((r) => s.whenDurable(r));
  s.close();
  rmSync(dir, { recursive: true, force: true });
  return { rolls: rolls.slice(1), plain }; // the first roll (first-time code paths) left out
}

const median = (a: number[]) => {
  const s = a.slice().sort((x, y) => x - y);
  return s.length ? s[s.length >> 1]! : NaN;
};
const fmt = (a: number[]) => `median ${median(a).toFixed(2)} max ${Math.max(...a).toFixed(2)} ms (${a.length})`;

console.log(`load average (1/5/15 min) at start: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
for (const pipelined of [false, true]) {
  console.log(pipelined ? 'pipelined (pooled group commits, next turns meanwhile):' : 'each turn durable before the next:');
  for (let p = 1; p <= PAIRS; p++) {
    const a = await run(false, pipelined);
    const b = await run(true, pipelined);
    console.log(`  pair ${p}: rolling block A inline ${fmt(a.rolls)}; B prepared ${fmt(b.rolls)}; ratio B/A ×${(median(b.rolls) / median(a.rolls)).toFixed(2)}; other blocks median A ${median(a.plain).toFixed(2)} B ${median(b.plain).toFixed(2)} ms`);
  }
}
console.log(`load average (1/5/15 min) at the end: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
