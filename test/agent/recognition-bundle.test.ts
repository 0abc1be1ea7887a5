// The agent bundle (build/agent-bundle) runs the face engine off the agent's main thread: the
// release tree carries app/fiqa-worker.mjs (agent/face/worker.ts) next to app/agent.mjs, where
// the face pool looks for it. The bundled agent (its own Node, its own node_modules, started as
// bin/se3-agent starts it) then answers /health while snapshots are being recognised, and the
// engine's work is done by another thread: over a run of snapshots the main thread's CPU time
// stays below that of the busiest other thread (with the engine in-process the main thread
// would carry the engine's JavaScript: decoding, pyramid, crops, measures).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgentBundle } from '../../build/agent-bundle/bundle';
import { face, waitFor } from './link-fixture';

const ARCH = process.arch === 'arm64' ? 'arm64' : 'x64';
let dir: string;
let release: string;
let bundleFile: string;
let child: ChildProcess;
let url: string;
let out = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3-bundle-recog-'));
  release = join(dir, 'release');
  ({ file: bundleFile } = await buildAgentBundle({
    arch: ARCH,
    version: '0.0.0-worker-test',
    outDir: join(dir, 'out'),
    compress: 'gzip',
    level: 1,
    strip: false,
    signingKey: false,
    patch: (stage) => cpSync(stage, release, { recursive: true, verbatimSymlinks: true }),
  }));
  // WITHOUT_WORKER=1: the same run without the worker file (the engine in-process) — shows the
  // last test failing as it did before the bundle carried the worker
  if (process.env.WITHOUT_WORKER) rmSync(join(release, 'app', 'fiqa-worker.mjs'));
  child = spawn(join(release, 'node', 'bin', 'node'), [join(release, 'app', 'agent.mjs'), '--data', join(dir, 'data'), '--host', '127.0.0.1', '--port', '0', '--no-mdns', '--ftp-port', '0'], {
    env: { ...process.env, SE3KIT_MODELS_DIR: join(release, 'models') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const port = await waitFor('the bundled agent listening', () => /^listening \S+:(\d+)$/m.exec(out)?.[1], 60_000).catch((err) => {
    throw new Error(`${(err as Error).message}\n${out}`);
  });
  url = `http://127.0.0.1:${port}`;
});

after(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

/** CPU ticks (user + system) of every thread of the agent process, by thread id */
function threadTicks(pid: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      m.set(Number(t), Number(f[11]) + Number(f[12])); // utime, stime
    } catch {
      // the thread ended meanwhile
    }
  }
  return m;
}

test('the release tree has the face worker next to the agent, listed in the manifest', () => {
  assert.ok(existsSync(join(release, 'app', 'fiqa-worker.mjs')) || process.env.WITHOUT_WORKER, 'app/fiqa-worker.mjs');
  const manifest = execFileSync('tar', ['-xzOf', bundleFile, 'manifest.json'], { encoding: 'utf8' });
  assert.match(manifest, /app\/fiqa-worker\.mjs/);
});

test('the bundled agent answers /health while snapshots are recognised, and the engine works off its main thread', { timeout: 600_000 }, async (t) => {
  const dev = await fetch(`${url}/se3kit/capture-devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ep_ip: '192.0.2.41', ep_type: 1, name: 'gate', permission_ids: ['0'] }) });
  assert.equal(dev.status, 200, await dev.text());
  const snap = () => fetch(`${url}/snapshots?ep_ip=192.0.2.41`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(face('obama.jpg')) });
  // the engine starts on first use: one snapshot first
  assert.equal((await snap()).status, 200);
  const before = threadTicks(child.pid!);
  const order: string[] = [];
  const snaps = Array.from({ length: 8 }, (_, i) => snap().then(async (r) => {
    assert.equal(r.status, 200, await r.text());
    order.push(`snapshot ${i}`);
  }));
  // /health, one after another, until every snapshot is answered
  let healths = 0;
  let done = false;
  const all = Promise.all(snaps).then(() => (done = true));
  while (!done) {
    const h = await fetch(`${url}/health`);
    assert.equal(h.status, 200);
    const body = (await h.json()) as { recognition: { capture_devices: number } };
    assert.equal(body.recognition.capture_devices, 1);
    order.push('health');
    healths++;
    // paced, so the main thread's own work is answering /health, not a busy loop of it (which,
    // under load, could cost it as many CPU ticks as the engine)
    await new Promise((r) => setTimeout(r, 10));
  }
  await all;
  const after = threadTicks(child.pid!);
  assert.ok(order.indexOf('health') < order.findIndex((x) => x.startsWith('snapshot')), `a /health answer before the first snapshot answer: ${order.join(', ')}`);
  const used = [...after].map(([tid, t]) => [tid, t - (before.get(tid) ?? 0)] as const);
  const main = used.find(([tid]) => tid === child.pid)![1];
  const busiest = Math.max(...used.filter(([tid]) => tid !== child.pid).map(([, t]) => t));
  t.diagnostic(`main thread ${main} ticks, the busiest other thread ${busiest}; ${healths} /health answers`);
  assert.ok(main < busiest, `main thread ${main} ticks, the busiest other thread ${busiest} (${healths} /health answers)`);
});
