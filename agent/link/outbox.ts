// Command results (PROTOCOL §4.5) waiting to be delivered, in agent.db: a result is committed
// here before its message is acknowledged, then delivered — to uploadQueue (or fiqaUploadQueue),
// else by HTTP POST to notify_path, else dropped (one-way mode) — and retried with backoff
// until it is. So a crash or a broker outage loses no result, and a redelivered message finds
// its result here instead of running again.
import type { CommandResult } from '../protocol';
import type { DbWriter } from '../store/serial';

export type ResultKind = 'command' | 'fiqa';

export type Route =
  | { kind: 'mq'; where: 'upload' | 'command'; queue: string }
  | { kind: 'http'; url: string }
  | { kind: 'none' }
  /** not logged in / broker down: keep it until then */
  | { kind: 'wait'; why: string };

export interface OutboxDeps {
  writer: DbWriter;
  route(kind: ResultKind, notifyUrl: string | null): Route;
  publish(where: 'upload' | 'command', queue: string, body: Buffer): Promise<void>;
  post(url: string, body: string): Promise<void>;
  log(line: string): void;
}

interface Row {
  id: number;
  kind: ResultKind;
  notify_url: string | null;
  result: string;
  attempts: number;
}

/** Sent results are kept this long so that a redelivered message is recognised. */
const KEEP_SENT_MS = 24 * 3600_000;
const MAX_ATTEMPTS = 40;

export class ResultOutbox {
  private running = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastPrune = 0;

  constructor(private readonly d: OutboxDeps) {}

  /** Commits a result for delivery; returns its id. */
  async add(bodySha256: string, kind: ResultKind, notifyUrl: string | null, result: CommandResult): Promise<number> {
    const r = await this.d.writer.write('INSERT INTO mq_results (body_sha256, kind, notify_url, result, created_at) VALUES (?, ?, ?, ?, ?)', [
      bodySha256,
      kind,
      notifyUrl,
      JSON.stringify(result),
      new Date().toISOString(),
    ]);
    this.kick();
    return r.lastID;
  }

  /** The result committed for this exact message body recently, if any. */
  async findRecent(bodySha256: string): Promise<number | null> {
    const since = new Date(Date.now() - KEEP_SENT_MS).toISOString();
    const r = await this.d.writer.db.get<{ id: number }>('SELECT id FROM mq_results WHERE body_sha256 = ? AND created_at >= ? ORDER BY id DESC LIMIT 1', [bodySha256, since]);
    return r?.id ?? null;
  }

  /** Delivers a stored result again (a redelivered message still produces its result). */
  async resend(id: number): Promise<void> {
    await this.d.writer.write('UPDATE mq_results SET sent_at = NULL, attempts = 0, next_try_at = 0 WHERE id = ?', [id]);
    this.kick();
  }

  async pendingCount(): Promise<number> {
    const r = await this.d.writer.db.get<{ n: number }>('SELECT count(*) AS n FROM mq_results WHERE sent_at IS NULL');
    return r?.n ?? 0;
  }

  /** Tries to deliver what is due (call when a route may have appeared). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.pump()
      .catch((err) => this.d.log(`results: delivery loop failed: ${(err as Error).message}`))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async pump(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (Date.now() - this.lastPrune > 3600_000) {
      this.lastPrune = Date.now();
      await this.d.writer.write('DELETE FROM mq_results WHERE sent_at IS NOT NULL AND created_at < ?', [new Date(Date.now() - KEEP_SENT_MS).toISOString()]);
    }
    for (;;) {
      if (this.stopped) return;
      const rows = await this.d.writer.db.all<Row>('SELECT id, kind, notify_url, result, attempts FROM mq_results WHERE sent_at IS NULL AND next_try_at <= ? ORDER BY id LIMIT 50', [Date.now()]);
      if (rows.length === 0) break;
      let progressed = false;
      for (const row of rows) {
        if (this.stopped) return;
        const route = this.d.route(row.kind, row.notify_url);
        if (route.kind === 'wait') return; // kicked again on login / broker connect
        try {
          if (route.kind === 'mq') await this.d.publish(route.where, route.queue, Buffer.from(row.result));
          else if (route.kind === 'http') await this.d.post(route.url, row.result);
          await this.markSent(row.id, route.kind === 'none' ? 'one-way mode: no result route' : null);
          progressed = true;
        } catch (err) {
          const attempts = row.attempts + 1;
          const why = (err as Error)?.message ?? String(err);
          if (attempts >= MAX_ATTEMPTS) {
            this.d.log(`results: giving up on result ${row.id} after ${attempts} attempts: ${why}`);
            await this.markSent(row.id, `gave up: ${why}`);
          } else {
            const delay = Math.min(300_000, 1000 * 2 ** (attempts - 1));
            if (attempts === 1 || attempts % 10 === 0) this.d.log(`results: delivery of result ${row.id} failed (${why}); retrying in ${delay / 1000} s`);
            await this.d.writer.write('UPDATE mq_results SET attempts = ?, next_try_at = ?, last_error = ? WHERE id = ?', [attempts, Date.now() + delay, why, row.id]);
          }
        }
      }
      if (!progressed) break;
    }
    const next = await this.d.writer.db.get<{ t: number | null }>('SELECT min(next_try_at) AS t FROM mq_results WHERE sent_at IS NULL');
    if (next?.t !== null && next?.t !== undefined && !this.stopped) {
      this.timer = setTimeout(() => this.kick(), Math.max(50, next.t - Date.now()));
      this.timer.unref();
    }
  }

  private async markSent(id: number, note: string | null): Promise<void> {
    await this.d.writer.write('UPDATE mq_results SET sent_at = ?, last_error = ? WHERE id = ?', [new Date().toISOString(), note, id]);
  }
}
