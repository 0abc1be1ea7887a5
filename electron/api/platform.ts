// API contract, "platform" area: the site platform — devices (authorisation codes), people,
// permission groups, sync to the boxes, wipe. Types and name lists only (no runtime
// dependencies: the sandboxed preload and the renderer import this).

export type ResultsMode = 'queue' | 'notify' | 'none';

/** The most CSV text one `platform.people.import` call takes (20 MiB); the CLI says so before sending a larger file. */
export const IMPORT_CSV_MAX_CHARS = 20 * 1024 * 1024;

export interface PlatformStatus {
  /** The box-facing HTTP port (login, user details, photos, results). */
  boxPort: number;
  /** What to set as a box's LoginUrl: this machine's addresses on the box port (LAN first, loopback last). */
  loginUrls: string[];
  broker: { kind: 'embedded' | 'external'; port: number };
  /** How boxes return results: their upload queue, HTTP notify_path, or not at all (one-way). */
  resultsMode: ResultsMode;
  /** add_users_plus carries the records inline (user_info_list) instead of ids. */
  inlineUsers: boolean;
  devices: number;
  people: number;
}

export interface DeviceView {
  devSno: string;
  name: string;
  enabled: boolean;
  /** The bound MAC (aa:bb:…), null until the first login or after a release. */
  mac: string | null;
  lastLoginAt: number | null;
  lastLoginAddr: string | null;
  lastSeenAt: number | null;
  /** Consuming its command queue now, or seen (login, request, result) in the last 90 s. */
  online: boolean;
  /** 'ready': the box's broker login (user, permissions) and queues exist on the broker now, so
   *  the box can connect — it says nothing of whether it has; 'revoked' (code disabled), 'not
   *  ready' (the broker is not running or the queues are gone; made again at the box's next
   *  login), 'failed' — each with brokerError. */
  brokerState: string;
  brokerError: string | null;
  /** The box holds its broker connection now (it consumes its command queue): commands reach it. */
  brokerConnected: boolean;
  groups: string[];
  /** People per state on this box (pending, enrolled, failed, noanswer, sent, deleting, unsent, held: not sent, the photo fails the check; removing / removed: held after being sent, being deleted from the box / deleted from it) + assigned. */
  sync: Record<string, number>;
}

export interface PhotoVerdictView {
  passed: boolean;
  score: number;
  code: number;
  message: string;
  fails: string[];
  reasons: Array<{ check: string; reason: string; hint?: string }>;
  /** The FIQA level it was judged at: the one the box enrols the person with (register_type 1 high, 2 custom); absent on verdicts stored before it was recorded. */
  level?: 'high' | 'custom' | 'middle' | 'low' | 'no';
}

export interface PersonPhotoView {
  sha256: string;
  bytes: number;
  /** The one boxes are sent (passing first, then the highest FIQA score). */
  best: boolean;
  verdict: PhotoVerdictView;
}

export interface PersonBoxState {
  devSno: string;
  /** The box's name on this site ('' when it has none). */
  name: string;
  state: string;
  code: number | null;
  message: string | null;
}

export interface PersonView {
  id: string;
  name: string;
  type: number;
  registerType: number;
  info: Record<string, unknown>;
  groups: string[];
  photos: PersonPhotoView[];
  boxes: PersonBoxState[];
  updatedAt: number;
}

export interface SyncSummary {
  devSno: string;
  name: string;
  mac: string | null;
  counts: Record<string, number>;
}

export interface SyncReport {
  devSno: string;
  added: number;
  deleted: number;
  unchanged: number;
  commands: number;
  /** People newly held back this sync: their photo fails the check the box enrols with (not sent). */
  held?: number;
  /** People deleted from the box this sync because their photo now fails the check (they were sent before; removing, then removed). */
  removed?: number;
  error: string | null;
}

export interface PersonParams {
  id: string;
  name: string;
  type?: number;
  registerType?: number;
  info?: Record<string, unknown>;
  groups?: string[];
  /** Photo files, base64 (JPEG or PNG, each at most 10 MB). */
  photos?: string[];
}

export interface ImportReport {
  added: number;
  updated: number;
  failed: Array<{ line: number; id: string | null; error: string }>;
  /** Imported people whose best photo failed the check. */
  photoFailed: Array<{ id: string; message: string }>;
  /** The counts in words, e.g. "2 added, 0 updated, 1 row failed, 1 photo fails the check" (what the page and the CLI print). */
  summary: string;
}

