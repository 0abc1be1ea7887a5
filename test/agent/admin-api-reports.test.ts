// The box's local admin API (PROTOCOL §7), its settings and reports: GateControllerMode /
// EventAction / EventServerUrl / HistoryEventUrl / MonitorServerUrl with defaults and bad input;
// the report URLs get realtime events, history batches (exactly once to each, also across a
// failing receiver and a restart) and device status in addition to the platform; a restart keeps
// the configuration. Also the FTP server's size limit while an upload streams (raw FTP client).
// One real `se3kit agent` logged in to a fake platform over the embedded broker
// (admin-api-fixture.ts). The directory: admin-api-directory.test.ts; the door relay:
// admin-api-gate.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { face, health, startAgent, waitFor } from './link-fixture';
import { DEV_SNO, CAM, agentArgs, call, fails, fx, photo64, query, snapshot, startAdminFixture, stopAdminFixture } from './admin-api-fixture';

before(async () => {
  await startAdminFixture();
  // the directory these tests report about: Obama in group Lobby with permission staff-id, and a
  // few events (a match and a stranger) before the report URLs are set
  assert.equal((await call('POST', 'permissions', { permission_name: 'Staff', permission_id: 'staff-id' })).status, 200);
  assert.equal((await call('POST', 'groups', { group_name: 'Lobby' })).status, 200);
  const u = await call('POST', 'users', { identity_id: 'p-obama', group_name: 'Lobby', reg_photo: photo64('obama.jpg'), info: { name: 'Obama', type: 1, permission_ids: ['staff-id'] } });
  assert.equal(u.status, 200, JSON.stringify(u.body));
  assert.equal((await snapshot(face('obama2.jpg'))).events[0]!.identity_id, 'p-obama');
  assert.equal((await snapshot(face('biden.jpg'))).events[0]!.person_type, 4);
});
after(stopAdminFixture);

test('settings: GateControllerMode, EventAction, EventServerUrl, HistoryEventUrl, MonitorServerUrl with defaults and bad input', async () => {
  // GateControllerMode / EventAction in depth (and the relay they drive): admin-api-gate.test.ts
  let r = await call('GET', 'GateControllerMode');
  assert.deepEqual(r.body.data, { controller_mode: 'opendoor' });
  r = await call('POST', 'GateControllerMode', { controller_mode: 'avoid' });
  assert.deepEqual(r.body.data, { controller_mode: 'avoid' });
  await fails(call('POST', 'GateControllerMode', { controller_mode: 5 }), 400, 40091, /controller_mode/);
  await fails(call('POST', 'GateControllerMode', { controller_mode: 'open door!' }), 400, 40091);

  // avoid: the relay (a closed loopback port) is never operated by these tests' snapshots
  r = await call('PUT', 'EventAction', { action: [{ action_ip: '127.0.0.1', action_port: 9, action_mode: 'pulse' }] });
  assert.deepEqual(r.body.data, { action: [{ action_ip: '127.0.0.1', action_port: 9, action_mode: 'pulse', action_duration: 5, logic_port: 0 }] });
  await fails(call('PUT', 'EventAction', { action: [{ action_ip: 'door', action_port: 502, action_mode: 'pulse' }] }), 400, 40091, /action_ip/);
  await fails(call('PUT', 'EventAction', { action: [{ action_ip: '192.0.2.50', action_port: 70000, action_mode: 'pulse' }] }), 400, 40091, /action_port/);
  await fails(call('PUT', 'EventAction', { action: 'x' }), 400, 40091, /action/);

  assert.deepEqual((await call('GET', 'EventServerUrl')).body.data, { event_server_url: [], real_need_reg_pic: true, 'content-type': 'json' });
  assert.deepEqual((await call('GET', 'HistoryEventUrl')).body.data, { history_upload_event_url: [], history_need_reg_pic: false, 'content-type': 'json', reported_peroid: 20 });
  await fails(call('POST', 'EventServerUrl', { event_server_url: ['ftp://x/y'] }), 400, 40091, /event_server_url/);
  await fails(call('POST', 'EventServerUrl', { event_server_url: ['http://user:pw@x/y'] }), 400, 40091, /credentials/);
  await fails(call('POST', 'EventServerUrl', { event_server_url: [fx.receiver.url], 'content-type': 'xml' }), 400, 40091, /content-type/);
  await fails(call('POST', 'EventServerUrl', { event_server_url: [fx.receiver.url], real_need_reg_pic: 1 }), 400, 40005);
  await fails(call('POST', 'HistoryEventUrl', { history_upload_event_url: [fx.receiver.url], reported_peroid: 0 }), 400, 40091, /reported_peroid/);
  await fails(call('POST', 'MonitorServerUrl', { monitor_server_url: 'not a url' }), 400, 40091, /monitor_server_url/);
  assert.deepEqual((await call('POST', 'MonitorServerUrl', { monitor_server_url: '' })).body.data.monitor_server_url, [], "'' switches it off");
  assert.equal((await call('GET', 'EventAction')).body.data.action.length, 1, 'GET EventAction (an extension) reads it back');
});


