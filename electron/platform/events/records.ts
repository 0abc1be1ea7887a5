// Stored events (platform.db `events`): ingest with dedup (a realtime event and its history copy
// are one row: ext_data.event_id, else the dev_sno/ep_id/timestamp/identity_id key), pictures on
// disk, retention by count and age (pictures deleted with their last event), and the reads of
// the Events page and the CLI. Retention goes by when the platform received an event
// (received_at), not by the box's timestamp: a box whose clock is far behind would otherwise
// have its events deleted on arrival (age) or first (count). Display and filters keep the box's time.
import type { EventFilter, EventPage, EventView, RetentionView } from '../../api/events';
import { transaction, type PlatformDb } from '../db';
import type { ParsedEvent } from './parse';
import type { EventPictures } from './pictures';

export interface EventRow {
  id: string;
  dev_sno: string;
  ep_id: string;
  device_ip: string;
  ts: number;
  received_at: number;
  identity_id: string;
  identity_name: string;
  person_type: number;
  stranger: number;
  score: number;
  group_name: string;
  age: number | null;
  sex: number | null;
  box_fiqa_json: string | null;
  spot_sha: string | null;
  spot_ext: string | null;
  reg_sha: string | null;
  reg_ext: string | null;
  pic_bytes: number;
  realtime: number;
  history: number;
  corrected_person_id: string | null;
  enrolled_person_id: string | null;
}

export interface Retention {
  maxEvents: number;
  maxAgeDays: number;
}

export const DEFAULT_RETENTION: Retention = { maxEvents: 100_000, maxAgeDays: 90 };
const DELETE_CHUNK = 500;

const VIEW_SQL = `SELECT e.*, COALESCE(d.name, '') AS box_name,
  EXISTS (SELECT 1 FROM photos ph WHERE ph.person_id = COALESCE(e.corrected_person_id, e.enrolled_person_id, NULLIF(e.identity_id, ''))) AS has_person_photo
  FROM events e LEFT JOIN devices d ON d.dev_sno = e.dev_sno`;

type ViewRow = EventRow & { box_name: string; has_person_photo: number };

function viewOf(r: ViewRow): EventView {
  let boxFiqa: Record<string, unknown> | null = null;
  try {
    boxFiqa = r.box_fiqa_json ? (JSON.parse(r.box_fiqa_json) as Record<string, unknown>) : null;
  } catch {
    boxFiqa = null;
  }
  return {
    id: r.id,
    devSno: r.dev_sno,
    boxName: r.box_name,
    epId: r.ep_id,
    deviceIp: r.device_ip,
    timestamp: r.ts,
    receivedAt: r.received_at,
    identityId: r.identity_id,
    identityName: r.identity_name,
    personType: r.person_type,
    stranger: r.stranger === 1,
    score: r.score,
    groupName: r.group_name,
    age: r.age,
    sex: r.sex,
    boxFiqa,
    hasSpotPic: r.spot_sha !== null,
    hasRegPhoto: r.has_person_photo === 1 || r.reg_sha !== null,
    source: r.realtime && r.history ? 'both' : r.realtime ? 'realtime' : 'history',
    correctedPersonId: r.corrected_person_id,
    enrolledPersonId: r.enrolled_person_id,
  };
}

export class EventRecords {
  private count = 0;
  private bytes = 0;
  retention: Retention = { ...DEFAULT_RETENTION };

