// The history upload (PROTOCOL §6.3) to a set of destinations: per destination a cursor in
// agent.db (report_cursors, keyed by the destination's key) that moves only after HTTP 200, the
// next batch of ≤ 100 events (≤ 1 MiB of pictures) after it as a JSON array, and its own retry
// backoff (1, 2, 4, 8, 16 s, then every 16 s), so a failing destination neither holds back nor
// duplicates another's events. One uploader serves the platform's recordAddr URLs, another the
// local admin API's HistoryEventUrl list, each at its own period.
import type { EventBody, EventStore } from '../events/store';
import { Backoff, type Sleeper } from '../link/status';
import { trace } from '../recognition/trace';

export const HISTORY_BATCH = 100;
/**
 * spot pictures per history batch at most (a batch of 100 full snapshots would be ~75 MB of JSON);
 * kept small: the platform parses a batch in one piece, and a realtime event waits behind it there
 */
export const HISTORY_BATCH_BYTES = 1024 * 1024;
export const HISTORY_RETRY_CAP_MS = 16_000;

export interface HistoryTarget {
  /** the cursor's key (distinct per destination) */
  key: string;
  /** what log lines and /health call it */
  label: string;
  /** sends one batch (`json`: the batch already serialised as a JSON array); resolves with the HTTP status */
  post(batch: EventBody[], json: Buffer): Promise<number>;
}

export interface HistoryOptions {
  events: EventStore;
  targets(): HistoryTarget[];
  /** ms between uploads when nothing is waiting */
  periodMs(): number;
  /** each event as sent (reg_pic filled when the settings ask for it) */
  prepare(body: EventBody): Promise<EventBody>;
  sleeper: Sleeper;
  log(line: string): void;
  /** resolves when no realtime event is being made or sent (./priority); each batch step waits for it */
  quiet?(): Promise<void>;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/**
 * The batch as one JSON array (byte for byte JSON.stringify(bodies)), built event by event with
 * a turn of the event loop between them, so no single step holds the loop for the whole batch.
 */
export async function batchJson(bodies: EventBody[]): Promise<Buffer> {
  const parts: Buffer[] = [Buffer.from('[')];
  for (const [i, b] of bodies.entries()) {
    if (i > 0) {
      parts.push(Buffer.from(','));
      await tick();
    }
    parts.push(Buffer.from(JSON.stringify(b)));
  }
  parts.push(Buffer.from(']'));
  return Buffer.concat(parts);
}

export class HistoryUploader {
  /** batches acknowledged, and the last failure (for /health) */
  sent = 0;
  lastError: string | null = null;
  private readonly retry = new Map<string, { backoff: Backoff; at: number; why: string }>();
  private wakeUp: (() => void) | null = null;

  constructor(private readonly o: HistoryOptions) {}

  async run(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      const more = await this.uploadOnce();
      let wait = more ? 0 : this.o.periodMs();
      const nextRetry = Math.min(...[...this.retry.values()].map((r) => r.at));
      if (Number.isFinite(nextRetry)) wait = Math.min(wait, Math.max(0, nextRetry - Date.now()));
      if (wait > 0 && !(await this.sleep(wait))) return;
    }
  }

  /** Ends the current wait (the destinations or the period changed). */
  wake(): void {
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<boolean> {
    return Promise.race([this.o.sleeper.sleep(ms), new Promise<boolean>((r) => (this.wakeUp = () => r(true)))]).finally(() => (this.wakeUp = null));
  }

  /** One batch to each destination that is due; true when one was acknowledged (more may wait). */
  async uploadOnce(): Promise<boolean> {
    let more = false;
    const targets = this.o.targets();
    const live = new Set(targets.map((t) => t.key));
    for (const k of this.retry.keys()) if (!live.has(k)) this.retry.delete(k);
    for (const t of targets) {
      const r = this.retry.get(t.key);
      if (r && r.at > Date.now()) continue;
      try {
        if (await this.uploadTo(t)) more = true;
        if (r) this.o.log(`history upload to ${t.label}: working again`);
        this.retry.delete(t.key);
      } catch (err) {
        const why = `${t.label}: ${(err as Error).message}`;
        const cur = r ?? { backoff: new Backoff(1000, HISTORY_RETRY_CAP_MS), at: 0, why: '' };
        if (why !== cur.why) this.o.log(`history upload: ${why}; retrying`);
        cur.why = why;
        cur.at = Date.now() + cur.backoff.next();
        this.retry.set(t.key, cur);
        this.lastError = why;
      }
    }
    if (this.retry.size === 0) this.lastError = null;
    return more;
  }

  private async uploadTo(t: HistoryTarget): Promise<boolean> {
    await this.o.quiet?.();
    const tr = trace('history')?.mark('start');
    const cursor = (await this.o.events.cursor(t.key)) ?? 0;
    // the pictures one query each, waiting for quiet between them (realtime first)
    const batch = await this.o.events.after(cursor, HISTORY_BATCH, HISTORY_BATCH_BYTES, this.o.quiet);
    tr?.mark('read');
    if (batch.length === 0) return false;
    const bodies = await Promise.all(batch.map((e) => this.o.prepare(e.body)));
    await this.o.quiet?.();
    const json = await batchJson(bodies);
    tr?.mark('prepared').set('events', batch.length).set('bytes', json.length);
    await this.o.quiet?.();
    const st = await t.post(bodies, json);
    tr?.mark('answered');
    if (st !== 200) throw new Error(`answered HTTP ${st}`);
    await this.o.events.setCursor(t.key, batch.at(-1)!.id);
    this.sent++;
    tr?.end('cursor');
    return true;
  }
}
