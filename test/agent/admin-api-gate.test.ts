// GateControllerMode and EventAction (PROTOCOL §7) drive a door relay: a real `se3kit agent`
// recognises snapshots and operates a Modbus TCP relay module that is not our code — Debian's
// pymodbus server (python3-pymodbus, test/agent/modbus-relay.py) on a loopback port, which prints
// every coil write. opendoor pulses the coil for a recognised user and not for a stranger; alarm
// the other way round; avoid never; one pulse in flight per relay channel; a relay that never
// answers (a loopback socket that accepts and stays silent) or refuses does not hold back the
// realtime event, is counted and logged, and the agent goes on; on/toggle/off; stopping the agent ends a held
// pulse (coil OFF).
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireComponent } from '../helpers/components';
import { face, health, readBody, sleep, startAgent, waitFor, type AgentProc } from './link-fixture';

const API = '/SophonFogSys/api';
const CAM = '192.0.2.41';
const OTHER_CAM = '192.0.2.42';
const PYMODBUS = '/usr/lib/python3/dist-packages/pymodbus/__init__.py';

let dir: string;
let agent: AgentProc;
let relay: { proc: ChildProcess; port: number; writes: Array<{ t: number; coil: number; on: boolean }> } | null = null;
let silent: { server: NetServer; port: number; sockets: Set<Socket> };
let receiver: { server: Server; url: string; events: Array<{ at: number; body: any }> };

async function call(method: string, resource: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${agent.url}${API}/${resource}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: r.status, body: await r.json() };
}

async function snapshot(name: string, cam = CAM): Promise<{ event_id: string; person_type: number; identity_id: string }> {
  const r = await fetch(`${agent.url}/snapshots?ep_ip=${cam}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(face(name)) });
  assert.equal(r.status, 200, await r.clone().text());
  const out = (await r.json()) as { events: Array<{ event_id: string; person_type: number; identity_id: string }> };
  assert.equal(out.events.length, 1);
  return out.events[0]!;
}

/** false (the test skipped) when the relay could not start outside CI (no python3-pymodbus) */
const ready = (t: TestContext) => (relay ? true : (t.skip('python3-pymodbus is not installed (bash .ci/run installs it)'), false));
const gate = async () => (await health(agent)).gate;
const pulse = (coil: number, duration = 1, more: object = {}) => ({ action_ip: '127.0.0.1', action_port: relay!.port, action_mode: 'pulse', action_duration: duration, logic_port: coil, ...more });
const writesOf = (coil: number, from: number) => relay!.writes.slice(from).filter((w) => w.coil === coil);

/** Waits until the gate has no operation in flight, then asserts no coil was written since `from`. */
async function nothingWritten(from: number, why: string): Promise<void> {
  await waitFor('no relay operation in flight', async () => (await gate()).in_flight === 0);
  await sleep(300); // a write the relay has not printed yet would show here
  assert.deepEqual(relay!.writes.slice(from), [], why);
}

before(async () => {
  if (!requireComponent(undefined, 'Modbus TCP relay (pymodbus)', { bin: 'python3', file: PYMODBUS })) return;
  dir = mkdtempSync(join(tmpdir(), 'se3-gate-'));
  // the relay module
  const proc = spawn('/usr/bin/python3', [new URL('modbus-relay.py', import.meta.url).pathname, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writes: Array<{ t: number; coil: number; on: boolean }> = [];
  let buf = '';
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`pymodbus relay did not start: ${buf}`)), 20_000);
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const m = /^listening (\d+)$/.exec(line);
        if (m) (clearTimeout(t), resolve(Number(m[1])));
        else if (line.startsWith('{')) writes.push(JSON.parse(line));
      }
    });
    proc.once('exit', (code) => reject(new Error(`pymodbus relay exited (${code}): ${buf}`)));
  });
  relay = { proc, port, writes };
  // a relay that accepts connections and never answers
  const sockets = new Set<Socket>();
  const s = createNetServer((sock) => (sockets.add(sock), sock.on('close', () => sockets.delete(sock)), sock.resume()));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  silent = { server: s, port: (s.address() as AddressInfo).port, sockets };
  // the integrator's realtime receiver (EventServerUrl)
  const events: Array<{ at: number; body: any }> = [];
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      events.push({ at: Date.now(), body: JSON.parse(raw) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":0}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rt`, events };

  agent = await startAgent(join(dir, 'agent'), ['--mac', '02:00:00:00:00:41', '--ftp-port', '0']);
  for (const ep_ip of [CAM, OTHER_CAM]) {
    const r = await fetch(`${agent.url}/se3kit/capture-devices`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ep_ip, ep_type: 0, name: `gate ${ep_ip}` }) });
    assert.equal(r.status, 200, await r.text());
  }
  const u = await call('POST', 'users', { identity_id: 'p-obama', reg_photo: face('obama.jpg').toString('base64'), info: { name: 'Obama', type: 1 } });
  assert.equal(u.status, 200, JSON.stringify(u.body));
  assert.equal((await call('POST', 'EventServerUrl', { event_server_url: [receiver.url], real_need_reg_pic: false })).status, 200);
});

