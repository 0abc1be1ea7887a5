// Builds the self-contained agent bundle for one Linux architecture, a file
// se3-agent-<version>-linux-<arch>.tar = [manifest.json, payload.tar.xz] (or, with compress
// 'gzip', .tar.gz of the tree below with manifest.json first). The release tree:
//   manifest.json        version, arch, minimum glibc, node version, sha256 of every file
//   SHA256SUMS           the same sums, for `sha256sum -c` on the box
//   bin/se3-agent        launcher (POSIX sh): runs app/agent.mjs with the bundled Node
//   bin/se3-fiqa         photo quality check on the box (app/fiqa.mjs, the face engine)
//   node/bin/node        Node runtime for the target (npm package node-linux-<arch>)
//   app/agent.mjs        the agent, bundled to plain JS by esbuild
//   app/fiqa.mjs, app/db-check.mjs   the se3-fiqa tool, the database self-check (db-check.ts)
//   app/fiqa-worker.mjs  the face engine's worker thread (agent/face/worker.ts; the face pool
//                        finds it next to agent.mjs, so enrolment and recognition never block
//                        the agent's event loop: /health, the AMQP heartbeat, the reports)
//   app/node_modules/    native dependencies for the target arch only (onnxruntime-node with
//                        only bin/napi-v*/linux/<arch>, sharp + @img/sharp-linux-<arch> +
//                        @img/sharp-libvips-linux-<arch>, sqlite3 with build/Release/
//                        node_sqlite3.node for <arch>: the host's own build, or cross-compiled
//                        for arm64 with Debian's aarch64 toolchain, see ./sqlite3-native.ts) and
//                        their runtime JS dependencies
//   models/              resources/models (the face engine's ONNX models)
// Packages that are not installed for the target arch come from the npm registry with
// `npm pack` into a cache dir (.tmp/agent-bundle-cache), so re-builds do not download again.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { build } from 'esbuild';
import { ensureReleaseKey, signManifest, type ReleaseKey } from '../../electron/deploy/signing';
import { elfMachine, sqlite3Native } from './sqlite3-native';

export type Arch = 'arm64' | 'x64';

export const ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');
export const CACHE_DIR = join(ROOT, '.tmp', 'agent-bundle-cache');
/** Node runtime shipped in the bundle (same major as the project's engines field). */
export const NODE_VERSION = '20.20.2';
/** Packages the bundled JS requires at run time but esbuild must not inline (native parts). */
const NATIVE_EXTERNALS = ['onnxruntime-node', 'sharp', 'sqlite3', 'better-sqlite3'];
/** Optional helpers some packages try to require; absent is fine. */
// dtrace-provider: bunyan (ftp-srv's logger) tries it in a try/catch for DTrace probes; its install script is denied.
const OPTIONAL_EXTERNALS = ['bufferutil', 'utf-8-validate', 'cpu-features', 'electron', 'dtrace-provider', '*.node'];
/** Dependencies only used by install scripts, never at run time. */
const INSTALL_ONLY = new Set(['adm-zip', 'global-agent', 'node-gyp', 'prebuild-install', 'node-addon-api', 'node-gyp-build']);
/** Dependencies a package only uses to build itself (sqlite3: tar unpacks its SQLite source). */
const BUILD_ONLY: Record<string, string[]> = { sqlite3: ['tar'] };

export interface BuildOptions {
  arch: Arch;
  /** Bundle version (default: package.json version). */
  version?: string;
  /** Output dir (default dist/agent). */
  outDir?: string;
  /** The agent's entry point (default agent/standalone.ts: `se3-agent --data DIR --port P`). */
  entry?: string;
  /** 'xz' (default, smallest; the box needs xz) or 'gzip' (fast to build, for tests). */
  compress?: 'xz' | 'gzip';
  /** compression level (default 9). */
  level?: number;
  /** strip symbol tables from the Node binary (default true; llvm-strip must be installed). */
  strip?: boolean;
  /** Called with the staging dir before the manifest is written (tests: make a broken release). */
  patch?: (stageDir: string) => void;
  /**
   * The release signing key (PKCS#8 PEM path, made when absent): default $SE3KIT_RELEASE_KEY or
   * <data dir>/release-key/ed25519.pem. false: an unsigned bundle (tests only).
   */
  signingKey?: string | false;
  log?: (msg: string) => void;
}

