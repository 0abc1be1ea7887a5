// The arm64 bundle really runs on aarch64: its contents are for arm64 only, and under qemu-user
// (Debian qemu-user-static + the libc6:arm64/libstdc++6:arm64 runtime) its own Node runtime
// boots the agent, which answers /health, its face engine (native onnxruntime + sharp for
// arm64, the bundled models) checks a fixture photo, and its sqlite3 (cross-compiled for arm64
// by the bundle build) opens, writes and reads a database (app/db-check.mjs).
// binfmt_misc is not available in containers, so the test runs the release's node binary through
// qemu-aarch64-static explicitly, with the same arguments as bin/se3-agent and bin/se3-fiqa.
// qemu-user passes the host's (x86) /proc/cpuinfo through, on which onnxruntime's cpuinfo crashes
// (SIGSEGV at load); each run therefore gets a private mount namespace (unshare -m) in which an
// aarch64 Cortex-A53 /proc/cpuinfo, as an SE3 box's kernel shows it, is bind-mounted.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../../build/agent-bundle/bundle';
import { readManifest } from '../../electron/deploy/bundle';
import { requireComponent } from '../helpers/components';
import { freePort } from '../helpers/sshd';
import { http, rmrf, tempDir, testBundle } from './fixture';

const QEMU = '/usr/bin/qemu-aarch64-static';
const FIXTURES = join(ROOT, '..', 'shared', 'fixtures', 'faces');

const A53_CPU = (n: number) =>
  `processor\t: ${n}\nBogoMIPS\t: 100.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\nCPU implementer\t: 0x41\n` +
  `CPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n`;

/** unshare + bind-mounted aarch64 /proc/cpuinfo + qemu-aarch64-static: argv for spawn('unshare', ...). */
function qemuArgv(cpuinfo: string, args: string[]): string[] {
  return ['-m', 'sh', '-c', 'mount --bind "$0" /proc/cpuinfo && exec "$@"', cpuinfo, QEMU, ...args];
}

function elfMachine(path: string): number {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(20);
  readSync(fd, b, 0, 20, 0);
  closeSync(fd);
  return b.readUInt16LE(18);
}

