// sqlite3's native binary (node_sqlite3.node) for the agent bundle's target architecture.
//   - target = host arch: the binary `npm ci` built from source in node_modules (sqlite3's install
//     script, see .npmrc), stripped.
//   - otherwise (arm64 on an x64 build machine): cross-compiled with node-gyp and Debian's
//     aarch64 toolchain (gcc/g++-aarch64-linux-gnu) in a copy of the sqlite3 package (its bundled
//     SQLite amalgamation), against the headers of the bundle's own Node runtime (the npm package
//     node-linux-<arch> carries include/node), then cached under
//     .tmp/agent-bundle-cache/sqlite3/<sqlite3 version>-linux-<arch>-r<recipe>/node_sqlite3.node.
// glibc: Debian 12's cross toolchain would bind a few symbols to versions newer than the rest of
// the bundle needs (pthread_*/dl* @2.34, stat64 @2.33, log/exp/pow @2.29, one libstdc++ helper
// @GLIBCXX_3.4.29), which would raise the bundle's minimum glibc from 2.28 (the Node runtime's)
// to 2.34. The cross build therefore binds those to their aarch64 baseline versions (GLIBC_2.17)
// and refuses a result that needs more than the Node runtime does.
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';

export type NativeArch = 'arm64' | 'x64';

/** Bump when the cross-build recipe changes, so cached binaries are rebuilt. */
const RECIPE = 1;

const TRIPLET: Record<NativeArch, string> = { arm64: 'aarch64-linux-gnu', x64: 'x86_64-linux-gnu' };
const APT: Record<NativeArch, string> = { arm64: 'gcc-aarch64-linux-gnu g++-aarch64-linux-gnu', x64: 'gcc-x86-64-linux-gnu g++-x86-64-linux-gnu' };
const ELF_MACHINE: Record<NativeArch, number> = { arm64: 0xb7, x64: 0x3e };

/** Included into every C/C++ translation unit of the aarch64 cross build: old symbol versions. */
const AARCH64_COMPAT_H = `/* se3 agent bundle: bind glibc symbols to their aarch64 baseline versions (see sqlite3-native.ts). */
#if defined(__aarch64__) && defined(__linux__)
__asm__(".symver pthread_create,pthread_create@GLIBC_2.17");
__asm__(".symver pthread_join,pthread_join@GLIBC_2.17");
__asm__(".symver pthread_mutex_trylock,pthread_mutex_trylock@GLIBC_2.17");
__asm__(".symver pthread_mutexattr_init,pthread_mutexattr_init@GLIBC_2.17");
__asm__(".symver pthread_mutexattr_settype,pthread_mutexattr_settype@GLIBC_2.17");
__asm__(".symver pthread_mutexattr_destroy,pthread_mutexattr_destroy@GLIBC_2.17");
__asm__(".symver pthread_key_create,pthread_key_create@GLIBC_2.17");
__asm__(".symver pthread_key_delete,pthread_key_delete@GLIBC_2.17");
__asm__(".symver pthread_getspecific,pthread_getspecific@GLIBC_2.17");
__asm__(".symver pthread_setspecific,pthread_setspecific@GLIBC_2.17");
__asm__(".symver pthread_once,pthread_once@GLIBC_2.17");
__asm__(".symver dlopen,dlopen@GLIBC_2.17");
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
__asm__(".symver dlclose,dlclose@GLIBC_2.17");
__asm__(".symver dlerror,dlerror@GLIBC_2.17");
__asm__(".symver exp,exp@GLIBC_2.17");
__asm__(".symver log,log@GLIBC_2.17");
__asm__(".symver log2,log2@GLIBC_2.17");
__asm__(".symver pow,pow@GLIBC_2.17");
#endif
`;

/**
 * Linked into the aarch64 cross build: stat64/fstat64/lstat64 (real symbols only since glibc
 * 2.33) as hidden wrappers over the __xstat64 family every aarch64 glibc exports, and
 * libstdc++'s std::__throw_bad_array_new_length (GCC 11) over std::__throw_bad_alloc (its base).
 */
