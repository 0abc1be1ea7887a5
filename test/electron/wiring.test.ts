// Main-process wiring with a FAKE electron module: window options, the IPC allowlist, errors
// as data, event forwarding, and teardown when the window closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, METHOD_NAMES, EVENT_NAMES } from '../../electron/api/contract';
import { createApiHandlers } from '../../electron/api/dispatch';
import { wireMain, type ElectronLike, type IpcInvokeEventLike, type WindowOptions } from '../../electron/main/wire';
import { recordingBoxes, sampleRow, servicesWith } from '../site/boxes-double';

function fakeElectron() {
  const handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  const windows: FakeWindow[] = [];
  class FakeContents {
    readonly id = 41;
    sent: unknown[][] = [];
    destroyed = false;
    listeners = new Map<string, (...a: any[]) => void>();
    openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
    send(channel: string, ...args: unknown[]) {
      this.sent.push([channel, ...args]);
    }
    isDestroyed() {
      return this.destroyed;
    }
    on(event: string, l: (...a: any[]) => void) {
      this.listeners.set(event, l);
      return this;
    }
    setWindowOpenHandler(h: (d: { url: string }) => { action: 'deny' }) {
      this.openHandler = h;
    }
  }
  class FakeWindow {
    readonly webContents = new FakeContents();
    loaded: string | null = null;
    destroyed = false;
    closedListeners: Array<() => void> = [];
    constructor(readonly options: WindowOptions) {
      windows.push(this);
    }
    async loadFile(p: string) {
      this.loaded = p;
    }
    on(event: string, l: () => void) {
      if (event === 'closed') this.closedListeners.push(l);
      return this;
    }
    isDestroyed() {
      return this.destroyed;
    }
    close() {
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.closedListeners.forEach((l) => l());
    }
  }
  const permissions: { request: Function | null; check: Function | null } = { request: null, check: null };
  const electron: ElectronLike = {
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h) => void (permissions.request = h),
        setPermissionCheckHandler: (h) => void (permissions.check = h),
      },
    },
    BrowserWindow: FakeWindow,
    ipcMain: {
      handle(channel, listener) {
        if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
        handlers.set(channel, listener);
      },
      removeHandler(channel) {
        handlers.delete(channel);
      },
    },
  };
  return { electron, handlers, windows, permissions };
}

function setup() {
  const fake = fakeElectron();
  const boxes = recordingBoxes();
  const api = createApiHandlers(servicesWith(boxes));
  const { window } = wireMain(fake.electron, api, { rendererIndex: '/app/dist/renderer/index.html', preload: '/app/dist/electron/preload.cjs' });
  const win = fake.windows[0]!;
  assert.equal(window, win);
  const appFrame = { url: 'file:///app/dist/renderer/index.html#/deploy', parent: null };
  const invoke = (method: unknown, params: unknown, senderId = win.webContents.id, senderFrame: unknown = appFrame) =>
    fake.handlers.get(IPC_CALL_CHANNEL)!({ sender: { id: senderId }, senderFrame } as IpcInvokeEventLike, method, params) as Promise<any>;
  return { ...fake, boxes, api, win, invoke };
}

test('the window is locked down and loads the built UI', () => {
  const { win } = setup();
  const wp = win.options.webPreferences;
  assert.equal(wp.contextIsolation, true);
  assert.equal(wp.sandbox, true);
  assert.equal(wp.nodeIntegration, false);
  assert.equal(wp.webSecurity, true);
  assert.equal(wp.webviewTag, false);
  assert.equal(wp.preload, '/app/dist/electron/preload.cjs');
  assert.equal(win.loaded, '/app/dist/renderer/index.html');
  // no navigation away, no new windows
  let prevented = false;
  win.webContents.listeners.get('will-navigate')!({ preventDefault: () => (prevented = true) }, 'https://example.com/');
  assert.equal(prevented, true);
  assert.deepEqual(win.webContents.openHandler!({ url: 'https://example.com/' }), { action: 'deny' });
});

test('only the one call channel is handled', () => {
  const { handlers } = setup();
  assert.deepEqual([...handlers.keys()], [IPC_CALL_CHANNEL]);
});

test('an allowlisted method reaches the service with validated params', async () => {
  const { invoke, boxes } = setup();
  const reply = await invoke('boxes.configure', { host: '127.0.0.2', port: 5555, dev_sno: 'NEW_1' });
  assert.deepEqual(reply, { ok: true, result: { host: '127.0.0.2', port: 5555, ok: true, dev_sno: 'NEW_1', login_url: null } });
  assert.deepEqual(boxes.calls, [['configure', { host: '127.0.0.2', port: 5555, dev_sno: 'NEW_1' }]]);
  const list = await invoke('boxes.list', undefined);
  assert.equal(list.ok, true);
  assert.equal(list.result[0].id, '127.0.0.2:5555');
});