export interface BuildResult {
  file: string;
  size: number;
  sha256: string;
  version: string;
  arch: Arch;
  minGlibc: string;
  unpackedSize: number;
  files: number;
  /** Fingerprint of the key that signed it (null: unsigned). */
  signedBy: string | null;
}

function sh(cmd: string, args: string[], cwd = ROOT): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** `npm pack NAME@VERSION` into the cache (once), unpacked; returns the package dir. */
export function packFromRegistry(name: string, version: string, log: (m: string) => void = () => {}): string {
  const safe = `${name.replace('@', '').replace('/', '-')}-${version}`;
  const dir = join(CACHE_DIR, 'unpacked', safe);
  if (existsSync(join(dir, 'package.json'))) return dir;
  mkdirSync(CACHE_DIR, { recursive: true });
  let tgz = join(CACHE_DIR, `${safe}.tgz`);
  if (!existsSync(tgz)) {
    log(`fetching ${name}@${version} from the npm registry`);
    const out = sh('npm', ['pack', `${name}@${version}`, '--pack-destination', CACHE_DIR, '--json', '--silent']);
    const parsed = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string }>;
    tgz = join(CACHE_DIR, parsed[0]!.filename);
  }
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  sh('tar', ['-xzf', tgz, '-C', tmp]);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(tmp, 'package'), dir, { recursive: true, verbatimSymlinks: true });
  rmSync(tmp, { recursive: true, force: true });
  return dir;
}

function pkgJson(dir: string): { name: string; version: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** Resolves an installed package dir as Node would from `fromDir`. */
function findPackage(name: string, fromDir: string): string | null {
  let d = fromDir;
  for (;;) {
    const p = join(d, 'node_modules', name);
    if (existsSync(join(p, 'package.json'))) return p;
    const up = dirname(d);
    if (up === d) return null;
    d = up;
  }
}

const SKIP_FILE = /(\.d\.[cm]?ts|\.map|\.md|\.markdown|\.gyp|\.gypi|\.cc|\.cpp|\.h|\.hpp)$/i;
const SKIP_DIR = new Set(['test', 'tests', '__tests__', 'docs', 'doc', 'example', 'examples', 'src', 'script', 'scripts', 'install', '.github', 'benchmark']);

function copyPackage(src: string, dest: string, arch: Arch): void {
  const name = pkgJson(src).name;
  cpSync(src, dest, {
    recursive: true,
    filter: (p) => {
      const rel = relative(src, p);
      if (!rel) return true;
      const parts = rel.split('/');
      if (parts.includes('node_modules')) return false;
      const base = parts[parts.length - 1]!;
      if (statSync(p).isDirectory()) {
        if (SKIP_DIR.has(base) && parts.length === 1) return false;
        // sqlite3: the build tree (objects, the host's binary) and the SQLite source tarball; the
        // target's node_sqlite3.node is added by buildAgentBundle
        if (name === 'sqlite3' && parts.length === 1 && (base === 'build' || base === 'deps' || base === 'node-addon-api')) return false;
        if (name === 'onnxruntime-node' && parts[0] === 'bin') {
          // bin/napi-vN/<platform>/<arch>: keep linux/<arch> only
          if (parts.length === 3 && parts[2] !== 'linux') return false;
          if (parts.length === 4 && parts[3] !== arch) return false;
        }
        return true;
      }
      if (/^(license|licence|notice)/i.test(base)) return true;
      return !SKIP_FILE.test(base);
    },
  });
}

/** Every runtime dependency (transitively) of `names`, as name → installed dir. */
function closure(names: string[], fromDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const queue = names.map((n) => ({ name: n, from: fromDir }));
  while (queue.length) {
    const { name, from } = queue.shift()!;
    if (out.has(name) || INSTALL_ONLY.has(name)) continue;
    const dir = findPackage(name, from);
    if (!dir) throw new Error(`package ${name} is not installed (needed by the agent bundle); run npm install`);
    out.set(name, dir);
    const buildOnly = BUILD_ONLY[name] ?? [];
    for (const dep of Object.keys(pkgJson(dir).dependencies ?? {})) if (!buildOnly.includes(dep)) queue.push({ name: dep, from: dir });
  }
  return out;
}

function walkFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    if (name.isDirectory()) out.push(...walkFiles(p, base));
    else if (name.isFile()) out.push(relative(base, p));
  }
  return out.sort();
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Highest GLIBC_x.y symbol version any ELF file in the bundle needs. */
function minGlibcOf(stage: string, files: string[]): string {
  let best = [2, 17];
  for (const f of files) {
    if (!/(^node\/bin\/node$|\.node$|\.so(\.\d+)*$)/.test(f)) continue;
    const text = readFileSync(join(stage, f)).toString('latin1');
    for (const m of text.matchAll(/GLIBC_(\d+)\.(\d+)/g)) {
      const v = [Number(m[1]), Number(m[2])];
      if (v[0]! > best[0]! || (v[0] === best[0] && v[1]! > best[1]!)) best = v;
    }
  }
  return `${best[0]}.${best[1]}`;
}

