#!/usr/bin/env node
// Builds everything that runs from dist/: the CLI (which also hosts headless site mode and
// the agent), the Electron main process and preload, and the React UI (Vite).
// Usage: node build/build.mjs [--no-renderer]
import { build } from 'esbuild';
import { readFileSync, rmSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const define = { __SE3KIT_VERSION__: JSON.stringify(pkg.version) };
const skipRenderer = process.argv.includes('--no-renderer');

mkdirSync(`${root}dist`, { recursive: true });
rmSync(`${root}dist/electron`, { recursive: true, force: true });

const nodeCommon = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external', // dependencies stay in node_modules (native modules among them)
  sourcemap: 'linked',
  define,
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...nodeCommon,
    // fiqa-worker: the face pool's worker thread (agent/face/pool.ts finds it next to cli.mjs)
    entryPoints: { cli: 'electron/cli/main.ts', 'fiqa-worker': 'agent/face/worker.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __se3kitCreateRequire } from 'node:module'; const require = __se3kitCreateRequire(import.meta.url);",
    },
  }),
  build({
    ...nodeCommon,
    entryPoints: { main: 'electron/main/index.ts', preload: 'electron/preload/index.ts' },
    outdir: 'dist/electron',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['electron'],
  }),
]);

if (!skipRenderer) {
  const r = spawnSync('npx', ['vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
