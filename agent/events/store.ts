// Recognition events (PROTOCOL §6.3) in agent.db: the newest `maxEvents` (default 10,000) are
// kept with their spot pictures; each insert evicts what falls off the end (with its picture).
// The history upload reads them in id order after its cursor (report_cursors).
import { randomUUID } from 'node:crypto';
import type { DbWriter } from '../store/serial';

export const DEFAULT_MAX_EVENTS = 10_000;
/** The largest spot picture stored with an event (bigger snapshots are refused at ingestion). */
export const MAX_SPOT_BYTES = 4 * 1024 * 1024;

/** The §6.3 event body (spot_pic added from the stored picture when sent). */
export interface EventBody {
  identity_id: string;
  identity_name: string;
  group_name: string;
  reg_pic: string;
  timestamp: number;
  score: number;
  ext_data: {
    device_ip: string;
    ep_id: string;
    spot_pic?: string;
    person_type: number;
    device_type: string;
    dev_sno: string;
    grab_fiqa_info: Record<string, unknown>;
    box_fiqa_info: Record<string, unknown>;
    /** extension: unique per event, the platform's key to count a realtime and a history copy once */
    event_id: string;
  };
}

export interface StoredEvent {
  id: number;
  body: EventBody;
}

/** The recogniser's event before it is completed: no event_id and no spot_pic yet. */
export type NewEvent = Omit<EventBody, 'ext_data'> & { ext_data: Omit<EventBody['ext_data'], 'event_id' | 'spot_pic'> };

export type EventDecorator = (body: EventBody) => Promise<EventBody>;

export class EventStore {
  evicted = 0;
  /** Completes each event before it is stored (the local admin API names the user's group here). */
  decorate: EventDecorator | null = null;
  constructor(
    private readonly w: DbWriter,
    readonly maxEvents = DEFAULT_MAX_EVENTS,
  ) {}

  /**
   * Completes one event as it will be stored and sent: a fresh ext_data.event_id, and the
   * decorator's additions. The caller may send it (realtime) before `insert` has stored it.
   */
  async prepare(body: NewEvent): Promise<EventBody> {
    const full: EventBody = { ...body, ext_data: { ...body.ext_data, event_id: randomUUID() } };
    return this.decorate ? this.decorate(full) : full;
  }

  /** Stores one prepared event with its picture and evicts the oldest beyond the limit. */
  async insert(full: EventBody, spot: Buffer | null): Promise<StoredEvent> {
    const { spot_pic: _, ...ext } = full.ext_data;
    const stored: EventBody = { ...full, ext_data: ext };
    const id = await this.w.tx(async (db) => {
      const r = await db.run('INSERT INTO events (event_id, timestamp, score, person_type, body, spot_pic) VALUES (?, ?, ?, ?, ?, ?)', [
        stored.ext_data.event_id,
        stored.timestamp,
        stored.score,
        stored.ext_data.person_type,
        JSON.stringify(stored),
        spot && spot.length <= MAX_SPOT_BYTES ? spot : null,
      ]);
      const gone = await db.run('DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)', [this.maxEvents]);
      this.evicted += gone.changes;
      return r.lastID;
    });
    return { id, body: stored };
  }

  /** Stores one event (its ext_data.event_id is set here): `prepare` then `insert`. */
  async add(body: NewEvent, spot: Buffer | null): Promise<StoredEvent> {
    return this.insert(await this.prepare(body), spot);
  }

  /** Deletes every stored event (ids are never reused, so the upload cursors stay right); returns how many there were. */
  async wipe(): Promise<number> {
    return (await this.w.write('DELETE FROM events')).changes;
  }

  async count(): Promise<number> {
    return (await this.w.db.get<{ n: number }>('SELECT count(*) AS n FROM events'))?.n ?? 0;
  }

  /**
   * Up to `limit` events after `afterId`, in order, with spot_pic as base64; cut before the
   * pictures pass `maxBytes` (at least one event). The pictures are read one query each (the
   * database connection is shared: a realtime event's statements get in between), and before
   * each `between` is awaited when given (the history upload's realtime-first wait).
   */
  async after(afterId: number, limit: number, maxBytes = Infinity, between?: () => Promise<void>): Promise<StoredEvent[]> {
    const rows = await this.w.db.all<{ id: number; body: string; size: number | null }>('SELECT id, body, length(spot_pic) AS size FROM events WHERE id > ? ORDER BY id LIMIT ?', [afterId, limit]);
    let bytes = 0;
    const out: StoredEvent[] = [];
    for (const r of rows) {
      bytes += r.size ?? 0;
      if (out.length > 0 && bytes > maxBytes) break;
      await between?.();
      // evicted meanwhile (the ring moved on): its row and picture are gone, and so is the event
      const pic = r.size ? await this.w.db.get<{ spot_pic: Buffer | null }>('SELECT spot_pic FROM events WHERE id = ?', [r.id]) : { spot_pic: null };
      if (!pic) continue;
      out.push(withSpot(r.id, JSON.parse(r.body) as EventBody, pic.spot_pic));
    }
    return out;
  }

  async cursor(url: string): Promise<number | null> {
    return (await this.w.db.get<{ last_id: number }>('SELECT last_id FROM report_cursors WHERE url = ?', [url]))?.last_id ?? null;
  }

  async setCursor(url: string, lastId: number): Promise<void> {
    await this.w.write('INSERT INTO report_cursors (url, last_id) VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET last_id = excluded.last_id', [url, lastId]);
  }
}

export function withSpot(id: number, body: EventBody, spot: Buffer | null): StoredEvent {
  return { id, body: bodyWithSpot(body, spot) };
}

/** The event as sent: ext_data.spot_pic the picture's bytes as they came (base64), not re-encoded. */
export function bodyWithSpot(body: EventBody, spot: Buffer | null): EventBody {
  return { ...body, ext_data: { ...body.ext_data, spot_pic: spot ? spot.toString('base64') : '' } };
}
