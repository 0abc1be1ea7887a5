// The box-facing endpoints of the platform (PROTOCOL §2, §3, §5, notify_path) against the
// platform service with the embedded broker and the real face engine: login (GET and POST,
// MAC binding, release, disable, token rotation, the address the box reached), user details
// and photos only for the box's own people, results at notify_path; the §8 envelope on every
// failure.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { face } from '../fiqa/fixtures';
import { http, startPlatform, type Harness } from './harness';

const MAC_A = '0xe0a50900062b';
const MAC_B = '0xe0a50900aa01';

describe('platform box-facing endpoints', () => {
  let h: Harness;
  before(async () => {
    h = await startPlatform({ autoSync: false });
  });
  after(async () => h?.close());

  const login = (devSno: string, mac: string, base = h.base) => http(`${base}/login?dev_sno=${encodeURIComponent(devSno)}&hex_mac=${encodeURIComponent(mac)}`);

  function envelope(r: { status: number; json(): any }, status: number, code: number, message: RegExp) {
    assert.equal(r.status, status);
    const body = r.json();
    assert.deepEqual(Object.keys(body), ['error']);
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'status']);
    assert.equal(body.error.code, code);
    assert.match(body.error.message, message);
    assert.equal(typeof body.error.status, 'string');
  }

  it('issues 24-character codes and refuses unknown, disabled and malformed logins with the envelope', async () => {
    const d = await h.platform.addDevice('gate 1');
    assert.match(d.devSno, /^[A-Z0-9]{24}$/);
    assert.equal(d.enabled, true);
    envelope(await login('NOTISSUEDHERE00000000000', MAC_A), 403, 40003, /unknown dev_sno/);
    envelope(await http(`${h.base}/login?dev_sno=${d.devSno}`), 400, 40091, /hex_mac/);
    envelope(await login(d.devSno, '0xZZ'), 400, 40091, /hex_mac/);
    envelope(await login('bad sno!', MAC_A), 400, 40091, /dev_sno/);
    await h.platform.setDeviceEnabled(d.devSno, false);
    envelope(await login(d.devSno, MAC_A), 403, 40003, /disabled/);
    await h.platform.removeDevice(d.devSno);
  });

  it('logs a box in: byte-exact body, host = the address the box reached, per-box queues, MAC bound', async () => {
    const d = await h.platform.addDevice('door');
    // reach the platform on 127.0.0.2: that is the host the box is given, not 127.0.0.1
    const r = await login(d.devSno, MAC_A, `http://127.0.0.2:${h.platform.boxPort}`);
    assert.equal(r.status, 200, r.body.toString());
    const body = r.json();
    assert.deepEqual(Object.keys(body).sort(), ['deviceInfoAddr', 'deviceMonitorAddr', 'deviceMonitorPeriod', 'rabbitmq', 'recordAddr', 'recordUploadPeriod', 'token']);
    // the §6 report URLs are relative (§3: on the box port) with the default periods
    assert.deepEqual([body.recordAddr, body.recordUploadPeriod, body.deviceInfoAddr, body.deviceMonitorAddr, body.deviceMonitorPeriod], ['/record', 5, '/deviceInfo', '/deviceStatus', 20]);
    assert.match(body.token, /^[A-Za-z0-9_-]{43}$/);
    const mq = body.rabbitmq;
    assert.deepEqual(Object.keys(mq).sort(), [
      'exchange',
      'fiqaDownQueue',
      'fiqaUploadQueue',
      'host',
      'login',
      'password',
      'port',
      'queue',
      'unNeedBindExchange',
      'uploadQueue',
      'uploadVHost',
      'vHost',
    ]);
    assert.equal(mq.host, '127.0.0.2');
    assert.equal(mq.port, h.amqpPort);
    assert.equal(mq.login, `box.${d.devSno}`);
    assert.ok(mq.password.length >= 24);
    assert.equal(mq.queue, `se3.${d.devSno}.cmd`);
    assert.equal(mq.uploadQueue, `se3.${d.devSno}.results`);
    assert.equal(mq.fiqaDownQueue, `se3.${d.devSno}.fiqa.down`);
    assert.equal(mq.fiqaUploadQueue, `se3.${d.devSno}.fiqa.up`);
    assert.equal(mq.vHost, 'se3');
    assert.equal(mq.uploadVHost, `se3.up.${d.devSno}`);
    assert.equal(mq.unNeedBindExchange, false);
    assert.deepEqual(mq.exchange, { name: `se3.cmd.${d.devSno}`, type: 'topic', passive: false, durable: true, auto_delete: false, arguments: null });
    const [view] = (await h.platform.listDevices()).filter((x) => x.devSno === d.devSno);
    assert.equal(view!.mac, 'e0:a5:09:00:06:2b');
    assert.equal(view!.brokerState, 'ready');
    assert.equal(view!.online, true);

    // another MAC is refused until the binding is released
    envelope(await login(d.devSno, MAC_B), 403, 40003, /bound to another box \(MAC e0:a5:09:00:06:2b\)/);
    await h.platform.releaseDevice(d.devSno);
    // the released code's old token is dead
    envelope(await http(`${h.base}/getSendPerson?dev_sno=${d.devSno}&token=${body.token}`, { method: 'POST', body: '{"userid_list":[]}' }), 401, 40003, /log in again/);
    // POST login with form parameters binds the new box
    const p = await http(`${h.base}/login`, { method: 'POST', body: `dev_sno=${d.devSno}&hex_mac=${MAC_B}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(p.status, 200, p.body.toString());
    assert.equal((await h.platform.listDevices()).find((x) => x.devSno === d.devSno)!.mac, 'e0:a5:09:00:aa:01');
    envelope(await login(d.devSno, MAC_A), 403, 40003, /bound to another box/);
    // POST with a JSON body, same box: a new token each time, the previous one stops working
    const j = await http(`${h.base}/login`, { method: 'POST', body: JSON.stringify({ dev_sno: d.devSno, hex_mac: MAC_B }), headers: { 'content-type': 'application/json' } });
    assert.equal(j.status, 200);
    assert.notEqual(j.json().token, p.json().token);
    envelope(await http(`${h.base}/getSendPerson?dev_sno=${d.devSno}&token=${p.json().token}`, { method: 'POST', body: '{"userid_list":["x"]}' }), 401, 40003, /log in again/);
    const ok = await http(`${h.base}/getSendPerson?dev_sno=${d.devSno}&token=${j.json().token}`, { method: 'POST', body: '{"userid_list":["x"]}' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), { data: { user_list: [] } });
  });

  it('gives a box only its own people, with photo URLs that need its token', async () => {
    await h.platform.addGroup('staff');
    await h.platform.addGroup('guests');
    const a = await h.platform.addDevice('A');
    const b = await h.platform.addDevice('B');
    await h.platform.assign(a.devSno, 'staff');
    await h.platform.assign(b.devSno, 'guests');
    const p1 = await h.platform.savePerson({ id: 'p1', name: 'Ada', groups: ['staff'] }, { update: false, photos: [face('obama.jpg'), face('obama_partial_face.jpg')] });
    await h.platform.savePerson({ id: 'p2', name: 'Bob', groups: ['guests'] }, { update: false, photos: [face('biden.jpg')] });
    // the verdicts are stored at once; the passing photo is the one sent
    assert.equal(p1.photos.length, 2);
    assert.equal(p1.photos[0]!.best, true);
    assert.equal(p1.photos[0]!.verdict.passed, true);
    assert.equal(p1.photos[1]!.verdict.passed, false);
    assert.ok(p1.photos[1]!.verdict.fails.length > 0 || p1.photos[1]!.verdict.code !== 0);

    const ta = (await login(a.devSno, '0x0000000000a1')).json().token as string;
    const tb = (await login(b.devSno, '0x0000000000b1')).json().token as string;
    const details = await http(`${h.base}/getSendPerson?dev_sno=${a.devSno}&token=${ta}`, { method: 'POST', body: JSON.stringify({ userid_list: ['p1', 'p2', 'nobody'] }) });
    assert.equal(details.status, 200);
    const list = details.json().data.user_list;
    assert.equal(list.length, 1);
    const u = list[0];
    assert.deepEqual(Object.keys(u).sort(), ['identity_id', 'info', 'register_type', 'relative_pic_url']);
    assert.equal(u.identity_id, 'p1');
    assert.equal(u.register_type, 1);
    assert.equal(u.info.name, 'Ada');
    assert.equal(u.info.type, 1);
    assert.equal(u.info.permission_ids.length, 1);
    const photoUrl = `${h.base}${u.relative_pic_url}`;
    const got = await http(photoUrl);
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'image/jpeg');
    assert.deepEqual(got.body, face('obama.jpg'));
    // without the token, or with box B's token, the same photo is refused
    envelope(await http(photoUrl.replace(/\?.*$/, '')), 401, 40003, /token/);
    envelope(await http(photoUrl.replace(/dev_sno=[^&]+&token=[^&]+/, `dev_sno=${b.devSno}&token=${tb}`)), 404, 40400, /no such photo/);
    // a token of another box does not open this box
    envelope(await http(`${h.base}/getSendPerson?dev_sno=${a.devSno}&token=${tb}`, { method: 'POST', body: '{"userid_list":["p1"]}' }), 401, 40003, /token/);
    envelope(await http(`${h.base}/getSendPerson?dev_sno=UNKNOWN&token=${tb}`, { method: 'POST', body: '{"userid_list":["p1"]}' }), 403, 40003, /not an enabled device/);
    envelope(await http(`${h.base}/getSendPerson?dev_sno=${a.devSno}&token=${ta}`, { method: 'POST', body: '{"userid_list":"p1"}' }), 400, 40091, /userid_list/);
    envelope(await http(`${h.base}/getSendPerson?dev_sno=${a.devSno}&token=${ta}`, { method: 'GET' }), 405, 40000, /POST/);
  });

  it('applies results posted to notify_path, matched by messageId', async () => {
    await h.platform.setSettings({ resultsMode: 'notify' });
    const c = await h.platform.addDevice('C');
    await h.platform.addGroup('c-group');
    await h.platform.assign(c.devSno, 'c-group');
    await h.platform.savePerson({ id: 'c1', name: 'Cy', groups: ['c-group'] }, { update: false, photos: [face('obama2.jpg')] });
    await h.platform.savePerson({ id: 'c2', name: 'Di', groups: ['c-group'] }, { update: false, photos: [face('biden2.jpg')] });
    const t = (await login(c.devSno, '0x0000000000c1')).json().token as string;
    const [rep] = await h.platform.sync(c.devSno);
    assert.equal(rep!.added, 2);
    assert.equal(rep!.error, null);
    const cmd = await h.platformDbCommand(c.devSno);
    const post = (body: unknown) => http(`${h.base}/notify?dev_sno=${c.devSno}&token=${t}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const result = {
      success: true,
      code: 0,
      message: 'ok',
      dev_sno: c.devSno,
      messageKey: 'add_users_plus',
      messageId: cmd,
      result: { success_users: [{ userid: 'c1', username: 'Cy', message: 'ok', code: 0 }], failed_users: [{ userid: 'c2', username: 'Di', message: 'no face detected', code: 40094 }] },
    };
    const r = await post(result);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { status: 0, message: 'ok', data: null });
    const c1 = await h.platform.getPerson('c1');
    const c2 = await h.platform.getPerson('c2');
    assert.deepEqual(c1.boxes, [{ devSno: c.devSno, name: 'C', state: 'enrolled', code: 0, message: 'ok' }]);
    assert.deepEqual(c2.boxes, [{ devSno: c.devSno, name: 'C', state: 'failed', code: 40094, message: 'no face detected' }]);
    // a second sync sends nothing: unchanged people are not re-sent, failed ones wait for an edit
    const [again] = await h.platform.sync(c.devSno);
    assert.equal(again!.added, 0);
    assert.equal(again!.commands, 0);
    // an edit re-sends that person only
    await h.platform.savePerson({ id: 'c1', name: 'Cy Renamed' }, { update: true });
    const [edited] = await h.platform.sync(c.devSno);
    assert.equal(edited!.added, 1);
    envelope(await post('not an object'), 400, 40091, /one JSON object/);
    await h.platform.setSettings({ resultsMode: 'queue' });
  });
});
