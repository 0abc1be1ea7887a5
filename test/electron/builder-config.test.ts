// build/electron-builder.yml is valid for the installed electron-builder (its own schema,
// offline) and names the targets and native modules the product needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

test('electron-builder.yml passes electron-builder validation and covers every platform', async () => {
  const yaml = require('js-yaml') as { load(s: string): any };
  const config = yaml.load(readFileSync(new URL('../../build/electron-builder.yml', import.meta.url), 'utf8'));
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
  const { DebugLogger } = require('builder-util/out/DebugLogger.js');
  await validateConfiguration(config, new DebugLogger(false));
  assert.deepEqual(config.linux.target, ['deb', 'AppImage']);
  assert.deepEqual(config.win.target, ['nsis']);
  assert.deepEqual(config.mac.target, ['dmg']);
  for (const m of ['sharp', 'onnxruntime-node', 'sqlite3']) assert.ok(config.asarUnpack.some((p: string) => p.includes(`/${m}/`)), m);
  assert.ok(config.asarUnpack.includes('resources/models/**'));
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.main, 'dist/electron/main.cjs');
  assert.ok(config.files.includes('dist/**/*'));
});

test('the packaged Electron binary gets its fuses flipped: no run-as-node, NODE_OPTIONS or --inspect; app only from an integrity-checked asar', async () => {
  const yaml = require('js-yaml') as { load(s: string): any };
  const config = yaml.load(readFileSync(new URL('../../build/electron-builder.yml', import.meta.url), 'utf8'));
  assert.equal(config.asar, true);
  // electron-builder's own translation of the config into @electron/fuses settings
  const { PlatformPackager } = require('app-builder-lib');
  const fuses = await PlatformPackager.prototype.generateFuseConfig.call({}, config.electronFuses);
  const { FuseV1Options, FuseVersion } = require('@electron/fuses');
  assert.equal(fuses.version, FuseVersion.V1);
  assert.equal(fuses[FuseV1Options.RunAsNode], false);
  assert.equal(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable], false);
  assert.equal(fuses[FuseV1Options.EnableNodeCliInspectArguments], false);
  assert.equal(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation], true);
  assert.equal(fuses[FuseV1Options.OnlyLoadAppFromAsar], true);
});

test('the app icon renders from resources/icons/icon.svg to the PNG sizes electron-builder reads', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const sharp = (await import('sharp')).default;
  const { renderIcons } = await import('../../build/icons');
  const yaml = require('js-yaml') as { load(s: string): any };
  const config = yaml.load(readFileSync(new URL('../../build/electron-builder.yml', import.meta.url), 'utf8'));
  assert.equal(config.directories.buildResources, 'resources/icons');
  const dir = mkdtempSync(join(tmpdir(), 'se3kit-icons-'));
  try {
    const files = await renderIcons(dir);
    const sizes = await Promise.all(files.map(async (f) => (await sharp(f).metadata()) as { width?: number; height?: number; format?: string }));
    assert.deepEqual(sizes.map((m) => [m.format, m.width, m.height]), [['png', 512, 512], ['png', 256, 256]]);
    // not a blank square: the drawing is there (white strokes on the blue ground)
    const stats = await sharp(files[0]!).stats();
    assert.ok(stats.channels[0]!.max > 240 && stats.channels[0]!.min < 60, 'icon has the white drawing on blue');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm refuses install scripts nobody reviewed: strict-allow-scripts is on and covers every script in the lockfile', async () => {
  const { spawnSync } = await import('node:child_process');
  const root = new URL('../../', import.meta.url).pathname;
  const r = spawnSync('npm', ['config', 'get', 'strict-allow-scripts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'true', r.stderr);
  // what npm checks at install time: every locked package with an install script has an entry
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'));
  const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean; name?: string }>)
    .filter(([path, p]) => path && p.hasInstallScript)
    .map(([path, p]) => p.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.ok(withScripts.length > 0);
  const uncovered = withScripts.filter((name) => !(name in pkg.allowScripts));
  assert.deepEqual(uncovered, [], 'packages with install scripts missing from allowScripts (npm ci would fail)');
  assert.equal(pkg.allowScripts.electron, false, "electron's download script stays denied");
});
