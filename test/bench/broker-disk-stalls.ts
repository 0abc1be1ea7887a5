// npm run bench:broker-disk-stalls [-- --pairs N]
// How long the message log's group commits wait for the disk while the store prepares its next
// segment (electron/broker/store/segment-prep.ts). A
// worker thread stands for the group commits: it appends 2,000 bytes to a preallocated file and
// fdatasyncs it, in a loop, timing each sync. Meanwhile the main thread runs one disk event at a
// time, 300 ms apart, and the worst sync that overlapped each event (until 50 ms after it) is
// taken. Preparing a 16 MiB segment, baseline (A) against the store's way (B), alternating in
// pairs in one run: A writes it and fsyncs it once; B is the store's PreparedSegment (each MiB
// synced as it is written).
// Printed: the median and worst of those per-event maxima, and B / A of the medians; and the
// same for 15 ms with no event at all (the worst sync of a quiet window: the floor).
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PreparedSegment } from '../../electron/broker/store/segment-prep';
import { segName } from '../../electron/broker/store/segment';
import { tempDir } from '../broker/helpers';

const argv = process.argv.slice(2);
const PAIRS = (() => {
  const i = argv.indexOf('--pairs');
  return i >= 0 ? Number(argv[i + 1]) : 3;
})();
const EVENTS = 6; // per variant and pair
const MIB = 1024 * 1024;
const SEGMENT = 16 * MIB;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = tempDir('bench-stalls');

// The group commits: [start, duration] of every sync, in performance.timeOrigin-based ms.
const worker = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const fs = require('node:fs');
   const fd = fs.openSync(workerData.file, 'w+');
   fs.writeSync(fd, Buffer.alloc(64 << 20)); fs.fsyncSync(fd);
   const rec = Buffer.alloc(2000, 1); let off = 0; let log = [];
   parentPort.postMessage('ready');
   parentPort.on('message', (m) => { if (m === 'take') { parentPort.postMessage(log); log = []; } });
   const loop = () => {
     const end = performance.now() + 20;
     while (performance.now() < end) {
       const t = performance.now();
       fs.writeSync(fd, rec, 0, rec.length, off); off = (off + rec.length) % (60 << 20);
       fs.fdatasyncSync(fd);
       log.push(performance.timeOrigin + t, performance.now() - t);
     }
     setImmediate(loop); // lets 'take' messages in
   };
   loop();`,
  { eval: true, workerData: { file: join(dir, 'commits') } },
);
await new Promise((r) => worker.once('message', r));
const take = () => new Promise<number[]>((r) => { worker.once('message', r); worker.postMessage('take'); });
const now = () => performance.timeOrigin + performance.now();

let seq = 0;
/** Each event; what it returns is done after its timing window (the prepared file deleted). */
const events: Record<string, () => Promise<string | void>> = {
  'no event (the floor)': async () => {
    await sleep(15);
  },
  'prepare, A: one fsync': async () => {
    const path = join(dir, `p${seq++}`);
    const fd = openSync(path, 'w');
    for (let at = 0; at < SEGMENT; at += MIB) writeSync(fd, Buffer.alloc(MIB), 0, MIB, at);
    fsyncSync(fd);
    closeSync(fd);
    return path;
  },
  'prepare, B: store': async () => {
    const n = 90000 + seq++;
    const p = new PreparedSegment(dir, n, SEGMENT);
    while (!p.ready && !p.error) await sleep(1);
    if (p.error) throw p.error;
    closeSync(p.fd);
    return join(dir, segName(n));
  },
};

/** The worst sync overlapping each of `n` runs of `ev`. */
async function measure(name: string, n: number): Promise<number[]> {
  const worst: number[] = [];
  for (let k = 0; k < n; k++) {
    await sleep(300);
    await take();
    const t0 = now();
    const leftover = await events[name]!();
    const t1 = now();
    await sleep(50);
    const log = await take();
    if (leftover) rmSync(leftover);
    let w = 0;
    for (let i = 0; i < log.length; i += 2) if (log[i]! + log[i + 1]! >= t0 && log[i]! <= t1 + 50) w = Math.max(w, log[i + 1]!);
    worst.push(w);
  }
  return worst;
}

const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1]!;
console.log(`load average (1/5/15 min) at start: ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
console.log(`worst group-commit fdatasync beside each disk event, ${EVENTS} events per variant and pair`);
const all: Record<string, number[]> = {};
for (let p = 0; p < PAIRS; p++) {
  for (const name of Object.keys(events)) {
    const w = await measure(name, EVENTS);
    (all[name] ??= []).push(...w);
    console.log(`pair ${p + 1} ${name.padEnd(22)} median ${median(w).toFixed(2)} worst ${Math.max(...w).toFixed(2)} ms`);
  }
}
const floor = all['no event (the floor)']!;
console.log(`no event: ${median(floor).toFixed(2)} ms (worst ${Math.max(...floor).toFixed(2)})`);
for (const kind of ['prepare']) {
  const [a, b] = Object.keys(all).filter((k) => k.startsWith(kind));
  const ma = median(all[a!]!);
  const mb = median(all[b!]!);
  console.log(`${kind}: A ${ma.toFixed(2)} ms (worst ${Math.max(...all[a!]!).toFixed(2)}), B ${mb.toFixed(2)} ms (worst ${Math.max(...all[b!]!).toFixed(2)}): B / A ×${(mb / ma).toFixed(2)}`);
}
await worker.terminate();
rmSync(dir, { recursive: true, force: true });
