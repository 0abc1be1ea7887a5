// npm run bench:deploy [-- --boxes 10]
// Updating N boxes in parallel against updating 1 box, in the same run. Each box is a real sshd
// in its own network namespace (veth pair to the host, agent on :5555 inside the namespace),
// with its own install prefix. Prints both times, the ratio (target ≤ 2×) and the bundle sizes.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ROOT } from '../../build/agent-bundle/bundle';
import { deployBox } from '../../electron/deploy/box';
import { ensureInstallationKey } from '../../electron/deploy/keys';
import type { DeployEvent } from '../../electron/deploy/events';
import { deployFleet } from '../../electron/deploy/fleet';
import { killAgent, NO_MDNS, rmrf, tempDir, testBundle } from '../deploy/fixture';
import { startSshd, type SshdBox } from '../helpers/sshd';

const { values } = parseArgs({ options: { boxes: { type: 'string', default: '10' } } });
const N = Number(values.boxes);

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

interface NsBox {
  ns: string;
  sshd: SshdBox;
  target: { host: string; port: number; user: string; prefix: string; agentPort: number };
}

const tag = `sdb${process.pid % 10000}`;
const boxes: NsBox[] = [];
const namespaces: string[] = [];

async function setup(dataDir: string): Promise<void> {
  const key = ensureInstallationKey(dataDir);
  for (let i = 0; i < N; i++) {
    const ns = `${tag}-${i}`;
    const host = `10.213.${i}.2`;
    ip('netns', 'add', ns);
    namespaces.push(ns);
    ip('link', 'add', `${tag}h${i}`, 'type', 'veth', 'peer', 'name', `${tag}b${i}`);
    ip('link', 'set', `${tag}b${i}`, 'netns', ns);
    ip('addr', 'add', `10.213.${i}.1/30`, 'dev', `${tag}h${i}`);
    ip('link', 'set', `${tag}h${i}`, 'up');
    ip('-n', ns, 'addr', 'add', `${host}/30`, 'dev', `${tag}b${i}`);
    ip('-n', ns, 'link', 'set', `${tag}b${i}`, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    const sshd = await startSshd({ host, port: 22, netns: ns, authorizedKeys: [key.publicKey] });
    const opt = join(sshd.dir, 'opt');
    mkdirSync(opt);
    chownSync(opt, sshd.user.uid, sshd.user.gid);
    boxes.push({ ns, sshd, target: { host, port: 22, user: sshd.user.name, prefix: join(opt, 'se3-agent'), agentPort: 5555 } });
  }
}

async function teardown(): Promise<void> {
  for (const b of boxes) {
    killAgent(b.target.prefix);
    await b.sshd.cleanup();
  }
  for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces, sshd)');
  const work = tempDir('bench');
  const dataDir = join(work, 'app-data');
  try {
    console.log(`building test bundles (gzip -1) and ${N} boxes in network namespaces...`);
    const a = await testBundle(join(work, 'dist'), '9.0.0');
    const b = await testBundle(join(work, 'dist'), '9.1.0');
    const c = await testBundle(join(work, 'dist'), '9.2.0');
    await setup(dataDir);
    const ctx = { dataDir };
    const installed = await deployFleet(boxes.map((x) => x.target), ctx, { agentArgs: NO_MDNS, bundle: a.file, concurrency: N });
    if (!installed.ok) throw new Error(`initial install failed: ${installed.boxes.filter((r) => !r.ok).map((r) => `${r.host}: ${r.reason}`).join('; ')}`);

    // per-box phase times from the events: upload (the technician's side: SSH encryption and the
    // link) and the rest (box side: unpack, restart, health) — on real boxes the latter run on
    // each box's own CPU, here all boxes share this machine's cores.
    const phases = new Map<string, { up?: number; verify?: number; done?: number }>();
    const sink = (e: DeployEvent) => {
      if (e.type !== 'step') return;
      const p = phases.get(e.host) ?? {};
      const t = Date.parse(e.at);
      if (e.step === 'upload') p.up = t;
      if (e.step === 'verify') p.verify = t;
      if (e.step === 'done') p.done = t;
      phases.set(e.host, p);
    };
    const uploadSecs = () => {
      const v = [...phases.values()].filter((p) => p.up && p.verify).map((p) => (p.verify! - p.up!) / 1000);
      phases.clear();
      return { max: Math.max(...v), avg: v.reduce((x, y) => x + y, 0) / v.length };
    };
    const t1 = Date.now();
    const one = await deployBox(boxes[0]!.target, ctx, { agentArgs: NO_MDNS, bundle: b.file }, sink);
    const up1 = uploadSecs();
    const single = (Date.now() - t1) / 1000;
    if (!one.ok) throw new Error(`single update failed: ${one.reason}`);

    const tN = Date.now();
    const all = await deployFleet(boxes.map((x) => x.target), ctx, { agentArgs: NO_MDNS, bundle: c.file, concurrency: N }, sink);
    const parallel = (Date.now() - tN) / 1000;
    const upN = uploadSecs();
    if (!all.ok) throw new Error(`parallel update failed: ${all.boxes.filter((r) => !r.ok).map((r) => `${r.host}: ${r.reason}`).join('; ')}`);

    const ratio = parallel / single;
    console.log(`\nupdate 1 box:               ${single.toFixed(2)} s`);
    console.log(`update ${N} boxes in parallel: ${parallel.toFixed(2)} s`);
    console.log(`ratio ${N} / 1:               ${ratio.toFixed(2)}× (target ≤ 2×) ${ratio <= 2 ? 'OK' : 'ABOVE TARGET'}`);
    console.log(`upload phase: 1 box ${up1.max.toFixed(2)} s; ${N} boxes avg ${upN.avg.toFixed(2)} s, slowest ${upN.max.toFixed(2)} s`);
    console.log(`(all ${N} boxes share this machine's ${cpus().length} cores and load ${loadavg()[0]!.toFixed(1)}; unpack/restart is box-side CPU)`);
    console.log(`bundle used (x64, gzip -1): ${mib(c.size)} compressed, ${mib(c.unpackedSize)} unpacked`);
    const dist = join(ROOT, 'dist', 'agent');
    const prod = existsSync(dist) ? readdirSync(dist).filter((f) => /^se3-agent-.*\.tar(\.gz)?$/.test(f)) : [];
    if (prod.length === 0) console.log('release bundles: none in dist/agent (npm run build:agent -- --arch arm64 --arch x64)');
    for (const f of prod) console.log(`release bundle ${f}: ${mib(statSync(join(dist, f)).size)}`);
  } finally {
    await teardown();
    rmrf(work);
  }
}

main().catch((err) => {
  console.error(`bench:deploy: ${err instanceof Error ? err.message : String(err)}`);
  teardown().finally(() => process.exit(1));
});