test('unknown methods, prototype keys and bad params are refused before any service runs', async () => {
  const { invoke, boxes } = setup();
  for (const m of ['fs.readFile', 'constructor', '__proto__', 'toString', '', 42, null]) {
    const reply = await invoke(m, {});
    assert.equal(reply.ok, false, String(m));
    assert.equal(reply.error.code, 'unknown_method');
  }
  const bad = await invoke('boxes.configure', { host: '127.0.0.2', dev_sno: 'has space' });
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 'bad_params');
  assert.match(bad.error.message, /dev_sno: dev_sno may contain only letters, digits/);
  const noValue = await invoke('boxes.configure', { host: '127.0.0.2' });
  assert.match(noValue.error.message, /give dev_sno, login_url or both/);
  const extra = await invoke('boxes.list', { evil: true });
  assert.equal(extra.error.code, 'bad_params');
  const cidr = await invoke('boxes.scan', { cidrs: ['10.0.0.0/8'] });
  assert.match(cidr.error.message, /too large to sweep/);
  const port = await invoke('boxes.scan', { port: 70000 });
  assert.match(port.error.message, /port must be 1–65535/);
  assert.deepEqual(boxes.calls, []);
});

test('calls from another web contents are refused', async () => {
  const { invoke, boxes } = setup();
  const reply = await invoke('boxes.list', {}, 999);
  assert.deepEqual(reply, { ok: false, error: { message: 'IPC call from an unknown sender or frame', code: 'forbidden' } });
  assert.deepEqual(boxes.calls, []);
});

test('service failures come back as data with their message', async () => {
  const { invoke, boxes } = setup();
  boxes.getConfig = async () => {
    throw new Error('127.0.0.9:5555 did not answer within 2 s; check the box is on and reachable');
  };
  const reply = await invoke('boxes.getConfig', { host: '127.0.0.9' });
  assert.deepEqual(reply, { ok: false, error: { message: '127.0.0.9:5555 did not answer within 2 s; check the box is on and reachable', code: 'internal' } });
});

test('service events are forwarded to the window, and stop when it closes', () => {
  const { boxes, win, handlers, api } = setup();
  const row = sampleRow();
  boxes.emitRow(row);
  boxes.emitProgress({ scanId: 3, probed: 1, total: 4, found: 1, done: false });
  assert.deepEqual(win.webContents.sent, [
    [IPC_EVENT_CHANNEL, { event: 'boxes.row', payload: row }],
    [IPC_EVENT_CHANNEL, { event: 'boxes.progress', payload: { scanId: 3, probed: 1, total: 4, found: 1, done: false } }],
  ]);
  win.close();
  boxes.emitRow(row);
  assert.equal(win.webContents.sent.length, 2);
  assert.equal(handlers.size, 0);
  assert.equal(api.events.size, 0);
});

test('the runtime name lists match the contract: every method is dispatched and validated', async () => {
  const areas = new Set(['boxes', 'deploy', 'photos', 'broker', 'platform', 'events']);
  for (const name of [...METHOD_NAMES, ...EVENT_NAMES]) assert.ok(areas.has(name.split('.')[0]!), `${name} belongs to a known area`);
  assert.deepEqual(
    METHOD_NAMES.filter((m) => m.startsWith('boxes.')).sort(),
    ['boxes.configure', 'boxes.configureCsv', 'boxes.getConfig', 'boxes.list', 'boxes.recheck', 'boxes.scan', 'boxes.stopScan'],
  );
  assert.deepEqual(EVENT_NAMES.filter((e) => e.startsWith('boxes.')).sort(), ['boxes.progress', 'boxes.row']);
  // every listed method has a param schema and a handler: a wrongly typed call is refused as
  // bad params (never as an unknown method, never run)
  const services = servicesWith(recordingBoxes());
  const api = createApiHandlers(services);
  try {
    for (const method of METHOD_NAMES) {
      await assert.rejects(api.call(method, 'not an object'), (err: { code?: unknown }) => err.code === 'bad_params', method);
    }
  } finally {
    api.dispose();
    await services.close();
  }
});

test('IPC answers only the app page in the top frame of its window (event.senderFrame)', async () => {
  const { invoke, win, boxes } = setup();
  const forbidden = { ok: false, error: { message: 'IPC call from an unknown sender or frame', code: 'forbidden' } };
  const top = { parent: null };
  // an iframe inside the page, a page navigated to, a frame that is gone, a look-alike path
  assert.deepEqual(await invoke('boxes.list', {}, win.webContents.id, { url: 'file:///app/dist/renderer/index.html', parent: top }), forbidden);
  assert.deepEqual(await invoke('boxes.list', {}, win.webContents.id, { url: 'https://example.com/', parent: null }), forbidden);
  assert.deepEqual(await invoke('boxes.list', {}, win.webContents.id, null), forbidden);
  assert.deepEqual(await invoke('boxes.list', {}, win.webContents.id, { url: 'file:///app/dist/renderer/index.html.evil.html', parent: null }), forbidden);
  assert.deepEqual(await invoke('boxes.list', {}, win.webContents.id, { url: 'not a url', parent: null }), forbidden);
  assert.equal(boxes.calls.length, 0, 'nothing reached the services');
  // the page itself, with its route and a query
  const ok = await invoke('boxes.list', {}, win.webContents.id, { url: 'file:///app/dist/renderer/index.html?x=1#/boxes', parent: null });
  assert.equal(ok.ok, true);
});

test('every permission request and check is denied', () => {
  const { permissions } = setup();
  for (const p of ['media', 'notifications', 'geolocation', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'fullscreen']) {
    let granted: boolean | null = null;
    permissions.request!({}, p, (g: boolean) => (granted = g));
    assert.equal(granted, false, p);
    assert.equal(permissions.check!({}, p, 'file://'), false, p);
  }
});
