// Keeps the commands table bounded. A command is *in flight* while it has no answer and either
// a person on its box still waits on it (box_people points at it as pending, deleting, removing or no
// answer: a late result still counts) or it carries no people (wipe_data) and was sent within
// the retention. Every other command is *settled*: answered, or superseded (its people were
// sent again under a new messageId, or are gone). Settled commands older than the retention
// are deleted, and beyond the row cap the oldest settled ones too; in-flight ones never are
// (there are at most as many as people waiting on their boxes, plus recent wipes).
import { transaction, type PlatformDb } from './db';

export interface CommandRetention {
  /** Settled commands older than this are deleted (default 7 days). */
  retentionMs: number;
  /** At most this many rows are kept, in-flight commands aside (default 10,000). */
  maxRows: number;
}

export const DEFAULT_COMMAND_RETENTION: CommandRetention = { retentionMs: 7 * 24 * 3600_000, maxRows: 10_000 };

const WAITING = `EXISTS (SELECT 1 FROM box_people bp WHERE bp.message_id = commands.message_id AND bp.dev_sno = commands.dev_sno AND bp.state IN ('pending', 'deleting', 'removing', 'noanswer'))`;
/** SQL: this row is in flight (parameter: the retention cut-off time). */
const IN_FLIGHT = `(commands.answered_at IS NULL AND (${WAITING} OR (commands.method = 'wipe_data' AND commands.sent_at >= ?)))`;

/** Deletes settled commands past the retention or the cap; returns how many went. */
export async function pruneCommands(db: PlatformDb, lock: <T>(fn: () => Promise<T>) => Promise<T>, r: CommandRetention, now = Date.now()): Promise<number> {
  const cut = now - r.retentionMs;
  // one transaction: both deletions or neither (and the cap counts what the first left)
  return lock(() => transaction(db, async () => {
    const aged = await db.run(`DELETE FROM commands WHERE coalesce(answered_at, sent_at) < ? AND NOT ${IN_FLIGHT}`, [cut, cut]);
    const total = (await db.get<{ n: number }>('SELECT count(*) AS n FROM commands'))?.n ?? 0;
    let capped = 0;
    if (total > r.maxRows) {
      const over = await db.run(
        `DELETE FROM commands WHERE rowid IN (SELECT rowid FROM commands WHERE NOT ${IN_FLIGHT} ORDER BY coalesce(answered_at, sent_at) ASC LIMIT ?)`,
        [cut, total - r.maxRows],
      );
      capped = over.changes;
    }
    return aged.changes + capped;
  }));
}