after(async () => {
  await agent?.kill();
  relay?.proc.kill();
  for (const s of silent?.sockets ?? []) s.destroy();
  await new Promise<void>((r) => (silent ? silent.server.close(() => r()) : r()));
  await new Promise<void>((r) => (receiver ? (receiver.server.close(() => r()), receiver.server.closeAllConnections()) : r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('GateControllerMode and EventAction: the modes and action modes, defaults, and unknown values refused with 40091', async (t) => {
  if (!ready(t)) return;
  assert.deepEqual((await call('GET', 'GateControllerMode')).body.data, { controller_mode: 'opendoor' });
  let r = await call('POST', 'GateControllerMode', { controller_mode: 'fly' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 40091);
  assert.match(r.body.error.message, /controller_mode must be one of opendoor, alarm, avoid/);
  assert.deepEqual((await call('POST', 'GateControllerMode', { controller_mode: ' Alarm ' })).body.data, { controller_mode: 'alarm' });
  assert.deepEqual((await call('POST', 'GateControllerMode', { controller_mode: 'opendoor' })).body.data, { controller_mode: 'opendoor' });

  r = await call('PUT', 'EventAction', { action: [{ action_ip: '127.0.0.1', action_port: 502, action_mode: 'relay' }] });
  assert.equal(r.body.error.code, 40091);
  assert.match(r.body.error.message, /action\.0\.action_mode.*pulse, on, off, toggle/);
  r = await call('PUT', 'EventAction', { action: [{ action_ip: '127.0.0.1', action_port: 502, action_mode: 1 }] });
  assert.equal(r.body.error.code, 40091);
  assert.match(r.body.error.message, /action_mode/);
  r = await call('PUT', 'EventAction', { action: [{ action_ip: '127.0.0.1', action_port: 502, action_mode: 'pulse', logic_port: -1 }] });
  assert.match(r.body.error.message, /logic_port/);
  r = await call('PUT', 'EventAction', { action: [{ action_ip: '127.0.0.1', action_port: 502, action_mode: 'pulse', ep_ip: 'camera' }] });
  assert.match(r.body.error.message, /ep_ip/);
  r = await call('PUT', 'EventAction', { action: [{ action_ip: '127.0.0.1', action_port: 502, action_mode: 'PULSE' }] });
  assert.deepEqual(r.body.data.action, [{ action_ip: '127.0.0.1', action_port: 502, action_mode: 'pulse', action_duration: 5, logic_port: 0 }]);
  const g = await gate();
  assert.equal(g.controller_mode, 'opendoor');
  assert.equal(g.actions, 1);
});

test('opendoor: a recognised user pulses the coil ON and OFF after action_duration; a stranger does nothing', async (t) => {
  if (!ready(t)) return;
  assert.equal((await call('PUT', 'EventAction', { action: [pulse(2)] })).status, 200);
  const from = relay!.writes.length;
  const ev = await snapshot('obama2.jpg');
  assert.equal(ev.identity_id, 'p-obama');
  const [on, off] = await waitFor('coil 2 ON then OFF', () => (writesOf(2, from).length >= 2 ? writesOf(2, from) : null));
  assert.deepEqual([on!.on, off!.on], [true, false]);
  assert.ok(off!.t - on!.t >= 950, `held for action_duration (1 s): ${off!.t - on!.t} ms`);
  await waitFor('the operation recorded', async () => (await gate()).recent.some((o: any) => o.event_id === ev.event_id && o.result === 'done'));

  const before = relay!.writes.length;
  const fired = (await gate()).events_fired;
  const s = await snapshot('biden.jpg');
  assert.equal(s.person_type, 4);
  assert.equal((await gate()).events_fired, fired, 'a stranger fires nothing in opendoor');
  await nothingWritten(before, 'no coil write for a stranger');
});

test('alarm: a stranger pulses the coil, a recognised user does not; avoid: nothing at all', async (t) => {
  if (!ready(t)) return;
  await call('POST', 'GateControllerMode', { controller_mode: 'alarm' });
  await call('PUT', 'EventAction', { action: [pulse(5)] });
  let from = relay!.writes.length;
  await snapshot('biden.jpg');
  const w = await waitFor('coil 5 ON then OFF', () => (writesOf(5, from).length >= 2 ? writesOf(5, from) : null));
  assert.deepEqual(
    w.map((x) => x.on),
    [true, false],
  );
  from = relay!.writes.length;
  await snapshot('obama2.jpg');
  await nothingWritten(from, 'no coil write for a recognised user in alarm mode');

  await call('POST', 'GateControllerMode', { controller_mode: 'avoid' });
  from = relay!.writes.length;
  const fired = (await gate()).events_fired;
  await snapshot('obama2.jpg');
  await snapshot('biden.jpg');
  assert.equal((await gate()).events_fired, fired);
  await nothingWritten(from, 'avoid: nothing for anyone');
});

test('one pulse in flight per relay channel; an action bound to another capture device (ep_ip) does not fire', async (t) => {
  if (!ready(t)) return;
  await call('POST', 'GateControllerMode', { controller_mode: 'opendoor' });
  await call('PUT', 'EventAction', { action: [pulse(7, 2), pulse(8, 1, { ep_ip: OTHER_CAM })] });
  const from = relay!.writes.length;
  const busy = (await gate()).operations_busy;
  await snapshot('obama2.jpg');
  await snapshot('obama3.jpg'); // while coil 7 is still held
  await waitFor('coil 7 OFF', () => writesOf(7, from).some((x) => !x.on), 30_000);
  await waitFor('nothing in flight', async () => (await gate()).in_flight === 0);
  assert.deepEqual(
    writesOf(7, from).map((x) => x.on),
    [true, false],
    'one pulse, not two',
  );
  assert.equal((await gate()).operations_busy, busy + 1);
  assert.deepEqual(writesOf(8, from), [], 'the OTHER_CAM action did not fire for CAM');
  const w8 = relay!.writes.length;
  await snapshot('obama2.jpg', OTHER_CAM);
  await waitFor('coil 8 pulsed for its own camera', () => writesOf(8, w8).length >= 2);
});

test('action modes on, toggle and off: a latched coil, switched over by reading it, and switched off', async (t) => {
  if (!ready(t)) return;
  await call('POST', 'GateControllerMode', { controller_mode: 'opendoor' });
  const from = relay!.writes.length;
  for (const mode of ['on', 'toggle', 'toggle', 'off']) {
    assert.equal((await call('PUT', 'EventAction', { action: [pulse(12, 1, { action_mode: mode })] })).status, 200);
    const n = writesOf(12, from).length;
    await snapshot('obama2.jpg');
    await waitFor(`coil 12 written (${mode})`, () => writesOf(12, from).length > n);
    await waitFor('nothing in flight', async () => (await gate()).in_flight === 0);
  }
  assert.deepEqual(
    writesOf(12, from).map((x) => x.on),
    [true, false, true, false],
    'on, then toggle reads ON and writes OFF, toggle again ON, off',
  );
});

test('a relay that never answers or refuses does not hold back the realtime event; it is counted and logged, the others still pulse', async (t) => {
  if (!ready(t)) return;
  await call('PUT', 'EventAction', {
    action: [{ action_ip: '127.0.0.1', action_port: silent.port, action_mode: 'pulse', action_duration: 1, logic_port: 0 }, { action_ip: '127.0.0.1', action_port: relay!.port, action_mode: 'pulse', action_duration: 1, logic_port: 9 }],
  });
  const g0 = await gate();
  const from = relay!.writes.length;
  const ev = await snapshot('obama2.jpg');
  const rt = await waitFor('realtime event at the EventServerUrl', () => receiver.events.find((e) => e.body.ext_data.event_id === ev.event_id));
  assert.equal(rt.body.identity_id, 'p-obama');
  // the silent relay's Modbus answer is still awaited (2 s timeout) when the event has arrived
  const g1 = await gate();
  assert.equal(g1.operations_failed, g0.operations_failed, 'the realtime event did not wait for the relay');
  await waitFor('the silent relay failed', async () => (await gate()).operations_failed === g0.operations_failed + 1, 30_000);
  const g2 = await gate();
  assert.match(g2.last_error, /127\.0\.0\.1:\d+ coil 0: no Modbus answer in time/);
  assert.ok(writesOf(9, from).some((x) => x.on) && writesOf(9, from).some((x) => !x.on), 'the working relay pulsed');
  assert.match(agent.output(), /gate: pulse for event \S+ failed: relay 127\.0\.0\.1:\d+ coil 0: no Modbus answer in time/);

  // a refused connection, twice: counted twice, logged once
  await call('PUT', 'EventAction', { action: [{ action_ip: '127.0.0.1', action_port: 1, action_mode: 'on', logic_port: 0 }] });
  await snapshot('obama2.jpg');
  await waitFor('refused counted', async () => (await gate()).operations_failed === g0.operations_failed + 2);
  await snapshot('obama3.jpg');
  await waitFor('refused counted again', async () => (await gate()).operations_failed === g0.operations_failed + 3);
  assert.equal(agent.output().match(/coil 0: connect ECONNREFUSED/g)?.length, 1, 'one log line per relay and minute');
  assert.equal((await health(agent)).recognition.capture_devices, 2, 'the agent goes on');
});

test('stopping the agent ends a held pulse: the coil goes OFF before it exits', async (t) => {
  if (!ready(t)) return;
  await call('PUT', 'EventAction', { action: [pulse(11, 600)] });
  const from = relay!.writes.length;
  await snapshot('obama2.jpg');
  await waitFor('coil 11 ON', () => writesOf(11, from).some((x) => x.on));
  await agent.kill('SIGTERM');
  assert.deepEqual(
    writesOf(11, from).map((x) => x.on),
    [true, false],
  );
});
