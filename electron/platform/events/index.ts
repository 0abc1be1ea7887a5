// The platform's events side (PROTOCOL §6): what the boxes report — events, device status,
// capture devices — received on the box port, stored in platform.db, read by the "events" API
// area (Events and Devices pages) and the CLI. The platform service creates one and hands it
// the people operations it needs for "enrol this stranger" and "this is X".
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AlertView, DeviceStatusView, EventView } from '../../api/events';
import type { PersonView } from '../../api/platform';
import { transaction, type PlatformDb } from '../db';
import { PlatformError } from '../errors';
import type { PersonInput } from '../people';
import type { PhotoVerdict } from '../photos';
import { levelFor } from '../../../agent/commands/enrol-check';
import type { FiqaLevel } from '../../../agent/face/types';
import { DeviceMonitor } from './monitor';
import { parseDeviceInfo, parseRecordBody, parseStatus } from './parse';
import { EventPictures } from './pictures';
import { DEFAULT_RETENTION, EventRecords, noEvent, type ReadFn, type Retention } from './records';
import type { EnrolStrangerParams, EventsService } from './types';

export type { EventsService } from './types';
export { DEFAULT_RETENTION } from './records';

/** Box-port paths of the reports (relative URLs handed out at login, PROTOCOL §3). */
export const REPORT_PATHS = { record: '/record', deviceStatus: '/deviceStatus', deviceInfo: '/deviceInfo' } as const;
export const DEFAULT_RECORD_PERIOD_S = 5;
export const DEFAULT_STATUS_PERIOD_S = 20;

const SETTING_MAX_EVENTS = 'events_max';
const SETTING_MAX_AGE = 'events_max_age_days';

/** What an operator sets (serve flags): report periods handed to boxes and the retention. */
export interface PlatformEventsSettings {
  /** recordUploadPeriod / deviceMonitorPeriod handed to boxes (s; defaults 5 and 20). */
  recordPeriodS?: number;
  statusPeriodS?: number;
  /** Retention given on the command line: stored as the site's setting at start. */
  retention?: Partial<Retention>;
}

export interface PlatformEventsOptions extends PlatformEventsSettings {
  /** The writer's connection: only inside `lock`. */
  db: PlatformDb;
  dataDir: string;
  /** The platform's one write lock (transactions never interleave on the one connection). */
  lock: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Reads on their own connections, each `fn` one committed state (core.reads, db.ts SnapshotReads). */
  read: ReadFn;
  /** FIQA check of a photo as the people service judges it. */
  /** The face engine's verdict at `level` (default high), by the box's enrolment rule. */
  checkPhoto(bytes: Uint8Array, level?: FiqaLevel): Promise<PhotoVerdict>;
  /** `alongside` runs inside the person's transaction, under the write lock (people-admin.ts). */
  savePerson(p: PersonInput, opts: { update: boolean; photos?: Uint8Array[]; alongside?: () => Promise<void> }): Promise<PersonView>;
  addPhoto(id: string, bytes: Uint8Array, alongside?: () => Promise<void>): Promise<{ person: PersonView; verdict: PhotoVerdict }>;
  getPerson(id: string): Promise<PersonView>;
  photo(sha256: string): Promise<{ bytes: Buffer; type: string } | null>;
}

export interface PlatformEvents {
  readonly service: EventsService;
  /** The login fields of PROTOCOL §2 for the reports. */
  loginFields(): { recordAddr: string; recordUploadPeriod: number; deviceInfoAddr: string; deviceMonitorAddr: string; deviceMonitorPeriod: number };
  /** Box-port handlers (the box is authenticated; bodies are parsed JSON). */
  record(devSno: string, body: unknown): Promise<void>;
  deviceStatus(devSno: string, body: unknown): Promise<void>;
  deviceInfo(devSno: string, body: unknown): Promise<void>;
  close(): Promise<void>;
}