const AARCH64_SHIM_C = `/* se3 agent bundle: glibc/libstdc++ compatibility shims (see sqlite3-native.ts). */
struct stat;
extern int __xstat64(int, const char *, struct stat *);
extern int __fxstat64(int, int, struct stat *);
extern int __lxstat64(int, const char *, struct stat *);
__asm__(".symver __xstat64,__xstat64@GLIBC_2.17");
__asm__(".symver __fxstat64,__fxstat64@GLIBC_2.17");
__asm__(".symver __lxstat64,__lxstat64@GLIBC_2.17");
#define HIDDEN __attribute__((visibility("hidden")))
/* _STAT_VER on aarch64 (generic wordsize-64 ABI) is 0 */
HIDDEN int stat64(const char *p, struct stat *b) { return __xstat64(0, p, b); }
HIDDEN int fstat64(int fd, struct stat *b) { return __fxstat64(0, fd, b); }
HIDDEN int lstat64(const char *p, struct stat *b) { return __lxstat64(0, p, b); }
HIDDEN int stat(const char *p, struct stat *b) { return __xstat64(0, p, b); }
HIDDEN int fstat(int fd, struct stat *b) { return __fxstat64(0, fd, b); }
HIDDEN int lstat(const char *p, struct stat *b) { return __lxstat64(0, p, b); }
extern void _ZSt17__throw_bad_allocv(void) __attribute__((noreturn));
HIDDEN __attribute__((noreturn)) void _ZSt28__throw_bad_array_new_lengthv(void) { _ZSt17__throw_bad_allocv(); }
`;

export function elfMachine(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(20);
    readSync(fd, b, 0, 20, 0);
    if (b.readUInt32BE(0) !== 0x7f454c46) return -1;
    return b.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}

function versionsIn(path: string, prefix: 'GLIBC' | 'GLIBCXX'): number[] {
  const text = readFileSync(path).toString('latin1');
  let best = [0];
  for (const m of text.matchAll(new RegExp(`${prefix}_(\\d+(?:\\.\\d+)+)(?![.\\d])`, 'g'))) {
    const v = m[1]!.split('.').map(Number);
    if (cmp(v, best) > 0) best = v;
  }
  return best;
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd]).status === 0;
}

function strip(stripTool: string, src: string, dest: string): void {
  copyFileSync(src, dest);
  // .dynsym stays (--strip-unneeded), so Node can still find napi_register_module_v1
  spawnSync(stripTool, ['--strip-unneeded', dest]);
}

export interface Sqlite3NativeOptions {
  arch: NativeArch;
  /** The installed sqlite3 package (node_modules/sqlite3). */
  sqliteDir: string;
  /** The unpacked node-<platform>-<arch> npm package of the bundle's runtime (include/node, bin/node). */
  nodePkgDir: string;
  cacheDir: string;
  log?: (msg: string) => void;
}