const LAUNCHER = `#!/bin/sh
# se3-agent launcher: runs the agent of this release with the Node runtime shipped beside it.
# Settings come from the environment (the systemd unit or the supervisor loads <prefix>/agent.env):
#   SE3_AGENT_DATA  data dir (default <prefix>/data), SE3_AGENT_PORT  HTTP port (default 5555)
self=$(readlink -f "$0")
release=$(dirname "$(dirname "$self")")
prefix=$(dirname "$(dirname "$release")")
export SE3KIT_MODELS_DIR="\${SE3KIT_MODELS_DIR:-$release/models}"
exec "$release/node/bin/node" "$release/app/agent.mjs" --data "\${SE3_AGENT_DATA:-$prefix/data}" --port "\${SE3_AGENT_PORT:-5555}" \${SE3_AGENT_ARGS:-}
`;

const FIQA_LAUNCHER = `#!/bin/sh
# se3-fiqa PHOTO... [--level high]: photo quality check with this release's face engine and models.
release=$(dirname "$(dirname "$(readlink -f "$0")")")
export SE3KIT_MODELS_DIR="\${SE3KIT_MODELS_DIR:-$release/models}"
exec "$release/node/bin/node" "$release/app/fiqa.mjs" "$@"
`;

export async function buildAgentBundle(opts: BuildOptions): Promise<BuildResult> {
  const log = opts.log ?? (() => {});
  const arch = opts.arch;
  const rootPkg = pkgJson(ROOT);
  const version = opts.version ?? rootPkg.version;
  const outDir = opts.outDir ?? join(ROOT, 'dist', 'agent');
  const releaseKey: ReleaseKey | null = opts.signingKey === false ? null : ensureReleaseKey(opts.signingKey || undefined, log);
  const stage = join(CACHE_DIR, 'stage', `${version}-${arch}-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'app', 'node_modules'), { recursive: true });
  try {
    // 1. the agent, bundled to plain JS (the version the agent reports is the bundle's)
    log('bundling the agent with esbuild');
    const pkgPath = join(ROOT, 'package.json');
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: {
        agent: opts.entry ?? join(ROOT, 'agent', 'standalone.ts'),
        fiqa: join(ROOT, 'build', 'agent-bundle', 'fiqa-check.ts'),
        'db-check': join(ROOT, 'build', 'agent-bundle', 'db-check.ts'),
        'fiqa-worker': join(ROOT, 'agent', 'face', 'worker.ts'),
      },
      outdir: join(stage, 'app'),
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      external: [...NATIVE_EXTERNALS, ...OPTIONAL_EXTERNALS],
      define: { __SE3KIT_VERSION__: JSON.stringify(version) },
      banner: {
        js:
          "import { createRequire as __se3CreateRequire } from 'node:module'; import { fileURLToPath as __se3Path } from 'node:url'; import { dirname as __se3Dir } from 'node:path';\n" +
          'const require = __se3CreateRequire(import.meta.url); const __filename = __se3Path(import.meta.url); const __dirname = __se3Dir(__filename);',
      },
      metafile: true,
      logLevel: 'warning',
      legalComments: 'none',
      plugins: [
        {
          name: 'bundle-version',
          setup(b) {
            b.onLoad({ filter: /package\.json$/ }, (args) => {
              if (args.path !== pkgPath) return undefined;
              return { contents: JSON.stringify({ ...rootPkg, version }), loader: 'json' };
            });
          },
        },
      ],
    });
    const used = new Set<string>();
    for (const out of Object.values(result.metafile.outputs)) {
      for (const imp of out.imports) {
        if (!imp.external) continue;
        const name = imp.path.startsWith('@') ? imp.path.split('/').slice(0, 2).join('/') : imp.path.split('/')[0]!;
        if (NATIVE_EXTERNALS.includes(name)) used.add(name);
      }
    }
    writeFileSync(join(stage, 'app', 'package.json'), `${JSON.stringify({ name: 'se3-agent', version, type: 'module', private: true }, null, 2)}\n`);

    // 2. native dependencies for the target arch only
    const deps = closure([...used], ROOT);
    for (const [name, dir] of deps) {
      log(`adding ${name}`);
      copyPackage(dir, join(stage, 'app', 'node_modules', name), arch);
    }
    if (used.has('sharp')) {
      const sharpPkg = pkgJson(deps.get('sharp')!);
      const wanted = [`@img/sharp-linux-${arch}`, `@img/sharp-libvips-linux-${arch}`];
      for (const name of wanted) {
        const ver = sharpPkg.optionalDependencies?.[name] ?? (name.includes('libvips') ? undefined : sharpPkg.version);
        const installed = findPackage(name, deps.get('sharp')!);
        let dir = installed && (!ver || pkgJson(installed).version === ver) ? installed : null;
        if (!dir) {
          const v = ver ?? pkgJson(packFromRegistry(`@img/sharp-linux-${arch}`, sharpPkg.version, log)).optionalDependencies?.[name];
          if (!v) throw new Error(`cannot tell which version of ${name} sharp ${sharpPkg.version} needs`);
          dir = packFromRegistry(name, v, log);
        }
        log(`adding ${name} (${pkgJson(dir).version})`);
        copyPackage(dir, join(stage, 'app', 'node_modules', name), arch);
      }
    }
    if (used.has('onnxruntime-node')) {
      const binDir = join(stage, 'app', 'node_modules', 'onnxruntime-node', 'bin');
      const found = existsSync(binDir) && walkFiles(binDir).some((f) => f.includes(`/linux/${arch}/`));
      if (!found) throw new Error(`onnxruntime-node has no linux/${arch} binary in node_modules`);
    }

    // 3. the Node runtime for the target
    const nodePkg = packFromRegistry(`node-linux-${arch}`, NODE_VERSION, log);
    if (used.has('sqlite3')) {
      const bin = sqlite3Native({ arch, sqliteDir: deps.get('sqlite3')!, nodePkgDir: nodePkg, cacheDir: CACHE_DIR, log });
      const dest = join(stage, 'app', 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node');
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(bin, dest);
      chmodSync(dest, 0o755);
      log(`adding sqlite3's node_sqlite3.node for linux-${arch} (${(statSync(dest).size / 1024 / 1024).toFixed(1)} MiB)`);
    }
    mkdirSync(join(stage, 'node', 'bin'), { recursive: true });
    copyFileSync(join(nodePkg, 'bin', 'node'), join(stage, 'node', 'bin', 'node'));
    chmodSync(join(stage, 'node', 'bin', 'node'), 0o755);
    if (opts.strip !== false) {
      // the official binary carries its symbol table (~14 MB); .dynsym stays, so addons still load
      const r = spawnSync('llvm-strip', ['--strip-all', join(stage, 'node', 'bin', 'node')], { encoding: 'utf8' });
      if (r.error || r.status !== 0) log(`llvm-strip unavailable, Node runtime left unstripped (${r.error?.message ?? r.stderr.trim()})`);
    }
    if (existsSync(join(nodePkg, 'LICENSE'))) copyFileSync(join(nodePkg, 'LICENSE'), join(stage, 'node', 'LICENSE'));

    // every native module in the bundle is for the target arch (an x64 .node in an arm64 bundle
    // would only fail on the box)
    const machine = arch === 'arm64' ? 0xb7 : 0x3e;
    const wrong = walkFiles(join(stage, 'app')).filter((f) => /\.node$/.test(f) && elfMachine(join(stage, 'app', f)) !== machine);
    if (wrong.length) throw new Error(`native modules that are not for linux-${arch}: ${wrong.join(', ')}`);

    // 4. models
    const models = join(ROOT, 'resources', 'models');
    if (existsSync(models)) cpSync(models, join(stage, 'models'), { recursive: true, filter: (p) => !p.endsWith('.md') || p.endsWith('README.md') });
    else mkdirSync(join(stage, 'models'));

    // 5. launcher
    mkdirSync(join(stage, 'bin'), { recursive: true });
    writeFileSync(join(stage, 'bin', 'se3-agent'), LAUNCHER, { mode: 0o755 });
    writeFileSync(join(stage, 'bin', 'se3-fiqa'), FIQA_LAUNCHER, { mode: 0o755 });

    opts.patch?.(stage);

    // 6. manifest + sums
    const files = walkFiles(stage);
    const sums: Record<string, string> = {};
    let unpackedSize = 0;
    for (const f of files) {
      sums[f] = sha256(join(stage, f));
      unpackedSize += statSync(join(stage, f)).size;
    }
    const minGlibc = minGlibcOf(stage, files);
    const manifest = { name: 'se3-agent', version, platform: 'linux', arch, minGlibc, node: NODE_VERSION, builtAt: new Date().toISOString(), unpackedSize, files: sums };
    const manifestText = `${JSON.stringify(manifest, null, 1)}\n`;
    writeFileSync(join(stage, 'manifest.json'), manifestText);
    writeFileSync(join(stage, 'SHA256SUMS'), files.map((f) => `${sums[f]}  ${f}`).join('\n') + '\n');
    // the signature over manifest.json's exact bytes (deploy checks it before upload and on the box)
    const signed = releaseKey ? ['manifest.sig'] : [];
    if (releaseKey) writeFileSync(join(stage, 'manifest.sig'), signManifest(Buffer.from(manifestText), releaseKey));

    // 7. the bundle file. manifest.json always comes first so the deploy service reads it
    //    without unpacking:
    //    xz (default): se3-agent-<v>-linux-<arch>.tar = plain tar [manifest.json, payload.tar.xz]
    //    gzip:         se3-agent-<v>-linux-<arch>.tar.gz = the release tree, manifest.json first
    mkdirSync(outDir, { recursive: true });
    const compress = opts.compress ?? 'xz';
    const level = opts.level ?? (compress === 'xz' ? 9 : 9);
    const base = join(outDir, `se3-agent-${version}-linux-${arch}`);
    const top = readdirSync(stage).filter((n) => n !== 'manifest.json' && n !== 'SHA256SUMS' && n !== 'manifest.sig').sort();
    const tarArgs = ['--owner=0', '--group=0', '--numeric-owner', '--sort=name'];
    const tarFile = `${base}.payload.tmp`;
    sh('tar', [...tarArgs, '-cf', tarFile, '-C', stage, 'manifest.json', ...signed, 'SHA256SUMS', ...top]);
    let file: string;
    if (compress === 'gzip') {
      file = `${base}.tar.gz`;
      log(`compressing (gzip -${level})`);
      await pipeline(createReadStream(tarFile), createGzip({ level }), createWriteStream(`${file}.tmp`));
    } else {
      file = `${base}.tar`;
      log(`compressing (xz -${level})`);
      const wrap = `${base}.wrap.tmp`;
      rmSync(wrap, { recursive: true, force: true });
      mkdirSync(wrap);
      const xz = spawnSync('sh', ['-c', `xz -T2 -${level} -c "$1" > "$2"`, 'sh', tarFile, join(wrap, 'payload.tar.xz')], { encoding: 'utf8' });
      if (xz.status !== 0) throw new Error(`xz failed (is xz-utils installed?): ${xz.stderr}`);
      // the outer manifest pins the compressed payload, so the desktop checks every byte without xz
      const payload = { file: 'payload.tar.xz', sha256: sha256(join(wrap, 'payload.tar.xz')), size: statSync(join(wrap, 'payload.tar.xz')).size };
      const outerText = `${JSON.stringify({ ...manifest, payload }, null, 1)}\n`;
      writeFileSync(join(wrap, 'manifest.json'), outerText);
      if (releaseKey) writeFileSync(join(wrap, 'manifest.sig'), signManifest(Buffer.from(outerText), releaseKey));
      sh('tar', [...tarArgs, '-cf', `${file}.tmp`, '-C', wrap, 'manifest.json', ...signed, 'payload.tar.xz']);
      rmSync(wrap, { recursive: true, force: true });
    }
    rmSync(tarFile);
    for (const old of [`${base}.tar`, `${base}.tar.gz`]) rmSync(old, { force: true });
    spawnSync('mv', ['-f', `${file}.tmp`, file]);
    const size = statSync(file).size;
    return { file, size, sha256: sha256(file), version, arch, minGlibc, unpackedSize, files: files.length + 2 + signed.length, signedBy: releaseKey?.fingerprint ?? null };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
