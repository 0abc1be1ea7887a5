// A box played over the platform's box port exactly as a box does it: the §2 login (keeping the
// report URLs, token and status period it hands out), then §6.1 status, §6.2 capture devices and
// §6.3 events POSTed to those URLs with dev_sno and token. Bodies are the vendor's shapes; spot
// pictures are fixture faces. Shared by the platform events tests that run against `se3kit serve`.
import assert from 'node:assert/strict';
import { face } from '../fiqa/fixtures';
import { http, type Reply } from './harness';

export interface BoxDouble {
  devSno: string;
  name: string;
  token: string;
  base: string;
  recordUrls: string[];
  monitorUrl: string;
  infoUrl: string;
  periodS: number;
}

/** The box logs in (§2) on the box port and keeps what the login handed out. */
export async function boxLogin(boxPort: number, devSno: string, name: string, mac: string): Promise<BoxDouble> {
  const base = `http://127.0.0.1:${boxPort}`;
  const r = await http(`${base}/login?dev_sno=${devSno}&hex_mac=${mac}`);
  assert.equal(r.status, 200, r.body.toString());
  const b = r.json();
  assert.ok(b.recordAddr, `the login names recordAddr: ${r.body.toString()}`);
  assert.ok(b.deviceMonitorAddr, 'the login names deviceMonitorAddr');
  assert.ok(b.deviceInfoAddr, 'the login names deviceInfoAddr');
  const abs = (u: string) => (/^https?:\/\//.test(u) ? u : `${base}${u}`);
  return {
    devSno,
    name,
    token: b.token,
    base,
    recordUrls: String(b.recordAddr).split(',').map((u) => abs(u.trim())),
    monitorUrl: abs(b.deviceMonitorAddr),
    infoUrl: abs(b.deviceInfoAddr),
    periodS: Number(b.deviceMonitorPeriod ?? 20),
  };
}

export const withAuth = (box: BoxDouble, url: string, token = box.token) => `${url}${url.includes('?') ? '&' : '?'}dev_sno=${box.devSno}&token=${encodeURIComponent(token)}`;

/** POSTs a JSON report as the box (its token unless given) and returns the reply. */
export function send(box: BoxDouble, url: string, body: unknown, token?: string): Promise<Reply> {
  return http(withAuth(box, url, token), { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
}

/** POSTs a report and expects the vendor's ok answer. */
export async function post(box: BoxDouble, url: string, body: unknown): Promise<void> {
  const r = await send(box, url, body);
  assert.equal(r.status, 200, `${url}: ${r.status} ${r.body.toString()}`);
  assert.deepEqual(r.json(), { status: 0, message: 'ok', data: null });
}

/** A §6.3 event as a box sends it; a stranger when no person id is given. */
export function eventBody(box: BoxDouble, o: { ip: string; pic?: string; id?: string; name?: string; score: number; at?: number; eventId?: string }) {
  const stranger = !o.id;
  return {
    identity_id: o.id ?? '',
    identity_name: o.name ?? '',
    group_name: stranger ? '' : 'staff',
    reg_pic: '',
    timestamp: o.at ?? Date.now(),
    score: o.score,
    ext_data: {
      device_ip: o.ip,
      ep_id: `${box.devSno}__${o.ip}`,
      spot_pic: o.pic ? face(o.pic).toString('base64') : '',
      person_type: stranger ? 4 : 1,
      device_type: '1',
      dev_sno: box.devSno,
      ...(o.eventId ? { event_id: o.eventId } : {}),
      grab_fiqa_info: {},
      box_fiqa_info: { age: 40, sex: 0, info: {}, fiqa_result: true, success: [], fails: [] },
    },
  };
}

/** A §6.1 status report with the given CPU figure (the others follow it) and capture devices. */
export function statusBody(box: BoxDouble, cpu: number, ips: string[]) {
  return {
    gateway_ip: '192.168.1.251',
    gateway_name: box.name,
    gateway_status: 'online',
    gateway_sn: 'SZCCKQRAIJBAH0002',
    dev_sno: box.devSno,
    gateway_ext_data: {
      sw_version: '0.9.0',
      sdk_version: '1.1.56d1e91',
      gateway_mac: 'e0:a5:09:00:0e:6d',
      cpu_usage: cpu,
      memory_size: 1.55,
      memory_usage: 0.5 + cpu / 400,
      disk_size: 10.39,
      disk_free_size: 9.41 - cpu / 100,
    },
    sub_devices: ips.map((ip, i) => ({
      ep_id: `${box.devSno}__${ip}`,
      ep_name: `camera ${i + 1}`,
      ep_ip: ip,
      ep_status: 'online',
      ep_location: i === 0 ? 'main entrance' : 'car park',
      ep_type: '1',
      ep_url: `rtsp://${ip}:554/ch2`,
    })),
  };
}

/** A §6.2 capture-device report: added (actionType 1) or removed (2). */
export function deviceInfoBody(box: BoxDouble, action: 'add' | 'remove', ip: string, name = 'side camera') {
  return {
    actionType: action === 'add' ? 1 : 2,
    deviceInfo: {
      epId: `${box.devSno}__${ip}`,
      devSno: box.devSno,
      direction: 1,
      epType: '1',
      epName: name,
      epIp: ip,
      epStatus: '1',
      epVersion: 'v2',
      epGroupName: 'yard',
      epStreamUrl: `rtsp://${ip}:554/ch1`,
    },
  };
}
