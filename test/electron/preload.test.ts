// The preload bridge with a fake ipcRenderer, and the BUILT dist/electron/preload.cjs run in a
// vm with a fake `electron`: it requires nothing else (sandboxed preloads cannot) and exposes
// exactly window.se3kit = {call, on}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../electron/api/contract';
import { createBridge, type IpcRendererLike } from '../../electron/preload/bridge';

function fakeIpc() {
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<(e: unknown, ...a: unknown[]) => void>>();
  const ipc: IpcRendererLike = {
    async invoke(channel, ...args) {
      invoked.push([channel, ...args]);
      return { ok: true, result: 'answer' };
    },
    on(channel, l) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(l);
    },
    removeListener(channel, l) {
      listeners.get(channel)?.delete(l);
    },
  };
  const deliver = (channel: string, message: unknown) => listeners.get(channel)?.forEach((l) => l({}, message));
  return { ipc, invoked, listeners, deliver };
}

test('call goes over the one call channel; unknown methods never leave the page', async () => {
  const { ipc, invoked } = fakeIpc();
  const bridge = createBridge(ipc);
  assert.deepEqual(await bridge.call('boxes.list', {}), { ok: true, result: 'answer' });
  assert.deepEqual(invoked, [[IPC_CALL_CHANNEL, 'boxes.list', {}]]);
  const refused = await bridge.call('shell.openExternal', { url: 'file:///etc/passwd' });
  assert.deepEqual(refused, { ok: false, error: { message: 'unknown API method "shell.openExternal"', code: 'unknown_method' } });
  assert.equal(invoked.length, 1);
});

test('on accepts only contract events and delivers only the asked-for one', () => {
  const { ipc, listeners, deliver } = fakeIpc();
  const bridge = createBridge(ipc);
  assert.throws(() => bridge.on('ipc:anything', () => {}), /unknown API event "ipc:anything"/);
  assert.equal(listeners.size, 0);
  const got: unknown[] = [];
  const off = bridge.on('boxes.progress', (p) => got.push(p));
  deliver(IPC_EVENT_CHANNEL, { event: 'boxes.row', payload: 'row' });
  deliver(IPC_EVENT_CHANNEL, { event: 'boxes.progress', payload: 'p1' });
  deliver('other-channel', { event: 'boxes.progress', payload: 'p2' });
  assert.deepEqual(got, ['p1']);
  off();
  deliver(IPC_EVENT_CHANNEL, { event: 'boxes.progress', payload: 'p3' });
  assert.deepEqual(got, ['p1']);
  assert.equal(listeners.get(IPC_EVENT_CHANNEL)!.size, 0);
});

test('the built preload requires only electron and exposes exactly se3kit {call, on}', async (t) => {
  const file = new URL('../../dist/electron/preload.cjs', import.meta.url).pathname;
  if (!existsSync(file)) {
    if (process.env.CI) assert.fail(`${file} missing: run node build/build.mjs`);
    t.skip(`${file} not built`);
    return;
  }
  const { ipc, invoked } = fakeIpc();
  const exposed = new Map<string, any>();
  const required: string[] = [];
  const fakeElectron = { contextBridge: { exposeInMainWorld: (k: string, v: unknown) => exposed.set(k, v) }, ipcRenderer: ipc };
  const module = { exports: {} };
  runInNewContext(readFileSync(file, 'utf8'), {
    module,
    exports: module.exports,
    require: (name: string) => {
      required.push(name);
      if (name === 'electron') return fakeElectron;
      throw new Error(`sandboxed preload cannot require ${name}`);
    },
  });
  assert.deepEqual(required, ['electron']);
  assert.deepEqual([...exposed.keys()], ['se3kit']);
  const api = exposed.get('se3kit');
  assert.deepEqual(Object.keys(api).sort(), ['call', 'on']);
  await api.call('boxes.stopScan');
  assert.deepEqual(JSON.parse(JSON.stringify(invoked)), [[IPC_CALL_CHANNEL, 'boxes.stopScan', {}]]); // vm-realm objects
});
