// One writer at a time on the agent database: the sqlite3 connection is shared, so a
// transaction must not interleave with another part's statements. Every write goes through
// `write` (one statement) or `tx` (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error).
import type { AgentDb, RunResult, SqlParams } from './db';

export class DbWriter {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly db: AgentDb) {}

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  write(sql: string, params?: SqlParams): Promise<RunResult> {
    return this.enqueue(() => this.db.run(sql, params));
  }

  /** Runs `fn` inside one transaction; `fn` must use `db` directly (not `write`/`tx`). */
  tx<T>(fn: (db: AgentDb) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.db);
        await this.db.exec('COMMIT');
        return out;
      } catch (err) {
        await this.db.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** Waits for every queued write. */
  drain(): Promise<void> {
    return this.chain.then(() => undefined);
  }
}
