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