test('EventServerUrl, HistoryEventUrl and MonitorServerUrl receive reports in addition to the platform; history once to each', async () => {
  let r = await call('POST', 'EventServerUrl', { event_server_url: [`${fx.receiver.url}/rt`], real_need_reg_pic: false });
  assert.equal(r.status, 200);
  r = await call('POST', 'HistoryEventUrl', { history_upload_event_url: `${fx.receiver.url}/hist`, history_need_reg_pic: true, reported_peroid: 1 });
  assert.equal(r.status, 200);
  r = await call('POST', 'MonitorServerUrl', { monitor_server_url: `${fx.receiver.url}/mon`, 'content-type': 'form-data', reported_peroid: 1 });
  assert.equal(r.status, 200);

  const snap = await snapshot(face('obama3.jpg'));
  const id = snap.events[0]!.event_id;
  const rt = await waitFor('realtime at the EventServerUrl', () => fx.receiver.hits.find((h) => h.path === '/rt' && h.body.ext_data?.event_id === id));
  assert.equal(rt.type, 'application/json');
  assert.equal(rt.body.identity_id, 'p-obama');
  assert.equal(rt.body.reg_pic, '', 'real_need_reg_pic false');
  await waitFor('the same event at the platform', () => fx.platform.realtime.get('/records')?.find((e) => e.ext_data.event_id === id));
  // the platform's copy follows the same setting
  assert.equal(fx.platform.realtime.get('/records')!.find((e) => e.ext_data.event_id === id).reg_pic, '');

  // history: every stored event exactly once at the HistoryEventUrl and at the platform
  const all = (await query<{ event_id: string }>('SELECT event_id FROM events ORDER BY id')).map((e) => e.event_id);
  assert.ok(all.length >= 3);
  const counts = (batches: any[][]) => {
    const m = new Map<string, number>();
    for (const b of batches) for (const e of b) m.set(e.ext_data.event_id, (m.get(e.ext_data.event_id) ?? 0) + 1);
    return m;
  };
  const local = () => counts(fx.receiver.hits.filter((h) => h.path === '/hist').map((h) => h.body));
  await waitFor('history at the HistoryEventUrl', () => all.every((e) => local().has(e)));
  await waitFor('history at the platform', () => all.every((e) => counts(fx.platform.history.get('/records') ?? []).has(e)));
  for (const m of [local(), counts(fx.platform.history.get('/records') ?? [])]) assert.deepEqual([...m].filter(([, n]) => n > 1), [], 'none twice');
  const known = fx.receiver.hits.filter((h) => h.path === '/hist').flatMap((h) => h.body).find((e: any) => e.identity_id === 'p-obama');
  assert.ok(known.reg_pic.length > 1000, 'history_need_reg_pic: history events carry reg_pic');

  const mon = await waitFor('device status at the MonitorServerUrl', () => fx.receiver.hits.find((h) => h.path === '/mon'));
  assert.equal(mon.type, 'multipart/form-data');
  assert.equal(mon.body.dev_sno, DEV_SNO);
  assert.equal(JSON.parse(mon.body.sub_devices)[0].ep_ip, CAM);
  assert.equal(typeof JSON.parse(mon.body.gateway_ext_data).cpu_usage, 'number');
  const h = (await health(fx.agent)).admin_api;
  assert.equal(h.event_server_urls, 1);
  assert.ok(h.history_batches_sent >= 1 && h.monitor_reports_sent >= 1, JSON.stringify(h));
  assert.equal(h.history_error, null);
});


test('a HistoryEventUrl that fails holds back only its own cursor: the platform goes on, and after it recovers every event arrives once', async () => {
  fx.receiver.down = true;
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(...(await snapshot(face('obama_and_biden.jpg'))).events.map((e) => e.event_id));
  await waitFor('the platform has them', () => ids.every((id) => (fx.platform.history.get('/records') ?? []).some((b) => b.some((e: any) => e.ext_data.event_id === id))));
  const histIds = () => fx.receiver.hits.filter((h) => h.path === '/hist').flatMap((h) => h.body.map((e: any) => e.ext_data.event_id as string));
  assert.ok(!ids.some((id) => histIds().includes(id)), 'nothing acknowledged while the receiver fails');
  await waitFor('the failure shows in /health', async () => /HTTP 503/.test((await health(fx.agent)).admin_api.history_error ?? ''));
  fx.receiver.down = false;
  await waitFor('the receiver catches up', () => ids.every((id) => histIds().includes(id)), 60_000, 200);
  assert.equal(histIds().length, new Set(histIds()).size, 'none twice');
});


