// The platform's side of PROTOCOL §6 on the box port, against the platform service (embedded
// broker, real face engine), a box played by HTTP requests: realtime events and history
// batches (dedup by ext_data.event_id and, for vendor boxes, by dev_sno/ep_id/timestamp/
// identity_id), the §8 envelopes of bad reports with nothing stored, retention by receipt time
// (not the box clock) with the pictures deleted, device status and capture devices, the offline alert after three missed
// periods (1 s periods here), and the Events page's actions "enrol this stranger" and "this is X".
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAgentDb } from '../../agent/store/db';
import { createApiHandlers } from '../../electron/api/dispatch';
import type { AlertView, EventView } from '../../electron/api/events';
import { assembleServices } from '../../electron/api/services';
import { recordingBoxes } from '../site/boxes-double';
import type { EventsService } from '../../electron/platform/events';
import { face } from '../fiqa/fixtures';
import { http, startPlatform, until, type Harness } from './harness';

const MAC = '0xe0a50900062b';

function pictureFiles(dir: string): string[] {
  const root = join(dir, 'platform-events');
  try {
    return readdirSync(root).flatMap((d) => readdirSync(join(root, d)));
  } catch {
    return [];
  }
}

describe('platform: events and device status from the boxes', () => {
  let h: Harness;
  let ev: EventsService;
  let devSno: string;
  let q: string;
  const seen: EventView[] = [];
  const alerts: AlertView[] = [];
  before(async () => {
    h = await startPlatform({ autoSync: false, events: { statusPeriodS: 1, retention: { maxEvents: 6 } } });
    ev = h.platform.events!;
    ev.onEvent((e) => seen.push(e));
    ev.onAlert((a) => alerts.push(a));
    await h.platform.addGroup('staff');
    const d = await h.platform.addDevice('gate');
    devSno = d.devSno;
    await h.platform.assign(devSno, 'staff');
    const r = await http(`${h.base}/login?dev_sno=${devSno}&hex_mac=${MAC}`);
    assert.equal(r.status, 200, r.body.toString());
    assert.equal(r.json().deviceMonitorPeriod, 1);
    q = `dev_sno=${devSno}&token=${encodeURIComponent(r.json().token)}`;
  });
  after(async () => h?.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    http(`${h.base}${path}?${q}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
  const ok = (r: { status: number; json(): any; body: Buffer }) => {
    assert.equal(r.status, 200, r.body.toString());
    assert.deepEqual(r.json(), { status: 0, message: 'ok', data: null });
  };
  function envelope(r: { status: number; json(): any }, status: number, code: number, message: RegExp) {
    assert.equal(r.status, status);
    const e = r.json().error;
    assert.equal(e.code, code);
    assert.match(e.message, message);
    assert.equal(typeof e.status, 'string');
  }
  const event = (o: { id?: string; ts: number; identity?: string; ep?: string; pic?: Buffer; type?: number; score?: number }) => ({
    identity_id: o.identity ?? '',
    identity_name: o.identity ? `Name ${o.identity}` : '',
    group_name: 'default_group',
    reg_pic: '',
    timestamp: o.ts,
    score: o.score ?? (o.identity ? 0.81 : 0.2),
    ext_data: {
      device_ip: '192.168.1.151',
      ep_id: `${devSno}__${o.ep ?? '192.168.1.151'}`,
      spot_pic: o.pic ? o.pic.toString('base64') : '',
      person_type: o.type ?? (o.identity ? 1 : 4),
      device_type: '1',
      dev_sno: devSno,
      grab_fiqa_info: {},
      box_fiqa_info: { age: 40, sex: 0, fiqa_result: true, success: [], fails: [] },
      ...(o.id ? { event_id: o.id } : {}),
    },
  });

  it('stores a realtime event once even when its history copy arrives; vendor events without event_id dedup by their key', async () => {
    const t0 = Date.now() - 60_000;
    ok(await post('/record', event({ id: 'e-1', ts: t0, identity: 'p1', pic: face('obama.jpg') })));
    await until('the live event', () => seen.find((e) => e.id === 'e-1'));
    ok(await post('/record', [event({ id: 'e-1', ts: t0, identity: 'p1', pic: face('obama.jpg') }), event({ id: 'e-2', ts: t0 + 1, pic: face('biden.jpg') })]));
    // a vendor box: no event_id — realtime, then the same in a history batch
    const vendor = event({ ts: t0 + 2, identity: 'p9', ep: '192.168.1.160' });
    ok(await post('/record', vendor));
    ok(await post('/record', [vendor, vendor]));
    const page = await ev.list({});
    assert.equal(page.total, 3);
    assert.deepEqual(page.events.map((e) => [e.identityId, e.stranger, e.source]), [['p9', false, 'both'], ['', true, 'history'], ['p1', false, 'both']]);
    assert.match(page.events[0]!.id, /^k-[0-9a-f]{32}$/);
    assert.equal(seen.length, 3, 'each event is pushed live once');
    const e1 = await ev.get('e-1');
    assert.equal(e1.boxName, 'gate');
    assert.equal(e1.epId, `${devSno}__192.168.1.151`);
    assert.equal(e1.age, 40);
    assert.equal(e1.score, 0.81);
    assert.deepEqual((await ev.picture('e-1', 'spot')).bytes, face('obama.jpg'));
    // filters
    assert.deepEqual((await ev.list({ kind: 'stranger' })).events.map((e) => e.id), ['e-2']);
    assert.deepEqual((await ev.list({ personId: 'p1' })).events.map((e) => e.id), ['e-1']);
    assert.equal((await ev.list({ epId: `${devSno}__192.168.1.160` })).total, 1);
    assert.equal((await ev.list({ since: t0 + 1, until: t0 + 2 })).total, 1);
    assert.equal((await ev.list({ devSno: 'OTHER' })).total, 0);
    assert.equal((await ev.list({ limit: 1, offset: 1 })).events[0]!.id, 'e-2');
  });

  it('answers bad reports with the §8 envelope and stores nothing of them', async () => {
    const before = (await ev.list({})).total;
    envelope(await http(`${h.base}/record`, { method: 'POST', body: '{}' }), 401, 40003, /dev_sno and token/);
    envelope(await http(`${h.base}/record?dev_sno=${devSno}&token=wrong`, { method: 'POST', body: '{}' }), 401, 40003, /log in again/);
    envelope(await http(`${h.base}/record?${q}`), 405, 40000, /POST/);
    envelope(await post('/record', ''), 400, 40002, /empty/);
    envelope(await post('/record', '{"timestamp":'), 400, 40091, /not valid JSON/);
    envelope(await post('/record', '"text"'), 400, 40091, /JSON object/);
    envelope(await post('/record', { identity_id: 'x' }), 400, 40091, /timestamp/);
    envelope(await post('/record', [event({ id: 'ok-1', ts: Date.now() }), { timestamp: 'soon' }]), 400, 40091, /event 1: timestamp/);
    envelope(await post('/record', Array.from({ length: 101 }, (_, i) => event({ id: `b${i}`, ts: i }))), 400, 40091, /at most 100/);
    envelope(await post('/record', { ...event({ ts: 1 }), ext_data: 'x' }), 400, 40091, /ext_data/);
    envelope(await post('/record', 'a=1', { 'content-type': 'multipart/form-data; boundary=x' }), 415, 41591, /JSON/);
    envelope(await http(`${h.base}/record?${q}`, { method: 'POST', body: Buffer.alloc(25 * 1024 * 1024, 32) }), 413, 41300, /at most/);
    envelope(await post('/deviceStatus', { sub_devices: 'x' }), 400, 40091, /sub_devices/);
    envelope(await post('/deviceInfo', { actionType: 3, deviceInfo: {} }), 400, 40091, /actionType/);
    envelope(await post('/deviceInfo', { actionType: 1, deviceInfo: {} }), 400, 40091, /epId or epIp/);
    // a picture that is not a JPEG/PNG is dropped, the event kept
    const old = Date.now() - 120_000;
    ok(await post('/record', { ...event({ ts: old }), ext_data: { ...event({ ts: old }).ext_data, event_id: 'nopic', spot_pic: Buffer.from('not a picture at all').toString('base64') } }));
    assert.equal((await ev.get('nopic')).hasSpotPic, false);
    assert.equal((await ev.list({})).total, before + 1);
  });

  it('ages events out by when the platform received them, not by the box clock (kept for display and filters)', async () => {
    const before = (await ev.list({})).total;
    // a box whose clock is far behind: an event stamped 1970 is kept, shown and filtered by its own time
    ok(await post('/record', event({ id: 'ancient', ts: 5 })));
    assert.equal((await ev.get('ancient')).timestamp, 5);
    assert.deepEqual((await ev.list({ until: 6 })).events.map((e) => e.id), ['ancient']);
    assert.equal((await ev.list({})).total, before + 1);
    // received longer ago than the age retention (90 days): deleted, the others kept
    const db = await openAgentDb(h.dir, { file: 'platform.db' });
    try {
      await db.run('UPDATE events SET received_at = ? WHERE id = ?', [Date.now() - 91 * 86_400_000, 'ancient']);
    } finally {
      await db.close();
    }
    await ev.retention({ maxAgeDays: 90 });
    await assert.rejects(ev.get('ancient'), /no event/);
    assert.equal((await ev.list({})).total, before);
  });

  it('keeps the newest events within the retention and deletes the pictures of the others', async () => {
    const base = Date.now() - 30_000;
    const pics = ['obama2.jpg', 'biden2.jpg', 'obama-1080p.jpg', 'obama3.jpg'].map(face);
    ok(await post('/record', pics.map((p, i) => event({ id: `r-${i}`, ts: base + i, identity: 'p1', pic: p }))));
    const page = await ev.list({ limit: 100 });
    assert.equal(page.total, 6);
    // the two received first (e-1, e-2) went, though nopic's box time is older; the four new ones stay
    for (let i = 0; i < 4; i++) assert.ok(page.events.some((e) => e.id === `r-${i}`));
    assert.ok(!page.events.some((e) => e.id === 'e-1' || e.id === 'e-2'));
    assert.ok(page.events.some((e) => e.id === 'nopic'));
    const files = pictureFiles(h.dir);
    assert.equal(files.length, page.events.filter((e) => e.hasSpotPic).length, `picture files: ${files.join(', ')}`);
    const r = await ev.retention({ maxEvents: 2 });
    assert.deepEqual([r.maxEvents, r.events], [2, 2]);
    assert.equal(pictureFiles(h.dir).length, 2);
    assert.deepEqual((await ev.list({})).events.map((e) => e.id), ['r-3', 'r-2']);
    await ev.retention({ maxEvents: 100 });
  });

  it('shows device status and capture devices; a box silent for three periods is offline with an alert, cleared when it reports', async () => {
    const status = (cpu: number) => ({
      gateway_ip: '192.168.1.251',
      gateway_name: 'box-a',
      gateway_status: 'online',
      gateway_sn: devSno,
      dev_sno: devSno,
      gateway_ext_data: { sw_version: '1.2.3', sdk_version: '1.1', gateway_mac: 'e0:a5:09:00:06:2b', cpu_usage: cpu, memory_size: 1.55, memory_usage: 0.77, disk_size: 10.39, disk_free_size: 9.41 },
      sub_devices: [{ ep_id: `${devSno}__192.168.1.101`, ep_name: 'Gate A', ep_ip: '192.168.1.101', ep_status: 'online', ep_location: 'lobby', ep_type: '1', ep_url: '' }],
    });
    ok(await post('/deviceStatus', status(6.5)));
    ok(await post('/deviceInfo', { actionType: 1, deviceInfo: { epId: `${devSno}__192.168.1.102`, devSno, direction: 1, epType: '2', epName: 'Cam B', epIp: '192.168.1.102', epStatus: '1', epVersion: 'v2', epGroupName: 'yard', epStreamUrl: 'rtsp://x' } }));
    ok(await post('/deviceStatus', status(12)));
    let [d] = await ev.devicesStatus();
    assert.equal(d!.online, true);
    assert.equal(d!.latest!.cpuUsage, 12);
    assert.equal(d!.latest!.memoryUsage, 0.77);
    assert.equal(d!.swVersion, '1.2.3');
    // sub_devices is the box's full list: the §6.2 device it does not name is gone
    assert.deepEqual(d!.captureDevices.map((c) => [c.epIp, c.name, c.status]), [['192.168.1.101', 'Gate A', 'online']]);
    ok(await post('/deviceInfo', { actionType: 1, deviceInfo: { epIp: '192.168.1.102', direction: 1, epName: 'Cam B', epStatus: '2', epVersion: 'v2' } }));
    [d] = await ev.devicesStatus();
    assert.deepEqual(d!.captureDevices.map((c) => [c.epId, c.status, c.direction, c.version]), [[`${devSno}__192.168.1.101`, 'online', null, ''], [`${devSno}__192.168.1.102`, 'offline', 1, 'v2']]);
    ok(await post('/deviceInfo', { actionType: 2, deviceInfo: { epIp: '192.168.1.102' } }));
    assert.equal((await ev.devicesStatus())[0]!.captureDevices.length, 1);
    const series = await ev.metrics(devSno, {});
    assert.deepEqual(series.points.map((p) => p.cpuUsage), [6.5, 12]);

    // silence: offline after 3 periods of 1 s (+ half a period), one alert
    const raised = await until('the offline alert', () => alerts.find((a) => a.active && a.devSno === devSno), 15_000);
    assert.match(raised.message, /offline: no status report since/);
    assert.equal((await ev.devicesStatus())[0]!.online, false);
    // the Site page and `devices list` say so too (they said online for 90 s after the last contact)
    const listed = async () => (await h.platform.listDevices()).find((x) => x.devSno === devSno)!.online;
    assert.equal(await listed(), false, 'offline in the device list as on the Devices page');
    assert.equal((await ev.alerts({})).length, 1);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await ev.alerts({ all: true })).length, 1, 'one alert per outage');
    ok(await post('/deviceStatus', status(3)));
    assert.equal((await ev.devicesStatus())[0]!.online, true);
    assert.equal(await listed(), true);
    assert.deepEqual(await ev.alerts({}), []);
    const all = await ev.alerts({ all: true });
    assert.equal(all.length, 1);
    assert.equal(all[0]!.active, false);
    assert.ok(alerts.some((a) => a.id === raised.id && !a.active), 'the clearing is pushed');
  });

  it('enrols a stranger from the spot picture after a FIQA check, and adds a spot picture to a person ("this is X")', async () => {
    ok(await post('/record', [event({ id: 's-bad', ts: Date.now() - 2000, pic: face('obama_partial_face.jpg') }), event({ id: 's-good', ts: Date.now() - 1000, pic: face('biden2.jpg') })]));
    const refused = await ev.enrolStranger({ id: 's-bad', name: 'Cut off' });
    assert.equal(refused.created, false);
    assert.equal(refused.person, null);
    assert.equal(refused.verdict.passed, false);
    const made = await ev.enrolStranger({ id: 's-good', name: 'Visitor One' });
    assert.equal(made.created, true, made.verdict.message);
    assert.equal(made.person!.registerType, 2);
    // judged as the box judges a register_type 2 person (level custom), the photo stored with that verdict
    assert.equal(made.verdict.level, 'custom');
    assert.equal(refused.verdict.level, 'custom');
    assert.equal(made.person!.photos[0]!.verdict.level, 'custom');
    assert.deepEqual(made.person!.groups, ['staff'], "the box's groups");
    assert.equal((await ev.get('s-good')).enrolledPersonId, made.person!.id);
    await assert.rejects(ev.enrolStranger({ id: 's-good', name: 'Again' }), /already enrolled as Visitor One/);
    await assert.rejects(ev.enrolStranger({ id: 'nope', name: 'x' }), /no event/);
    // the registration photo of the event is now the person's photo
    assert.deepEqual((await ev.picture('s-good', 'registration')).bytes, face('biden2.jpg'));

    await h.platform.savePerson({ id: 'p1', name: 'Ada', groups: ['staff'] }, { update: false, photos: [face('obama.jpg')] });
    const x = await ev.identify('r-3', 'p1');
    assert.equal(x.person.photos.length, 2);
    assert.equal((await ev.get('r-3')).correctedPersonId, 'p1');
    await assert.rejects(ev.identify('r-3', 'nobody'), /no person|not found|nobody/i);
  });

  it('serves the events area of the API: validated params, base64 pictures, live events.new to the hub', async () => {
    const services = assembleServices({ dataDir: h.dir, boxes: recordingBoxes() }, h.platform);
    const api = createApiHandlers(services);
    const live: Array<[string, any]> = [];
    const off = api.events.subscribe((event, payload) => live.push([event, payload]));
    try {
      await assert.rejects(api.call('events.list', { kind: 'nobody' }), (e: { code?: string }) => e.code === 'bad_params');
      await assert.rejects(api.call('events.picture', { id: 'r-3', which: 'thumb' }), (e: { code?: string }) => e.code === 'bad_params');
      await assert.rejects(api.call('events.get', { id: 'missing' }), /no event/);
      ok(await post('/record', event({ id: 'api-1', ts: Date.now(), identity: 'p1', pic: face('obama2.jpg') })));
      await until('events.new on the hub', () => live.find(([n, p]) => n === 'events.new' && p.id === 'api-1'));
      const pic = (await api.call('events.picture', { id: 'api-1', which: 'spot' })) as { type: string; data: string };
      assert.equal(pic.type, 'image/jpeg');
      assert.deepEqual(Buffer.from(pic.data, 'base64'), face('obama2.jpg'));
      const page = (await api.call('events.list', { personId: 'p1', limit: 1 })) as { total: number; events: EventView[] };
      assert.equal(page.events[0]!.id, 'api-1');
      const series = (await api.call('events.devices.metrics', { devSno, maxPoints: 2 })) as { points: unknown[] };
      assert.equal(series.points.length, 2);
    } finally {
      off();
      api.dispose();
      await Promise.allSettled([services.deploy.close(), services.photos.close(), services.broker.close()]);
    }
  });

  it('keeps events, status and alerts across a platform restart; the downtime is no box outage', async () => {
    const total = (await ev.list({})).total;
    const alertsBefore = (await ev.alerts({ all: true })).length;
    await h.close({ keep: true });
    await new Promise((r) => setTimeout(r, 4000)); // longer than 3.5 status periods
    h = await startPlatform({ autoSync: false, events: { statusPeriodS: 1 } }, { dir: h.dir, amqpPort: h.amqpPort });
    ev = h.platform.events!;
    assert.equal((await ev.list({})).total, total);
    assert.equal((await ev.retention({})).maxEvents, 100, 'the retention set through the API is the site setting');
    const [d] = await ev.devicesStatus();
    assert.equal(d!.online, true, 'within its grace after the restart');
    assert.equal(d!.captureDevices.length, 1);
    // silent since before the restart: offline 3.5 periods after the start, not at once
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await ev.alerts({ all: true })).length, alertsBefore);
    await until('the offline alert after the grace', async () => (await ev.alerts({})).length === 1, 15_000);
  });
});