describe('arm64 bundle under qemu-user', { timeout: 400_000 }, () => {
  let work: string;
  let rel: string;
  let bundle: string;
  let agent: ChildProcess | null = null;
  let cpuinfo: string;
  let ready = false;

  before(async (t) => {
    if (!requireComponent(t as never, 'qemu-user-static', { file: QEMU })) return;
    if (!requireComponent(t as never, 'libc6:arm64 (aarch64 glibc for qemu-user)', { file: '/lib/ld-linux-aarch64.so.1' })) return;
    if (!requireComponent(t as never, 'libstdc++6:arm64', { file: '/usr/lib/aarch64-linux-gnu/libstdc++.so.6' })) return;
    if (!requireComponent(t as never, 'unshare (util-linux), as root', { bin: 'unshare', root: true })) return;
    work = tempDir('arm64');
    cpuinfo = join(work, 'cpuinfo');
    writeFileSync(cpuinfo, A53_CPU(0) + A53_CPU(1));
    bundle = (await testBundle(join(work, 'dist'), '4.0.0', { arch: 'arm64' })).file;
    rel = join(work, 'release');
    mkdirSync(rel);
    const x = spawnSync('tar', ['-xzf', bundle, '-C', rel], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    ready = true;
  });

  after(() => {
    agent?.kill('SIGKILL');
    if (work) rmrf(work);
  });

  it('carries arm64 natives only, an aarch64 Node runtime and the models', async (t) => {
    if (!ready) return t.skip('no qemu');
    const m = await readManifest(bundle);
    assert.equal(m.arch, 'arm64');
    assert.match(m.minGlibc, /^2\.\d+$/);
    const files = Object.keys(m.files);
    assert.ok(files.includes('app/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node'));
    assert.ok(files.some((f) => f.startsWith('app/node_modules/@img/sharp-linux-arm64/')));
    assert.ok(files.some((f) => f.startsWith('app/node_modules/@img/sharp-libvips-linux-arm64/')));
    const sqlite = 'app/node_modules/sqlite3/build/Release/node_sqlite3.node';
    assert.ok(files.includes(sqlite), 'sqlite3 native binary');
    assert.equal(elfMachine(join(rel, sqlite)), 0xb7, 'sqlite3 is built for EM_AARCH64');
    assert.deepEqual(files.filter((f) => f.endsWith('.node') && f.includes('/sqlite3/')), [sqlite], 'one sqlite3 binary, no build tree');
    assert.ok(!files.some((f) => f.startsWith('app/node_modules/sqlite3/deps/')), 'no SQLite source in the bundle');
    assert.ok(files.includes('app/db-check.mjs'));
    assert.ok(Number(m.minGlibc.split('.')[1]) <= 28, `the arm64 bundle needs glibc ${m.minGlibc}; the cross-built sqlite3 must not raise it above the Node runtime's 2.28`);
    assert.ok(!files.some((f) => /linux[-/]x64|darwin|win32/.test(f)), 'no other platform binaries');
    assert.ok(files.some((f) => f.startsWith('models/') && f.endsWith('.onnx')));
    assert.equal(elfMachine(join(rel, 'node', 'bin', 'node')), 0xb7, 'EM_AARCH64');
    // every file matches its manifest sum
    const c = spawnSync('sha256sum', ['-c', '--quiet', '--strict', 'SHA256SUMS'], { cwd: rel, encoding: 'utf8' });
    assert.equal(c.status, 0, c.stdout + c.stderr);
  });

  it('boots the agent with its own Node and answers /health', async (t) => {
    if (!ready) return t.skip('no qemu');
    const port = await freePort();
    const data = join(work, 'data');
    let log = '';
    agent = spawn('unshare', qemuArgv(cpuinfo, [join(rel, 'node', 'bin', 'node'), join(rel, 'app', 'agent.mjs'), '--data', data, '--port', String(port), '--no-mdns']), {
      env: { ...process.env, SE3KIT_MODELS_DIR: join(rel, 'models') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout!.on('data', (d) => (log += d));
    agent.stderr!.on('data', (d) => (log += d));
    const deadline = Date.now() + 120_000;
    let health: { status: number; json: any } | null = null;
    while (Date.now() < deadline && agent.exitCode === null) {
      health = await http(port, '/health').catch(() => null);
      if (health) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(health, `no /health answer under qemu:\n${log}`);
    assert.equal(health.status, 200);
    assert.equal(health.json.version, '4.0.0');
    const dev = await http(port, '/SophonMQ/api/DevSno');
    assert.equal(dev.status, 200);
  });

  it('opens, writes and reads an SQLite database with the bundled sqlite3 (arm64)', async (t) => {
    if (!ready) return t.skip('no qemu');
    const dir = join(work, 'db');
    const run = () =>
      spawnSync('unshare', qemuArgv(cpuinfo, [join(rel, 'node', 'bin', 'node'), join(rel, 'app', 'db-check.mjs'), dir]), { encoding: 'utf8', timeout: 120_000 });
    const r = run();
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(out.ok, true, r.stdout);
    assert.equal(out.arch, 'arm64');
    assert.match(out.sqlite, /^3\.\d+\.\d+$/);
    assert.equal(out.journal, 'wal');
    assert.equal(out.schemaVersion, 1);
    assert.equal(out.rows, 1);
    // the file is a real SQLite database; a second run reopens it and adds a row
    assert.equal(readFileSync(join(dir, 'db-check.db')).subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
    const r2 = run();
    assert.equal(r2.status, 0, `${r2.stdout}\n${r2.stderr}`);
    const out2 = JSON.parse(r2.stdout.trim().split('\n').pop()!);
    assert.equal(out2.rows, 2);
    assert.equal(out2.id, 2);
  });

  it('checks a fixture photo with the bundled face engine (FIQA)', async (t) => {
    if (!ready) return t.skip('no qemu');
    const photo = join(FIXTURES, 'obama.jpg');
    readFileSync(photo); // the fixture exists
    const r = spawnSync('unshare', qemuArgv(cpuinfo, [join(rel, 'node', 'bin', 'node'), join(rel, 'app', 'fiqa.mjs'), photo, join(FIXTURES, 'obama_partial_face.jpg'), '--level', 'high']), {
      env: { ...process.env, SE3KIT_MODELS_DIR: join(rel, 'models') },
      encoding: 'utf8',
      timeout: 300_000,
    });
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    assert.equal(lines.length, 2, `${r.stdout}\n${r.stderr}`);
    assert.equal(lines[0].passed, true, JSON.stringify(lines[0]));
    assert.equal(lines[0].faces, 1);
    assert.equal(lines[0].data[0].fiqa_result, true);
    assert.deepEqual(lines[0].data[0].fails, []);
    assert.ok(lines[0].data[0].success.includes('face_size'));
    assert.equal(lines[0].data[0].bbox.length, 4);
    assert.equal(lines[1].passed, false, 'the partial face fails high');
    assert.ok(lines[1].data[0].fails.includes('partial'), JSON.stringify(lines[1].data[0]?.fails));
    assert.equal(r.status, 1, 'exit 1: one photo failed');
  });
});