export async function createPlatformEvents(o: PlatformEventsOptions): Promise<PlatformEvents> {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const recordPeriodS = o.recordPeriodS ?? DEFAULT_RECORD_PERIOD_S;
  const statusPeriodS = o.statusPeriodS ?? DEFAULT_STATUS_PERIOD_S;
  const records = new EventRecords(o.db, new EventPictures(o.dataDir), o.lock, o.read);
  await records.init();
  const monitor = new DeviceMonitor({
    db: o.db,
    lock: o.lock,
    read: o.read,
    periodS: () => statusPeriodS,
    onStatus: (devSno) => {
      if (bus.listenerCount('status') === 0) return;
      void monitor.view(devSno).then((v) => v && bus.emit('status', v), () => undefined);
    },
    onAlert: (a) => bus.emit('alert', a),
  });

  // retention: the stored setting, replaced by what the command line gives
  const settings = new Map((await o.read((db) => db.all<{ key: string; value: string }>('SELECT key, value FROM settings WHERE key IN (?, ?)', [SETTING_MAX_EVENTS, SETTING_MAX_AGE]))).map((r) => [r.key, Number(r.value)]));
  // both settings or neither
  const saveRetention = async (r: Retention) => {
    await o.lock(() => transaction(o.db, async () => {
      for (const [k, v] of [[SETTING_MAX_EVENTS, r.maxEvents], [SETTING_MAX_AGE, r.maxAgeDays]] as const) {
        await o.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [k, String(v)]);
      }
    }));
  };
  const initial: Retention = {
    maxEvents: o.retention?.maxEvents ?? settings.get(SETTING_MAX_EVENTS) ?? DEFAULT_RETENTION.maxEvents,
    maxAgeDays: o.retention?.maxAgeDays ?? settings.get(SETTING_MAX_AGE) ?? DEFAULT_RETENTION.maxAgeDays,
  };
  if (o.retention?.maxEvents !== undefined || o.retention?.maxAgeDays !== undefined) await saveRetention(initial);
  await records.setRetention(initial);
  const ageTimer = setInterval(() => void records.enforce().catch((err) => process.emitWarning(`event retention: ${(err as Error).message}`)), 10 * 60_000);
  ageTimer.unref();
  monitor.start();
  // pictures a crash left without an event, in the background
  let closing = false;
  const sweeping = records.sweep(() => closing).catch((err) => {
    if (!closing) process.emitWarning(`event pictures sweep: ${(err as Error).message}`);
    return 0;
  });

  async function requireEvent(id: string) {
    const e = await records.get(id);
    if (!e) throw noEvent(id);
    return e;
  }
  async function spotOf(id: string): Promise<{ view: EventView; bytes: Buffer }> {
    const e = await requireEvent(id);
    const bytes = e.row.spot_sha && e.row.spot_ext ? await records.picture(e.row.spot_sha, e.row.spot_ext) : null;
    if (!bytes) throw new PlatformError('this event has no spot picture (the box sent none, or it was not a JPEG/PNG)', 'no_picture', 409);
    return { view: e.view, bytes };
  }

  const service: EventsService = {
    list: (f) => records.list(f),
    async get(id) {
      return (await requireEvent(id)).view;
    },
    async picture(id, which) {
      if (which === 'spot') {
        const s = await spotOf(id);
        return { type: s.bytes[0] === 0x89 ? 'image/png' : 'image/jpeg', bytes: s.bytes };
      }
      const e = await requireEvent(id);
      const personId = e.row.corrected_person_id ?? e.row.enrolled_person_id ?? (e.row.identity_id || null);
      if (personId) {
        const best = await o.getPerson(personId).then((p) => p.photos.find((ph) => ph.best) ?? null, () => null);
        const ph = best ? await o.photo(best.sha256) : null;
        if (ph) return ph;
      }
      const bytes = e.row.reg_sha && e.row.reg_ext ? await records.picture(e.row.reg_sha, e.row.reg_ext) : null;
      if (!bytes) throw new PlatformError('no registration photo for this event (a stranger, or the person has no photo on this platform)', 'no_picture', 404);
      return { type: e.row.reg_ext === 'png' ? 'image/png' : 'image/jpeg', bytes };
    },
    async enrolStranger(p: EnrolStrangerParams) {
      const { view, bytes } = await spotOf(p.id);
      // judged as the box will judge it: a stranger is enrolled with register_type 2 (level custom)
      const verdict = await o.checkPhoto(bytes, levelFor(2));
      if (!verdict.passed && !p.force) return { created: false, person: null, verdict };
      const personId = p.personId ?? `stranger-${createHash('sha256').update(view.id).digest('hex').slice(0, 12)}`;
      const groups =
        p.groups ??
        (await o.read((db) => db.all<{ name: string }>('SELECT g.name FROM device_groups dg JOIN groups g ON g.id = dg.group_id WHERE dg.dev_sno = ? ORDER BY g.name', [view.devSno]))).map((g) => g.name);
      // the person, its photo and the event's mark in one transaction: an event is enrolled once
      // (a second enrol — double click, two admins — gets already_enrolled, 409, and writes nothing)
      const person = await o.savePerson(
        { id: personId, name: p.name, type: p.type ?? 2, registerType: 2, groups },
        {
          update: false,
          photos: [bytes],
          alongside: async () => {
            const mark = await records.enrolmentLocked(view.id);
            if (mark.personId !== null) {
              throw new PlatformError(`this event was already enrolled as ${mark.personName} (person id "${mark.personId}"); open that person instead`, 'already_enrolled', 409);
            }
            await records.markLocked(view.id, 'enrolled_person_id', personId);
          },
        },
      );
      return { created: true, person, verdict };
    },
    async identify(id, personId) {
      const { view, bytes } = await spotOf(id);
      await o.getPerson(personId);
      // the photo and the event's mark in one transaction (the person and the event checked again
      // in it); corrected before to someone else: the picture moves off that person in it too
      const photoSha = createHash('sha256').update(bytes).digest('hex');
      return o.addPhoto(personId, bytes, () => records.correctLocked(view.id, personId, photoSha));
    },
    async retention(set) {
      if (set.maxEvents !== undefined || set.maxAgeDays !== undefined) {
        const next = { ...records.retention, ...Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)) } as Retention;
        await saveRetention(next);
        await records.setRetention(next);
      }
      return records.retentionView();
    },
    devicesStatus: () => monitor.list(),
    metrics: (devSno, m) => monitor.metrics(devSno, m),
    alerts: (a) => monitor.alerts(a),
    onEvent(l) {
      bus.on('event', l);
      return () => bus.off('event', l);
    },
    onDeviceStatus(l: (d: DeviceStatusView) => void) {
      bus.on('status', l);
      return () => bus.off('status', l);
    },
    onAlert(l: (a: AlertView) => void) {
      bus.on('alert', l);
      return () => bus.off('alert', l);
    },
  };

  return {
    service,
    loginFields: () => ({
      recordAddr: REPORT_PATHS.record,
      recordUploadPeriod: recordPeriodS,
      deviceInfoAddr: REPORT_PATHS.deviceInfo,
      deviceMonitorAddr: REPORT_PATHS.deviceStatus,
      deviceMonitorPeriod: statusPeriodS,
    }),
    async record(devSno, body) {
      const { source, events } = parseRecordBody(body, devSno);
      const fresh = await records.ingest(devSno, source, events);
      for (const e of fresh) bus.emit('event', e);
    },
    async deviceStatus(devSno, body) {
      await monitor.report(devSno, parseStatus(body, devSno));
    },
    async deviceInfo(devSno, body) {
      const { action, device } = parseDeviceInfo(body, devSno);
      await monitor.deviceInfo(devSno, action, device);
    },
    async close() {
      closing = true;
      await sweeping;
      clearInterval(ageTimer);
      monitor.stop();
      bus.removeAllListeners();
    },
  };
}