/** Path of a node_sqlite3.node for `arch`, stripped (a cached file; copy it, do not modify). */
export function sqlite3Native(opts: Sqlite3NativeOptions): string {
  const log = opts.log ?? (() => {});
  const { arch, sqliteDir } = opts;
  const version = (JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')) as { version: string }).version;
  const outDir = join(opts.cacheDir, 'sqlite3', `${version}-linux-${arch}-r${RECIPE}`);
  const out = join(outDir, 'node_sqlite3.node');

  if (arch === process.arch) {
    const host = join(sqliteDir, 'build', 'Release', 'node_sqlite3.node');
    if (!existsSync(host)) {
      throw new Error(
        `sqlite3 ${version} has no native build in ${relative(process.cwd(), host) || host}: its install script compiles it ` +
          '(npm ci / npm rebuild sqlite3; needs python3, make, g++ and Node headers, see .npmrc)',
      );
    }
    if (elfMachine(host) !== ELF_MACHINE[arch]) throw new Error(`${host} is not a linux-${arch} binary`);
    mkdirSync(outDir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    strip(onPath('strip') ? 'strip' : 'llvm-strip', host, tmp);
    renameSync(tmp, out);
    return out;
  }

  if (existsSync(out) && elfMachine(out) === ELF_MACHINE[arch]) {
    log(`sqlite3 ${version} for linux-${arch}: cached (${relative(opts.cacheDir, out)})`);
    return out;
  }

  const triplet = TRIPLET[arch];
  const cc = `${triplet}-gcc`;
  const cxx = `${triplet}-g++`;
  const missing = [cc, cxx].filter((c) => !onPath(c));
  if (missing.length) {
    throw new Error(
      `cross-compiling sqlite3 for linux-${arch} needs the ${triplet} toolchain (${missing.join(', ')} not found): ` +
        `apt-get install ${APT[arch]}`,
    );
  }
  const headers = join(opts.nodePkgDir, 'include', 'node');
  if (!existsSync(join(headers, 'node_api.h'))) throw new Error(`no Node headers in ${headers} (needed to compile sqlite3 for linux-${arch})`);

  // node-gyp, and the build-time modules binding.gyp / deps/extract.js require
  const req = createRequire(join(sqliteDir, 'package.json'));
  const resolveDir = (name: string): string | null => {
    try {
      return dirname(req.resolve(`${name}/package.json`));
    } catch {
      return null;
    }
  };
  const npmGyp = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp');
  const gypDir = resolveDir('node-gyp') ?? (existsSync(join(npmGyp, 'package.json')) ? npmGyp : null);
  if (!gypDir) throw new Error('node-gyp is not installed (sqlite3 depends on it; run npm ci)');
  const buildDep = (n: string): string => {
    const d = resolveDir(n);
    if (!d) throw new Error(`${n} is not installed (sqlite3 needs it to build; run npm ci)`);
    return d;
  };
  const addonApi = buildDep('node-addon-api');
  const tarDir = buildDep('tar'); // deps/extract.js unpacks the SQLite source with it

  const work = join(opts.cacheDir, 'sqlite3', `work-${version}-${arch}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const t0 = Date.now();
  log(`cross-compiling sqlite3 ${version} for linux-${arch} with ${cxx} (node-gyp; a few minutes, cached afterwards)`);
  try {
    const pkg = join(work, 'sqlite3');
    cpSync(sqliteDir, pkg, {
      recursive: true,
      filter: (p) => {
        const top = relative(sqliteDir, p).split('/')[0];
        return top !== 'build' && top !== 'node_modules' && top !== 'node-addon-api';
      },
    });
    // inside the copy, so gyp writes node-addon-api's makefile into the work dir too
    cpSync(addonApi, join(pkg, 'node_modules', 'node-addon-api'), { recursive: true });
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^npm_(config|package|lifecycle)_/i.test(k)) env[k] = v;
    Object.assign(env, {
      CC: cc,
      CXX: cxx,
      LINK: cxx,
      AR: `${triplet}-ar`,
      CC_host: 'gcc',
      CXX_host: 'g++',
      LINK_host: 'g++',
      AR_host: 'ar',
      NODE_PATH: [dirname(tarDir), process.env.NODE_PATH].filter(Boolean).join(':'),
    });
    if (arch === 'arm64') {
      writeFileSync(join(work, 'compat.h'), AARCH64_COMPAT_H);
      writeFileSync(join(work, 'shim.c'), AARCH64_SHIM_C);
      const shim = spawnSync(cc, ['-O2', '-fPIC', '-c', join(work, 'shim.c'), '-o', join(work, 'shim.o')], { encoding: 'utf8' });
      if (shim.status !== 0) throw new Error(`compiling the glibc compatibility shim failed: ${shim.stderr}`);
      env.CPPFLAGS = `-include ${join(work, 'compat.h')}`;
      env.LDFLAGS = join(work, 'shim.o');
    }
    const r = spawnSync(
      process.execPath,
      [join(gypDir, 'bin', 'node-gyp.js'), 'rebuild', '--release', `--arch=${arch}`, `--nodedir=${opts.nodePkgDir}`, `--jobs=${Math.max(1, availableParallelism())}`],
      { cwd: pkg, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    if (r.status !== 0) {
      const text = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => !/^gyp info|warning:|^\s*\d* \|/.test(l));
      throw new Error(`node-gyp failed to cross-compile sqlite3 for linux-${arch} (exit ${r.status ?? r.signal}):\n${text.slice(-40).join('\n')}`);
    }
    const built = join(pkg, 'build', 'Release', 'node_sqlite3.node');
    if (!existsSync(built) || elfMachine(built) !== ELF_MACHINE[arch]) throw new Error(`node-gyp did not produce a linux-${arch} node_sqlite3.node`);

    // the binary must not need a newer glibc / libstdc++ than the bundle's Node runtime
    const nodeBin = join(opts.nodePkgDir, 'bin', 'node');
    for (const prefix of ['GLIBC', 'GLIBCXX'] as const) {
      const need = versionsIn(built, prefix);
      const have = versionsIn(nodeBin, prefix);
      if (cmp(need, have) > 0) {
        const sym = spawnSync(`${triplet}-objdump`, ['-T', built], { encoding: 'utf8' }).stdout ?? '';
        const newer = sym.split('\n').filter((l) => l.includes(`(${prefix}_${need.join('.')})`)).map((l) => l.trim().split(/\s+/).pop());
        throw new Error(
          `the cross-compiled sqlite3 needs ${prefix}_${need.join('.')} (${newer.join(', ')}), newer than the Node runtime's ${prefix}_${have.join('.')}; ` +
            'bind those symbols to older versions in build/agent-bundle/sqlite3-native.ts (AARCH64_COMPAT_H / AARCH64_SHIM_C)',
        );
      }
    }
    mkdirSync(outDir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    strip(onPath(`${triplet}-strip`) ? `${triplet}-strip` : 'llvm-strip', built, tmp);
    renameSync(tmp, out);
    log(`sqlite3 ${version} for linux-${arch} built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