  constructor(
    private readonly db: PlatformDb,
    private readonly pics: EventPictures,
    private readonly lock: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {}

  async init(): Promise<void> {
    const r = await this.db.get<{ n: number; b: number | null }>('SELECT count(*) AS n, sum(pic_bytes) AS b FROM events');
    this.count = r?.n ?? 0;
    this.bytes = r?.b ?? 0;
    // the retention's order (an index of its own: platform.db's migration list is the site's)
    await this.db.exec('CREATE INDEX IF NOT EXISTS events_received ON events(received_at)');
  }

  /** Stores the new events of a POST (duplicates only gain their source flag); returns the new ones. */
  async ingest(devSno: string, source: 'realtime' | 'history', events: ParsedEvent[]): Promise<EventView[]> {
    const fresh = await this.lock(async () => {
      const now = Date.now();
      const known = new Map<string, string>();
      const ids = events.map((e) => e.id);
      for (let i = 0; i < ids.length; i += 200) {
        const part = ids.slice(i, i + 200);
        const rows = await this.db.all<{ id: string; dev_sno: string }>(`SELECT id, dev_sno FROM events WHERE id IN (${part.map(() => '?').join(',')})`, part);
        for (const r of rows) known.set(r.id, r.dev_sno);
      }
      const todo: ParsedEvent[] = [];
      const seen = new Set<string>();
      for (const e of events) {
        if (known.has(e.id) || seen.has(e.id)) continue;
        seen.add(e.id);
        todo.push(e);
      }
      // pictures first (content-addressed, idempotent): a crash leaves at worst an unreferenced file
      for (const e of todo) {
        if (e.spot) await this.pics.put(e.spot);
        if (e.reg) await this.pics.put(e.reg);
      }
      const flag = source === 'realtime' ? 'realtime' : 'history';
      await transaction(this.db, async () => {
        for (const [id, dev] of known) if (dev === devSno) await this.db.run(`UPDATE events SET ${flag} = 1 WHERE id = ?`, [id]);
        for (const e of todo) {
          const picBytes = (e.spot?.bytes.length ?? 0) + (e.reg?.bytes.length ?? 0);
          await this.db.run(
            `INSERT INTO events (id, dev_sno, ep_id, device_ip, ts, received_at, identity_id, identity_name, person_type, stranger, score, group_name,
               age, sex, box_fiqa_json, spot_sha, spot_ext, reg_sha, reg_ext, pic_bytes, realtime, history)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [e.id, devSno, e.epId, e.deviceIp, e.timestamp, now, e.identityId, e.identityName, e.personType, e.stranger ? 1 : 0, e.score, e.groupName,
             e.age, e.sex, e.boxFiqaJson, e.spot?.sha256 ?? null, e.spot?.ext ?? null, e.reg?.sha256 ?? null, e.reg?.ext ?? null, picBytes,
             source === 'realtime' ? 1 : 0, source === 'history' ? 1 : 0],
          );
          this.count++;
          this.bytes += picBytes;
        }
      });
      await this.enforceLocked();
      return todo.map((e) => e.id);
    });
    if (fresh.length === 0) return [];
    return this.views(fresh);
  }

  private async views(ids: string[]): Promise<EventView[]> {
    const out: EventView[] = [];
    for (let i = 0; i < ids.length; i += 200) {
      const part = ids.slice(i, i + 200);
      const rows = await this.db.all<ViewRow>(`${VIEW_SQL} WHERE e.id IN (${part.map(() => '?').join(',')}) ORDER BY e.ts, e.rowid`, part);
      out.push(...rows.map(viewOf));
    }
    return out;
  }

  /** Deletes events beyond the retention (oldest first) and pictures no event refers to any more. Call inside the lock. */
  private async enforceLocked(): Promise<void> {
    const { maxEvents, maxAgeDays } = this.retention;
    for (;;) {
      let victims: Array<{ id: string; spot_sha: string | null; spot_ext: string | null; reg_sha: string | null; reg_ext: string | null; pic_bytes: number }> = [];
      if (maxAgeDays > 0) {
        victims = await this.db.all('SELECT id, spot_sha, spot_ext, reg_sha, reg_ext, pic_bytes FROM events WHERE received_at < ? ORDER BY received_at, rowid LIMIT ?', [Date.now() - maxAgeDays * 86_400_000, DELETE_CHUNK]);
      }
      if (victims.length === 0 && maxEvents > 0 && this.count > maxEvents) {
        victims = await this.db.all('SELECT id, spot_sha, spot_ext, reg_sha, reg_ext, pic_bytes FROM events ORDER BY received_at, rowid LIMIT ?', [Math.min(DELETE_CHUNK, this.count - maxEvents)]);
      }
      if (victims.length === 0) return;
      await transaction(this.db, async () => {
        for (const v of victims) await this.db.run('DELETE FROM events WHERE id = ?', [v.id]);
      });
      this.count -= victims.length;
      for (const v of victims) this.bytes -= v.pic_bytes;
      const pics = new Map<string, string>();
      for (const v of victims) {
        if (v.spot_sha && v.spot_ext) pics.set(v.spot_sha, v.spot_ext);
        if (v.reg_sha && v.reg_ext) pics.set(v.reg_sha, v.reg_ext);
      }
      for (const [sha, ext] of pics) {
        const used = await this.db.get('SELECT 1 FROM events WHERE spot_sha = ? OR reg_sha = ? LIMIT 1', [sha, sha]);
        if (!used) await this.pics.remove(sha, ext);
      }
    }
  }

  enforce(): Promise<void> {
    return this.lock(() => this.enforceLocked());
  }

  async setRetention(r: Partial<Retention>): Promise<void> {
    this.retention = { ...this.retention, ...Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) };
    await this.enforce();
  }

  retentionView(): RetentionView {
    return { ...this.retention, events: this.count, pictureBytes: this.bytes };
  }

  async list(f: EventFilter): Promise<EventPage> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (f.devSno) (where.push('e.dev_sno = ?'), args.push(f.devSno));
    if (f.epId) (where.push('e.ep_id = ?'), args.push(f.epId));
    if (f.personId) (where.push('(e.identity_id = ? OR e.corrected_person_id = ? OR e.enrolled_person_id = ?)'), args.push(f.personId, f.personId, f.personId));
    if (f.kind === 'known') where.push('e.stranger = 0');
    if (f.kind === 'stranger') where.push('e.stranger = 1');
    if (f.since !== undefined) (where.push('e.ts >= ?'), args.push(f.since));
    if (f.until !== undefined) (where.push('e.ts < ?'), args.push(f.until));
    if (f.receivedSince !== undefined) (where.push('e.received_at >= ?'), args.push(f.receivedSince));
    const w = where.length ? ` WHERE ${where.join(' AND ')}` : '';
    const total = (await this.db.get<{ n: number }>(`SELECT count(*) AS n FROM events e${w}`, args))?.n ?? 0;
    const rows = await this.db.all<ViewRow>(`${VIEW_SQL}${w} ORDER BY e.ts DESC, e.rowid DESC LIMIT ? OFFSET ?`, [...args, f.limit ?? 100, f.offset ?? 0]);
    return { total, events: rows.map(viewOf) };
  }

  async get(id: string): Promise<{ view: EventView; row: EventRow } | null> {
    const row = await this.db.get<ViewRow>(`${VIEW_SQL} WHERE e.id = ?`, [id]);
    return row ? { view: viewOf(row), row } : null;
  }

  async mark(id: string, field: 'corrected_person_id' | 'enrolled_person_id', personId: string): Promise<void> {
    await this.lock(() => this.db.run(`UPDATE events SET ${field} = ? WHERE id = ?`, [personId, id]));
  }

  picture(sha: string, ext: string): Promise<Buffer | null> {
    return this.pics.read(sha, ext);
  }
}
