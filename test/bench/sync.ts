// npm run bench:sync [-- --people N] [--face-jobs J]
// N distinct people (default 2,000; photos made from the fixtures: crops, mirrors, light and size
// changes, test/helpers/face-variants.ts) synced end to end to one agent: `se3kit serve` (site
// platform, embedded broker) and a real `se3kit agent --face-jobs J` (default 1). The people are
// added first (the platform checks each photo on upload; untimed), then the box is assigned their
// group and the timed part runs until the platform shows every person enrolled on it.
// Baseline in the same run, on the same photos: the face engine alone (agent/face createFacePool
// with the same J, the agent's own per-photo call: decode, detect, FIQA at the box's level,
// descriptor — pool.analyze(photo, { level, attributes: true }) — with the agent's concurrency
// 2J+2), once before and once after the sync; the ratio is against their mean.
// Target: loop time ≤ 1.15 × engine time. Prints the load average (the machine may be shared).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createFacePool } from '../../agent/face';
import { PlatformClient } from '../../electron/cli/commands/platform-client';
import { health, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { variantPhoto } from '../helpers/face-variants';
import { freePort } from '../helpers/ports';
import { startCli, type Running } from '../site/cli-process';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const N = arg('--people', 2000);
const JOBS = arg('--face-jobs', 1);
if (![N, JOBS].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('usage: bench:sync [--people N] [--face-jobs J]');
  process.exit(2);
}
const load = () => loadavg().map((x) => x.toFixed(1)).join(' / ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function engineSeconds(photos: Buffer[]): Promise<number> {
  const pool = await createFacePool({ jobs: JOBS });
  try {
    await pool.analyze(photos[0]!, { level: 'high', attributes: true }); // models loaded before timing
    const t0 = performance.now();
    let passed = 0;
    await mapLimit(photos, 2 * JOBS + 2, async (p) => {
      const a = await pool.analyze(p, { level: 'high', attributes: true });
      if (a.data[0]?.fiqa_result && a.data[0].attributes?.embedding?.length) passed++;
    });
    const s = (performance.now() - t0) / 1000;
    if (passed !== photos.length) console.log(`  (engine: ${photos.length - passed} photos rejected)`);
    return s;
  } finally {
    await pool.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'se3-bench-sync-'));
let serve: Running | undefined;
let agent: AgentProc | undefined;
try {
  console.log(`bench:sync — ${N} people, --face-jobs ${JOBS}; load average (1/5/15 min) at start: ${load()}`);
  const photos: Buffer[] = [];
  for (let i = 0; i < N; i++) photos.push(await variantPhoto(i));
  const mb = photos.reduce((s, p) => s + p.length, 0) / 1e6;
  console.log(`photos made: ${N} distinct, ${mb.toFixed(0)} MB (mean ${((mb * 1000) / N).toFixed(0)} kB)`);

  const e1 = await engineSeconds(photos);
  console.log(`engine alone (before): ${e1.toFixed(1)} s, ${(N / e1).toFixed(1)} people/s`);

  const boxPort = await freePort();
  serve = await startCli(['serve', '--data', join(dir, 'site'), '--port', '0', '--box-port', String(boxPort), '--amqp-port', String(await freePort())]);
  const api = await PlatformClient.open(join(dir, 'site'));
  await api.call('platform.groups.add', { name: 'all' });
  const { devSno } = await api.call('platform.devices.add', { name: 'bench box' });
  agent = await startAgent(join(dir, 'box'), ['--mac', 'e0:a5:09:00:be:01', '--face-jobs', String(JOBS)]);
  await put(agent, 'DevSno', devSno);
  await put(agent, 'LoginUrl', `http://127.0.0.1:${boxPort}/login`);
  for (let t = Date.now(); (await health(agent)).broker?.state !== 'connected'; await sleep(200)) if (Date.now() - t > 60_000) throw new Error('the box did not link');
  const tu = performance.now();
  await mapLimit(photos.map((p, i) => [p, i] as const), 2, async ([p, i]) => {
    await api.call('platform.people.add', { id: `u${String(i).padStart(5, '0')}`, name: `Person ${i}`, groups: ['all'], photos: [p.toString('base64')] });
  });
  console.log(`people added to the platform (photo checks, untimed): ${((performance.now() - tu) / 1000).toFixed(1)} s`);

  const t0 = performance.now();
  await api.call('platform.devices.assign', { devSno, group: 'all' });
  // until the platform shows every person answered (enrolled, or refused: a photo the box's FIQA
  // gate rejects never reaches it, so the box may end with fewer than N users)
  let first = 0;
  let boxDone = 0;
  let users = 0;
  let counts: Record<string, number> = {};
  let answered = 0;
  let moved = performance.now();
  for (;;) {
    const u = (await health(agent)).users as number;
    if (u > users) {
      users = u;
      boxDone = performance.now() - t0;
      if (!first) first = boxDone;
      moved = performance.now();
    }
    counts = (await api.call('platform.sync.summary', {})).find((x) => x.devSno === devSno)!.counts;
    const a = (counts.enrolled ?? 0) + (counts.failed ?? 0);
    if (a >= N && !counts.pending) break;
    if (a > answered) [answered, moved] = [a, performance.now()];
    if (performance.now() - moved > 300_000) throw new Error(`no progress for 5 minutes: the box holds ${u} users, the platform shows ${JSON.stringify(counts)}`);
    await sleep(100);
  }
  const loop = (performance.now() - t0) / 1000;
  console.log(`sync: first user on the box after ${(first / 1000).toFixed(1)} s, the last of its ${users} after ${(boxDone / 1000).toFixed(1)} s, platform shows ${JSON.stringify(counts)} after ${loop.toFixed(1)} s`);
  await agent.kill();
  agent = undefined;
  await serve.stop();
  serve = undefined;

  const e2 = await engineSeconds(photos);
  console.log(`engine alone (after): ${e2.toFixed(1)} s, ${(N / e2).toFixed(1)} people/s`);
  const engine = (e1 + e2) / 2;
  console.log('');
  console.log(`people/s: sync loop ${(N / loop).toFixed(1)}, engine alone ${(N / engine).toFixed(1)} (mean of ${(N / e1).toFixed(1)} and ${(N / e2).toFixed(1)})`);
  console.log(`loop time / engine time: ${(loop / engine).toFixed(2)} (target ≤ 1.15)`);
  console.log(`load average (1/5/15 min) at the end: ${load()}`);
} finally {
  await agent?.kill('SIGKILL');
  await serve?.stop();
  rmSync(dir, { recursive: true, force: true });
}