test('a restart keeps the configuration, groups and members; new events go on to both history destinations once', async () => {
  await fx.agent.kill();
  const seen = fx.receiver.hits.length;
  fx.agent = await startAgent(join(fx.dir, 'agent'), agentArgs());
  assert.deepEqual((await call('GET', 'GateControllerMode')).body.data, { controller_mode: 'avoid' });
  assert.equal((await call('GET', 'EventAction')).body.data.action[0].action_ip, '127.0.0.1');
  assert.deepEqual((await call('GET', 'EventServerUrl')).body.data.event_server_url, [`${fx.receiver.url}/rt`]);
  assert.equal((await call('GET', 'HistoryEventUrl')).body.data.reported_peroid, 1);
  assert.equal((await call('GET', 'MonitorServerUrl')).body.data['content-type'], 'form-data');
  assert.equal((await call('GET', 'permissions', undefined, { query: 'permission_name=Staff' })).body.data.permissions_list[0].permission_id, 'staff-id');
  assert.deepEqual((await call('GET', 'users', undefined, { query: 'identity_id=p-obama' })).body.data.group_name, ['Lobby']);
  await waitFor('logged in again', async () => (await health(fx.agent)).login.state === 'logged-in');
  const snap = await snapshot(face('obama2.jpg'));
  const id = snap.events[0]!.event_id;
  await waitFor('realtime after restart', () => fx.receiver.hits.slice(seen).find((h) => h.path === '/rt' && h.body.ext_data?.event_id === id));
  await waitFor('history after restart', () => fx.receiver.hits.slice(seen).some((h) => h.path === '/hist' && h.body.some((e: any) => e.ext_data.event_id === id)));
  const hist = fx.receiver.hits.filter((h) => h.path === '/hist').flatMap((h) => h.body.map((e: any) => e.ext_data.event_id));
  assert.equal(hist.length, new Set(hist).size, 'nothing sent twice across the restart');
});


/** Opens an FTP data transfer and streams `size` bytes; resolves with the STOR replies. */

async function ftpStream(user: string, pass: string, name: string, size: number): Promise<string[]> {
  const sock = connect(fx.ftpPort, '127.0.0.1');
  await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
  sock.setEncoding('utf8');
  let buf = '';
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  sock.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (/^\d{3} /.test(line)) lines.push(line); // (continuation lines of multi-line replies skipped)
      wake?.();
    }
  });
  const next = async (): Promise<string> => {
    const end = Date.now() + 20_000;
    while (!lines.length) {
      if (Date.now() > end) throw new Error('no FTP reply');
      await new Promise<void>((r) => ((wake = r), setTimeout(r, 200)));
    }
    return lines.shift()!;
  };
  const cmd = async (c: string) => (sock.write(`${c}\r\n`), next());
  try {
    await next();
    await cmd(`USER ${user}`);
    assert.match(await cmd(`PASS ${pass}`), /^230/);
    await cmd('TYPE I');
    const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(await cmd('PASV'))!;
    const data = connect(Number(m[5]) * 256 + Number(m[6]), '127.0.0.1');
    await new Promise<void>((r, j) => data.once('connect', () => r()).once('error', j));
    data.on('error', () => undefined);
    const replies = [await cmd(`STOR ${name}`)];
    // stream until the server stops the transfer (or everything is sent)
    const chunk = Buffer.alloc(64 * 1024, 0xab);
    let sent = 0;
    while (sent < size && !data.destroyed) {
      if (!data.write(chunk)) await new Promise((r) => data.once('drain', r).once('close', r));
      sent += chunk.length;
    }
    data.end();
    replies.push(await next());
    return replies;
  } finally {
    sock.destroy();
  }
}


test('FTP: an upload over the size limit is stopped while it streams, its partial file removed, and logged', async () => {
  const replies = await ftpStream('cam9', 'pw9', 'huge.jpg', 64 * 1024 * 1024);
  assert.match(replies[0]!, /^150/);
  assert.match(replies[1]!, /^(550|426|451)/, `the transfer is refused: ${replies[1]}`);
  assert.match(replies[1]!, /over 4194304 bytes/);
  const spool = join(fx.dir, 'agent', 'spool', 'cam9');
  // (an upload is written under a temporary .partial-<uuid> name until complete: nothing at all may stay)
  await waitFor('partial file removed', () => !existsSync(spool) || readdirSync(spool).length === 0);
  assert.match(fx.agent.output(), /ftp: cam9 upload huge\.jpg stopped at/);
  assert.equal((await health(fx.agent)).recognition.ftp_port, fx.ftpPort, 'the FTP server still runs');
});
