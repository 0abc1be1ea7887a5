// Stored events (platform.db `events`): ingest with dedup (a realtime event and its history copy
// are one row: ext_data.event_id, else the dev_sno/ep_id/timestamp/identity_id key), pictures on
// disk, retention by count and age (pictures deleted with their last event), and the reads of
// the Events page and the CLI. Retention goes by when the platform received an event
// (received_at), not by the box's timestamp: a box whose clock is far behind would otherwise
// have its events deleted on arrival (age) or first (count). Display and filters keep the box's time.
import type { EventFilter, EventPage, EventView, RetentionView } from '../../api/events';
import { transaction, type PlatformDb } from '../db';
import { PlatformError } from '../errors';
import type { ParsedEvent, Picture } from './parse';
import type { EventPictures } from './pictures';

export function noEvent(id: string): PlatformError {
  return new PlatformError(`there is no event "${id}" (it may have been deleted by the retention)`, 'no_event', 404);
}

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

// A box reports a platform-synced person's group as its permission id (the platform's group id,
// `se3kit platform groups list`): shown by the group's name, the id kept beside it. A group_name
// that is a group's name as it stands (a box's own group) is left as it is.
const VIEW_SQL = `SELECT e.*, COALESCE(d.name, '') AS box_name,
  EXISTS (SELECT 1 FROM photos ph WHERE ph.person_id = COALESCE(e.corrected_person_id, e.enrolled_person_id, NULLIF(e.identity_id, ''))) AS has_person_photo,
  gi.id AS group_id, gi.name AS group_by_id, gn.id AS group_id_by_name
  FROM events e LEFT JOIN devices d ON d.dev_sno = e.dev_sno
  LEFT JOIN groups gn ON gn.name = e.group_name
  LEFT JOIN groups gi ON gn.id IS NULL AND CAST(gi.id AS TEXT) = e.group_name`;

type ViewRow = EventRow & { box_name: string; has_person_photo: number; group_id: number | null; group_by_id: string | null; group_id_by_name: number | null };

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
    groupName: r.group_by_id ?? r.group_name,
    groupId: r.group_id ?? r.group_id_by_name,
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

/** Reads on their own connections, each one committed state (db.ts SnapshotReads). */
export type ReadFn = <T>(fn: (db: PlatformDb) => Promise<T>) => Promise<T>;

interface Victim {
  id: string;
  spot_sha: string | null;
  spot_ext: string | null;
  reg_sha: string | null;
  reg_ext: string | null;
  pic_bytes: number;
}

/** What one retention step deleted (committed with its transaction) and the pictures left unreferenced. */
interface Retired {
  events: number;
  bytes: number;
  pictures: Map<string, string>;
}

export class EventRecords {
  private count = 0;
  private bytes = 0;
  retention: Retention = { ...DEFAULT_RETENTION };

  constructor(
    /** The writer's connection: only inside `lock`. */
    private readonly db: PlatformDb,
    private readonly pics: EventPictures,
    private readonly lock: <T>(fn: () => Promise<T>) => Promise<T>,
    private readonly read: ReadFn,
  ) {}

  async init(): Promise<void> {
    await this.lock(async () => {
      const r = await this.db.get<{ n: number; b: number | null }>('SELECT count(*) AS n, sum(pic_bytes) AS b FROM events');
      this.count = r?.n ?? 0;
      this.bytes = r?.b ?? 0;
      // the retention's order (an index of its own: platform.db's migration list is the site's)
      await this.db.exec('CREATE INDEX IF NOT EXISTS events_received ON events(received_at)');
    });
  }

