// Reading what a box POSTs (PROTOCOL §6): one event, a history batch, a device status report, a
// capture-device add/remove. Vendor boxes and our agent both send these; the reader is lenient
// about types the vendor examples vary (numbers as strings) and strict about shape and size.
// A bad body is a BoxHttpError (§8 envelope, 400/40091) that names the field.
import { createHash } from 'node:crypto';
import { BoxHttpError } from '../box-http';
import { photoType } from '../photos';

export const MAX_BATCH = 100;
const MAX_TEXT = 256;
const MAX_FIQA_JSON = 32 * 1024;
const MAX_SUB_DEVICES = 256;

export interface Picture {
  bytes: Buffer;
  ext: 'jpg' | 'png';
  sha256: string;
}

export interface ParsedEvent {
  /** The platform's id: ext_data.event_id, else a hash of dev_sno, ep_id, timestamp, identity_id. */
  id: string;
  epId: string;
  deviceIp: string;
  timestamp: number;
  identityId: string;
  identityName: string;
  personType: number;
  stranger: boolean;
  score: number;
  groupName: string;
  age: number | null;
  sex: number | null;
  boxFiqaJson: string | null;
  spot: Picture | null;
  reg: Picture | null;
}

const bad = (msg: string) => new BoxHttpError(400, 40091, msg);

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function text(v: unknown, max = MAX_TEXT): string {
  if (typeof v === 'string') return v.length > max ? v.slice(0, max) : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function picture(v: unknown): Picture | null {
  if (typeof v !== 'string' || v.length < 16) return null;
  const b64 = v.startsWith('data:') ? v.slice(v.indexOf(',') + 1) : v;
  const bytes = Buffer.from(b64, 'base64');
  const t = photoType(bytes);
  if (!t) return null; // not a JPEG/PNG: the event is kept without it
  return { bytes, ext: t.ext, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function dedupKey(devSno: string, epId: string, timestamp: number, identityId: string): string {
  return `k-${createHash('sha256').update(`${devSno}\n${epId}\n${timestamp}\n${identityId}`).digest('hex').slice(0, 32)}`;
}

/** One §6.3 event object; `where` names it in errors ("event", "event 7"). */
export function parseEvent(raw: unknown, devSno: string, where = 'event'): ParsedEvent {
  if (!isObj(raw)) throw bad(`${where} must be a JSON object`);
  const timestamp = num(raw.timestamp);
  if (timestamp === null || timestamp < 0 || timestamp > 8.64e15) throw bad(`${where}: timestamp must be milliseconds since the epoch`);
  const ext = raw.ext_data === undefined || raw.ext_data === null ? {} : raw.ext_data;
  if (!isObj(ext)) throw bad(`${where}: ext_data must be an object`);
  const identityId = text(raw.identity_id, 64);
  const epId = text(ext.ep_id, 200);
  const personType = num(ext.person_type) ?? (identityId ? 0 : 4);
  const score = num(raw.score) ?? 0;
  const eventIdRaw = ext.event_id;
  const eventId = typeof eventIdRaw === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(eventIdRaw) ? eventIdRaw : null;
  const fiqa = ext.box_fiqa_info;
  let boxFiqaJson: string | null = null;
  let age: number | null = null;
  let sex: number | null = null;
  if (isObj(fiqa)) {
    const j = JSON.stringify(fiqa);
    if (j.length <= MAX_FIQA_JSON) boxFiqaJson = j;
    age = num(fiqa.age);
    sex = num(fiqa.sex);
  }
  return {
    id: eventId ?? dedupKey(devSno, epId, Math.trunc(timestamp), identityId),
    epId,
    deviceIp: text(ext.device_ip, 64),
    timestamp: Math.trunc(timestamp),
    identityId,
    identityName: text(raw.identity_name),
    personType: Math.trunc(personType),
    stranger: identityId === '' || personType === 4,
    score,
    groupName: text(raw.group_name),
    age: age === null ? null : Math.trunc(age),
    sex: sex === null ? null : Math.trunc(sex),
    boxFiqaJson,
    spot: picture(ext.spot_pic),
    reg: picture(raw.reg_pic),
  };
}

/** A POST to recordAddr: one object (realtime) or an array of ≤ 100 (history). */
export function parseRecordBody(raw: unknown, devSno: string): { source: 'realtime' | 'history'; events: ParsedEvent[] } {
  if (Array.isArray(raw)) {
    if (raw.length > MAX_BATCH) throw bad(`a history batch holds at most ${MAX_BATCH} events; this one has ${raw.length}`);
    return { source: 'history', events: raw.map((e, i) => parseEvent(e, devSno, `event ${i}`)) };
  }
  if (isObj(raw)) return { source: 'realtime', events: [parseEvent(raw, devSno)] };
  throw bad('an event is a JSON object, a history batch a JSON array of events');
}

export interface ParsedCaptureDevice {
  epId: string;
  epIp: string;
  name: string;
  type: string;
  status: 'online' | 'offline' | 'unknown';
  location: string;
  streamUrl: string;
  direction: number | null;
  version: string;
}

export interface ParsedStatus {
  gatewayIp: string;
  gatewayName: string;
  gatewaySn: string;
  mac: string;
  swVersion: string;
  sdkVersion: string;
  cpu: number | null;
  memSize: number | null;
  memUsage: number | null;
  diskSize: number | null;
  diskFree: number | null;
  subDevices: ParsedCaptureDevice[];
}

function statusWord(v: unknown): 'online' | 'offline' | 'unknown' {
  const s = text(v, 16).toLowerCase();
  if (s === 'online' || s === '1') return 'online';
  if (s === 'offline' || s === '2') return 'offline';
  return 'unknown';
}

function epIdOf(devSno: string, epId: string, epIp: string): string {
  return epId || (epIp ? `${devSno}__${epIp}` : '');
}

/** §6.1 device status. */
export function parseStatus(raw: unknown, devSno: string): ParsedStatus {
  if (!isObj(raw)) throw bad('a device status report must be one JSON object');
  const x = raw.gateway_ext_data ?? {};
  if (!isObj(x)) throw bad('gateway_ext_data must be an object');
  const subs = raw.sub_devices ?? [];
  if (!Array.isArray(subs)) throw bad('sub_devices must be a list');
  if (subs.length > MAX_SUB_DEVICES) throw bad(`at most ${MAX_SUB_DEVICES} sub_devices`);
  const subDevices = subs.map((s, i) => {
    if (!isObj(s)) throw bad(`sub_devices ${i} must be an object`);
    const epIp = text(s.ep_ip, 64);
    const epId = epIdOf(devSno, text(s.ep_id, 200), epIp);
    if (!epId) throw bad(`sub_devices ${i}: give ep_id or ep_ip`);
    return { epId, epIp, name: text(s.ep_name), type: text(s.ep_type, 8), status: statusWord(s.ep_status), location: text(s.ep_location), streamUrl: text(s.ep_url, 1024), direction: null, version: '' };
  });
  return {
    gatewayIp: text(raw.gateway_ip, 64),
    gatewayName: text(raw.gateway_name),
    gatewaySn: text(raw.gateway_sn, 64),
    mac: text(x.gateway_mac, 32),
    swVersion: text(x.sw_version, 64),
    sdkVersion: text(x.sdk_version, 64),
    cpu: num(x.cpu_usage),
    memSize: num(x.memory_size),
    memUsage: num(x.memory_usage),
    diskSize: num(x.disk_size),
    diskFree: num(x.disk_free_size),
    subDevices,
  };
}

/** §6.2 capture device added (1) / removed (2). */
export function parseDeviceInfo(raw: unknown, devSno: string): { action: 'add' | 'remove'; device: ParsedCaptureDevice } {
  if (!isObj(raw)) throw bad('a device info report must be one JSON object');
  const action = num(raw.actionType);
  if (action !== 1 && action !== 2) throw bad('actionType must be 1 (added) or 2 (removed)');
  const d = raw.deviceInfo;
  if (!isObj(d)) throw bad('deviceInfo must be an object');
  const epIp = text(d.epIp, 64);
  const epId = epIdOf(devSno, text(d.epId, 200), epIp);
  if (!epId) throw bad('deviceInfo: give epId or epIp');
  const direction = num(d.direction);
  return {
    action: action === 1 ? 'add' : 'remove',
    device: {
      epId,
      epIp,
      name: text(d.epName),
      type: text(d.epType, 8),
      status: statusWord(d.epStatus),
      location: text(d.epGroupName),
      streamUrl: text(d.epStreamUrl, 1024),
      direction: direction === 0 || direction === 1 ? direction : null,
      version: text(d.epVersion, 64),
    },
  };
}
