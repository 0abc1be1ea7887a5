// Shared set-up of the deploy tests: real agent bundles (built for this machine's arch, gzip -1
// for speed), "boxes" = a real sshd on a loopback address with its own HOME, prefix and agent port,
// and the se3kit CLI as a child process.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgentBundle, ROOT, type Arch, type BuildResult } from '../../build/agent-bundle/bundle';
import { ensureInstallationKey } from '../../electron/deploy/keys';
import { ensureReleaseKey, signManifest } from '../../electron/deploy/signing';
import { descendants, freePort, startSshd, type SshdBox } from '../helpers/sshd';

/** The test agents do not advertise over mDNS (no multicast beyond loopback/test namespaces). */
export const NO_MDNS = ['--no-mdns'];

export const HOST_ARCH: Arch = process.arch === 'arm64' ? 'arm64' : 'x64';

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `se3-deploy-${name}-`));
}

/**
 * The tests' release signing key (made on first use, outside the committed files): test bundles
 * are signed with it, and every deploy in this process and its children (se3kit CLI, site mode)
 * trusts it as this installation's own release key.
 */
export const TEST_RELEASE_KEY = join(ROOT, '.tmp', 'test-release-key', 'ed25519.pem');
process.env.SE3KIT_RELEASE_KEY = TEST_RELEASE_KEY;

/**
 * Builds a real agent bundle; `broken` makes its launcher exit at once (the health check fails);
 * `signingKey`: another release key (a path), or false for an unsigned bundle.
 */
export async function testBundle(outDir: string, version: string, opts: { broken?: boolean; arch?: Arch; compress?: 'xz' | 'gzip'; signingKey?: string | false } = {}): Promise<BuildResult> {
  return buildAgentBundle({
    signingKey: opts.signingKey ?? TEST_RELEASE_KEY,
    arch: opts.arch ?? HOST_ARCH,
    version,
    outDir,
    compress: opts.compress ?? 'gzip',
    level: opts.compress === 'xz' ? 0 : 1,
    patch: opts.broken
      ? (stage) => writeFileSync(join(stage, 'bin', 'se3-agent'), '#!/bin/sh\necho "se3-agent: deliberately broken test release" >&2\nexit 3\n', { mode: 0o755 })
      : undefined,
  });
}

/**
 * A small hand-made bundle (.tar.gz, laid out as build:agent lays one out) for the checks made
 * before anything is uploaded: signed with `signingKey` (a key path; false: unsigned), then
 * optionally altered — a file after signing, or the manifest after signing. Milliseconds to make.
 */
export function miniBundle(outDir: string, version: string, opts: { signingKey?: string | false; tamper?: 'file' | 'manifest'; arch?: Arch } = {}): string {
  const stage = mkdtempSync(join(tmpdir(), 'se3-mini-bundle-'));
  try {
    const files: Record<string, string> = {
      'bin/se3-agent': '#!/bin/sh\necho mini\n',
      'node/bin/node': '#!/bin/sh\nexit 0\n',
      'app/agent.mjs': 'console.log("mini");\n',
    };
    const sums: Record<string, string> = {};
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(join(stage, f, '..'), { recursive: true });
      writeFileSync(join(stage, f), text, { mode: 0o755 });
      sums[f] = createHash('sha256').update(text).digest('hex');
    }
    const manifest = { name: 'se3-agent', version, platform: 'linux', arch: opts.arch ?? HOST_ARCH, minGlibc: '2.17', node: '20.20.2', builtAt: new Date().toISOString(), unpackedSize: 64, files: sums };
    const text = `${JSON.stringify(manifest, null, 1)}\n`;
    writeFileSync(join(stage, 'manifest.json'), text);
    writeFileSync(join(stage, 'SHA256SUMS'), `${Object.entries(sums).map(([f, h]) => `${h}  ${f}`).join('\n')}\n`);
    const key = opts.signingKey === false ? null : ensureReleaseKey(opts.signingKey ?? TEST_RELEASE_KEY);
    if (key) writeFileSync(join(stage, 'manifest.sig'), signManifest(Buffer.from(text), key));
    if (opts.tamper === 'file') writeFileSync(join(stage, 'app/agent.mjs'), 'console.log("changed after signing");\n');
    if (opts.tamper === 'manifest') writeFileSync(join(stage, 'manifest.json'), text.replace('"minGlibc": "2.17"', '"minGlibc": "2.18"'));
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `se3-agent-${version}-linux-${manifest.arch}.tar.gz`);
    const r = spawnSync('tar', ['-czf', file, '-C', stage, 'manifest.json', ...(key ? ['manifest.sig'] : []), 'SHA256SUMS', 'app', 'bin', 'node'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    return file;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export interface TestBox {
  sshd: SshdBox;
  target: { host: string; port: number; user: string; prefix: string; agentPort: number };
  prefix: string;
  agentPort: number;
  /** Kills the agent's supervisor (if any), stops sshd, removes everything. */
  cleanup(): Promise<void>;
}

/**
 * A box: sshd on `host` (127.0.0.x), the installation key of `dataDir` authorized unless
 * `authorize: false`, prefix <box dir>/opt/se3-agent writable by the box user.
 */
export async function startBox(dataDir: string, host: string, opts: { authorize?: boolean } = {}): Promise<TestBox> {
  const key = ensureInstallationKey(dataDir);
  const sshd = await startSshd({ host, authorizedKeys: opts.authorize === false ? [] : [key.publicKey] });
  const opt = join(sshd.dir, 'opt');
  mkdirSync(opt);
  chownSync(opt, sshd.user.uid, sshd.user.gid);
  const prefix = join(opt, 'se3-agent');
  const agentPort = await freePort();
  return {
    sshd,
    prefix,
    agentPort,
    target: { host, port: sshd.port, user: sshd.user.name, prefix, agentPort },
    async cleanup() {
      killAgent(prefix);
      spawnSync('umount', ['-l', opt], { stdio: 'ignore' });
      await sshd.cleanup();
    },
  };
}

/** Stops the agent a box's supervisor runs (test clean-up; the box user's processes). */
export function killAgent(prefix: string): void {
  const pidFile = join(prefix, 'run', 'supervisor.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!pid) return;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export function http(port: number, path: string, method = 'GET', body?: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: body ? { 'content-type': 'application/json' } : {}, timeout: 3000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (non-JSON lines skipped). */
  lines: any[];
}

/** Runs the built CLI (dist/cli.mjs) with the given app data dir. */
export function cli(args: string[], dataDir: string, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.mjs'), ...args], {
      env: { ...process.env, SE3KIT_DATA: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`se3kit ${args.join(' ')} timed out\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return null;
          }
        })
        .filter(Boolean);
      resolve({ code, stdout, stderr, lines });
    });
  });
}

export function boxArgs(b: TestBox): string[] {
  return [`${b.target.host}:${b.target.port}`, '--user', b.target.user, '--prefix', b.prefix, '--agent-port', String(b.agentPort)];
}

/** Deploy CLI arguments for a test box (boxArgs plus the agent's --no-mdns). */
export function deployArgs(b: TestBox): string[] {
  return [...boxArgs(b), '--agent-args=--no-mdns'];
}

export function rmrf(p: string): void {
  rmSync(p, { recursive: true, force: true });
}