  /**
   * Stores the new events of a POST (duplicates only gain their source flag) and applies the
   * count/age retention, all in one transaction: a reader sees the whole batch or none of it,
   * and a failure half-way leaves nothing of it (the box sends the batch again). Returns the new
   * events. Pictures are written before the rows that refer to them and deleted after the rows
   * that referred to them are gone, so a crash leaves at worst a file no event refers to.
   */
  async ingest(devSno: string, source: 'realtime' | 'history', events: ParsedEvent[]): Promise<EventView[]> {
    const flag = source === 'realtime' ? 'realtime' : 'history';
    const fresh = await this.lock(async () => {
      const written: Picture[] = [];
      let done: { ids: string[]; added: number; addedBytes: number; retired: Retired | null };
      try {
        done = await transaction(this.db, async () => {
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
          for (const e of todo) {
            for (const p of [e.spot, e.reg]) if (p && (await this.pics.put(p))) written.push(p);
          }
          for (const [id, dev] of known) if (dev === devSno) await this.db.run(`UPDATE events SET ${flag} = 1 WHERE id = ?`, [id]);
          let addedBytes = 0;
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
            addedBytes += picBytes;
          }
          const retired = await this.retireStep(this.count + todo.length);
          return { ids: todo.map((e) => e.id), added: todo.length, addedBytes, retired };
        });
      } catch (err) {
        // rolled back: the pictures this batch wrote that no stored event refers to go as well
        for (const p of written) if (!(await this.referenced(p.sha256).catch(() => true))) await this.pics.remove(p.sha256, p.ext);
        throw err;
      }
      this.count += done.added;
      this.bytes += done.addedBytes;
      if (done.retired) await this.retired(done.retired);
      // what one step did not reach (a retention just lowered by far): in steps of its own
      if (done.retired?.events === DELETE_CHUNK) await this.enforceLocked();
      return done.ids;
    });
    if (fresh.length === 0) return [];
    return this.read((db) => this.views(db, fresh));
  }

  private async views(db: PlatformDb, ids: string[]): Promise<EventView[]> {
    const out: EventView[] = [];
    for (let i = 0; i < ids.length; i += 200) {
      const part = ids.slice(i, i + 200);
      const rows = await db.all<ViewRow>(`${VIEW_SQL} WHERE e.id IN (${part.map(() => '?').join(',')}) ORDER BY e.ts, e.rowid`, part);
      out.push(...rows.map(viewOf));
    }
    return out;
  }

  /** Whether a stored event refers to the picture (writer's connection, inside the lock). */
  private async referenced(sha: string): Promise<boolean> {
    return !!(await this.db.get('SELECT 1 FROM events WHERE spot_sha = ? OR reg_sha = ? LIMIT 1', [sha, sha]));
  }

  /**
   * One retention step inside the caller's transaction: deletes up to DELETE_CHUNK events beyond
   * the retention (oldest received first; `count` is the table's size in this transaction) and
   * names the pictures no event refers to any more — deleted only once this has committed.
   */
  private async retireStep(count: number): Promise<Retired | null> {
    const { maxEvents, maxAgeDays } = this.retention;
    const cols = 'SELECT id, spot_sha, spot_ext, reg_sha, reg_ext, pic_bytes FROM events';
    let victims: Victim[] = [];
    if (maxAgeDays > 0) victims = await this.db.all<Victim>(`${cols} WHERE received_at < ? ORDER BY received_at, rowid LIMIT ?`, [Date.now() - maxAgeDays * 86_400_000, DELETE_CHUNK]);
    if (victims.length === 0 && maxEvents > 0 && count > maxEvents) victims = await this.db.all<Victim>(`${cols} ORDER BY received_at, rowid LIMIT ?`, [Math.min(DELETE_CHUNK, count - maxEvents)]);
    if (victims.length === 0) return null;
    for (const v of victims) await this.db.run('DELETE FROM events WHERE id = ?', [v.id]);
    const candidates = new Map<string, string>();
    for (const v of victims) {
      if (v.spot_sha && v.spot_ext) candidates.set(v.spot_sha, v.spot_ext);
      if (v.reg_sha && v.reg_ext) candidates.set(v.reg_sha, v.reg_ext);
    }
    const pictures = new Map<string, string>();
    for (const [sha, ext] of candidates) if (!(await this.referenced(sha))) pictures.set(sha, ext);
    return { events: victims.length, bytes: victims.reduce((n, v) => n + v.pic_bytes, 0), pictures };
  }

  /** After a retention step committed: the counters, then the files (inside the lock: no new reference can appear meanwhile). */
  private async retired(r: Retired): Promise<void> {
    this.count -= r.events;
    this.bytes -= r.bytes;
    for (const [sha, ext] of r.pictures) await this.pics.remove(sha, ext);
  }

  /** Deletes events beyond the retention, a transaction per step, and the pictures no event refers to any more. Call inside the lock. */
  private async enforceLocked(): Promise<void> {
    for (;;) {
      const r = await transaction(this.db, () => this.retireStep(this.count));
      if (!r) return;
      await this.retired(r);
    }
  }

  /**
   * After a crash: deletes the pictures no event refers to (written for a batch that never
   * committed, or whose last event's deletion committed just before) and temporary files, a slice
   * at a time under the write lock (an upload never writes a picture in between). Stops when
   * `stop()` says so. Returns how many files went.
   */
  async sweep(stop: () => boolean): Promise<number> {
    const { pictures, temps } = await this.pics.list();
    let removed = 0;
    if (temps.length && !stop()) {
      await this.lock(async () => {
        for (const t of temps) await this.pics.removeTemp(t);
      });
      removed += temps.length;
    }
    for (let i = 0; i < pictures.length && !stop(); i += 200) {
      const part = pictures.slice(i, i + 200);
      removed += await this.lock(async () => {
        let n = 0;
        for (const p of part) {
          if (await this.referenced(p.sha256)) continue;
          await this.pics.remove(p.sha256, p.ext);
          n++;
        }
        return n;
      });
    }
    return removed;
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
    // the count and the page in one read: the same committed state
    return this.read(async (db) => {
      const total = (await db.get<{ n: number }>(`SELECT count(*) AS n FROM events e${w}`, args))?.n ?? 0;
      const rows = await db.all<ViewRow>(`${VIEW_SQL}${w} ORDER BY e.ts DESC, e.rowid DESC LIMIT ? OFFSET ?`, [...args, f.limit ?? 100, f.offset ?? 0]);
      return { total, events: rows.map(viewOf) };
    });
  }

  async get(id: string): Promise<{ view: EventView; row: EventRow } | null> {
    const row = await this.read((db) => db.get<ViewRow>(`${VIEW_SQL} WHERE e.id = ?`, [id]));
    return row ? { view: viewOf(row), row } : null;
  }

  /**
   * Marks the event inside the caller's transaction (writer's connection, under the lock): the
   * "this is X" / "enrol this stranger" person. An event the retention deleted is a 404.
   */
  async markLocked(id: string, field: 'corrected_person_id' | 'enrolled_person_id', personId: string): Promise<void> {
    const r = await this.db.run(`UPDATE events SET ${field} = ? WHERE id = ?`, [personId, id]);
    if (r.changes === 0) throw noEvent(id);
  }

  /**
   * "This is X" inside the caller's transaction: marks the event, and when it was corrected to
   * another person before, takes this event's picture (`photoSha`) off that person — a second
   * correction (or two admins naming two people at once) leaves the face on one person only.
   */
  async correctLocked(id: string, personId: string, photoSha: string): Promise<void> {
    const r = await this.db.get<{ prev: string | null }>('SELECT corrected_person_id AS prev FROM events WHERE id = ?', [id]);
    if (!r) throw noEvent(id);
    if (r.prev !== null && r.prev !== personId) await this.db.run('DELETE FROM photos WHERE person_id = ? AND sha256 = ?', [r.prev, photoSha]);
    await this.markLocked(id, 'corrected_person_id', personId);
  }

  /** Inside the caller's transaction: the person the event was enrolled as (null when none, or that person was deleted since). */
  async enrolmentLocked(id: string): Promise<{ personId: string | null; personName: string | null }> {
    const r = await this.db.get<{ pid: string | null; name: string | null }>(
      'SELECT p.id AS pid, p.name AS name FROM events e LEFT JOIN people p ON p.id = e.enrolled_person_id WHERE e.id = ?',
      [id],
    );
    if (!r) throw noEvent(id);
    return { personId: r.pid, personName: r.name };
  }

  picture(sha: string, ext: string): Promise<Buffer | null> {
    return this.pics.read(sha, ext);
  }
}
