// The BUILT dist/electron/main.cjs, run with a fake `electron`: it turns the sandbox on, opens
// one window whose preload and page are the built files next to it, and handles the call channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { IPC_CALL_CHANNEL } from '../../electron/api/contract';

test('dist/electron/main.cjs wires the built preload and UI with the sandbox on', async (t) => {
  const file = new URL('../../dist/electron/main.cjs', import.meta.url).pathname;
  if (!existsSync(file)) {
    if (process.env.CI) assert.fail(`${file} missing: run node build/build.mjs`);
    t.skip(`${file} not built`);
    return;
  }
  const data = mkdtempSync(join(tmpdir(), 'se3kit-main-'));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  chmodSync(data, 0o755); // a data dir made before it had to be private
  const log: string[] = [];
  const windows: any[] = [];
  const handlers = new Map<string, Function>();
  const appHandlers = new Map<string, Function>();
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const fakeElectron = {
    app: {
      enableSandbox: () => log.push('enableSandbox'),
      whenReady: () => readyP,
      on: (ev: string, fn: Function) => {
        log.push(`app.on:${ev}`);
        appHandlers.set(ev, fn);
      },
      quit: () => log.push('quit'),
      exit: (code: number) => log.push(`exit:${code}`),
    },
    BrowserWindow: class {
      webContents = { id: 1, send() {}, isDestroyed: () => false, on() {}, setWindowOpenHandler() {} };
      loaded: string | null = null;
      constructor(readonly options: any) {
        windows.push(this);
      }
      async loadFile(p: string) {
        this.loaded = p;
      }
      on() {}
      isDestroyed() {
        return false;
      }
    },
    ipcMain: { handle: (ch: string, fn: Function) => handlers.set(ch, fn), removeHandler: (ch: string) => handlers.delete(ch) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Function) => void (permissions.request = h),
        setPermissionCheckHandler: (h: Function) => void (permissions.check = h),
      },
    },
  };
  const permissions: { request: Function | null; check: Function | null } = { request: null, check: null };
  const realRequire = createRequire(file);
  const module = { exports: {} };
  const prevData = process.env.SE3KIT_DATA;
  process.env.SE3KIT_DATA = data;
  t.after(() => (prevData === undefined ? delete process.env.SE3KIT_DATA : (process.env.SE3KIT_DATA = prevData)));
  runInNewContext(readFileSync(file, 'utf8'), {
    module,
    exports: module.exports,
    __dirname: dirname(file),
    __filename: file,
    process,
    console,
    Buffer,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    require: (name: string) => (name === 'electron' ? fakeElectron : realRequire(name)),
  });
  assert.deepEqual(log, ['enableSandbox'], 'the sandbox is enabled before the app is ready');
  ready();
  // the window comes once the services have started (a data dir, databases): seconds on a loaded machine
  for (const end = Date.now() + 20_000; windows.length === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
  assert.equal(windows.length, 1);
  assert.equal(statSync(data).mode & 0o777, 0o700, 'the desktop makes its data dir private');
  const win = windows[0];
  const dist = dirname(dirname(file));
  assert.equal(win.options.webPreferences.preload, join(dist, 'electron', 'preload.cjs'));
  assert.equal(win.loaded, join(dist, 'renderer', 'index.html'));
  assert.equal(win.options.webPreferences.sandbox, true);
  assert.equal(win.options.webPreferences.contextIsolation, true);
  assert.equal(win.options.webPreferences.nodeIntegration, false);
  assert.deepEqual([...handlers.keys()], [IPC_CALL_CHANNEL]);
  const page = { url: `${pathToFileURL(join(dist, 'renderer', 'index.html')).href}#/boxes`, parent: null };
  const reply = await handlers.get(IPC_CALL_CHANNEL)!({ sender: { id: 1 }, senderFrame: page }, 'no.such', {});
  assert.equal(JSON.parse(JSON.stringify(reply)).error.code, 'unknown_method');
  const iframe = await handlers.get(IPC_CALL_CHANNEL)!({ sender: { id: 1 }, senderFrame: { ...page, parent: page } }, 'boxes.list', {});
  assert.equal(JSON.parse(JSON.stringify(iframe)).error.code, 'forbidden', 'only the top frame of the app page');
  let granted: boolean | null = null;
  permissions.request!({}, 'media', (g: boolean) => (granted = g));
  assert.equal(granted, false, 'permission requests are denied');
  assert.equal(permissions.check!({}, 'clipboard-read', 'file://'), false);
  assert.ok(log.includes('app.on:window-all-closed'));

  // quitting waits for the services to close, then quits for real (a second will-quit passes)
  let prevented = 0;
  const willQuit = appHandlers.get('will-quit')!;
  willQuit({ preventDefault: () => prevented++ });
  assert.equal(prevented, 1, 'the first will-quit is held while the services close');
  for (const end = Date.now() + 20_000; !log.includes('quit') && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
  assert.ok(log.includes('quit'), 'app.quit() once the services are closed');
  willQuit({ preventDefault: () => prevented++ });
  assert.equal(prevented, 1, 'the second will-quit is let through');
});