/** One box being commissioned ("Add to this site" / `se3kit platform commission`). */
export interface CommissionProgress {
  /** The box as given (ip, ip:port, host name or MAC). */
  host: string;
  step: 'contacting' | 'configuring' | 'logging-in' | 'broker' | 'done' | 'failed';
  devSno: string | null;
  loginUrl: string | null;
  done: boolean;
  ok: boolean;
  /** What is happening, or the plain reason it failed (unreachable, refused: MAC already bound, broker…). */
  message: string;
}

/** Methods of this area: name → [params, result]. */
export interface PlatformMethods {
  'platform.status': [Record<string, never>, PlatformStatus];
  'platform.settings': [{ resultsMode?: ResultsMode; inlineUsers?: boolean }, PlatformStatus];
  'platform.devices.list': [Record<string, never>, DeviceView[]];
  'platform.devices.add': [{ name?: string }, DeviceView];
  'platform.devices.enable': [{ devSno: string; enabled: boolean }, DeviceView];
  'platform.devices.rename': [{ devSno: string; name: string }, DeviceView];
  'platform.devices.release': [{ devSno: string }, DeviceView];
  'platform.devices.remove': [{ devSno: string }, { removed: string }];
  'platform.devices.assign': [{ devSno: string; group: string }, DeviceView];
  'platform.devices.unassign': [{ devSno: string; group: string }, DeviceView];
  /** `id`: the group's permission id on the boxes (a person's `permission_ids`; what a capture device's `permission_ids` name). */
  'platform.groups.list': [Record<string, never>, Array<{ id: number; name: string; members: number; devices: number }>];
  'platform.groups.add': [{ name: string }, { name: string }];
  'platform.groups.rename': [{ name: string; to: string }, { name: string }];
  'platform.groups.delete': [{ name: string }, { deleted: string }];
  'platform.people.list': [{ search?: string; group?: string; limit?: number; offset?: number }, { total: number; people: PersonView[] }];
  'platform.people.get': [{ id: string }, PersonView];
  'platform.people.add': [PersonParams, PersonView];
  'platform.people.update': [PersonParams, PersonView];
  'platform.people.delete': [{ id: string }, { deleted: string }];
  'platform.people.addPhoto': [{ id: string; photo: string }, { person: PersonView; verdict: PhotoVerdictView }];
  'platform.people.removePhoto': [{ id: string; sha256: string }, PersonView];
  /** A stored photo as base64 (for thumbnails). */
  'platform.people.photo': [{ sha256: string }, { type: string; data: string }];
  /** CSV (id,name[,groups][,photo][,type]) + a folder on the server's machine holding the photos. */
  /** Imports people from a CSV; `progressId` tags its platform.import progress events (rows done of total). */
  'platform.people.import': [{ csv: string; photosDir?: string; progressId?: string }, ImportReport];
  'platform.sync': [{ devSno?: string }, SyncReport[]];
  'platform.sync.summary': [Record<string, never>, SyncSummary[]];
  'platform.wipe': [{ devSno: string; users: boolean; events: boolean }, { messageId: string }];
  /** Commissions boxes; resolves when each has logged in with its broker channel up, or failed (progress: platform.commission events). */
  'platform.commission': [{ hosts: string[]; port?: number; timeoutS?: number }, CommissionProgress[]];
}

/** Events of this area: name → payload. */
export interface PlatformEvents {
  /** Something changed: 'devices' | 'people' | 'groups' | 'sync' (pages re-read). */
  'platform.changed': { what: string };
  /** A commissioning step of one box. */
  'platform.commission': CommissionProgress;
  /** A CSV import's rows done (each photo checked) of its total, for the import that gave `progressId`. */
  'platform.import': { progressId: string; done: number; total: number };
}

export const PLATFORM_METHODS: Record<keyof PlatformMethods, true> = {
  'platform.status': true,
  'platform.settings': true,
  'platform.devices.list': true,
  'platform.devices.add': true,
  'platform.devices.enable': true,
  'platform.devices.rename': true,
  'platform.devices.release': true,
  'platform.devices.remove': true,
  'platform.devices.assign': true,
  'platform.devices.unassign': true,
  'platform.groups.list': true,
  'platform.groups.add': true,
  'platform.groups.rename': true,
  'platform.groups.delete': true,
  'platform.people.list': true,
  'platform.people.get': true,
  'platform.people.add': true,
  'platform.people.update': true,
  'platform.people.delete': true,
  'platform.people.addPhoto': true,
  'platform.people.removePhoto': true,
  'platform.people.photo': true,
  'platform.people.import': true,
  'platform.sync': true,
  'platform.sync.summary': true,
  'platform.wipe': true,
  'platform.commission': true,
};
export const PLATFORM_EVENTS: Record<keyof PlatformEvents, true> = { 'platform.changed': true, 'platform.commission': true, 'platform.import': true };

