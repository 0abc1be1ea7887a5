// The sync planner: per box, the people it must hold (its groups' members) against what it was
// sent. Sends add_users_plus (userid_list, or user_info_list when configured so) in chunks of at
// most 100 for new, edited or unanswered people, delete_users for people removed or moved out,
// and keeps per box per person a state: pending (sent, no result yet), enrolled, failed (the
// box's code and message: not re-sent until the person changes), noanswer (re-sent on the next
// sync), sent (one-way mode), deleting, unsent (the broker refused), held (not sent: the photo
// fails the check the box enrols with; sent once a passing photo replaces it). A person the box
// may hold (anything was sent to it) whose photo now fails, or who has no photo left (every photo
// deleted), is deleted from it — the box must not recognise a face the operator replaced or
// removed — removing (delete_users sent, no result yet; sent again like a delete), then removed
// (off the box; sent again once a passing photo comes).
// Every decision is made from the stored rows, so a crash anywhere leaves them saying what is
// still to do. Results are matched by messageId. Idempotent.
import { randomUUID } from 'node:crypto';
import { addUsersPlusByIds, addUsersPlusByInfo, deleteUsersCommand, wipeDataCommand } from '../../agent/protocol/commands';
import { commandResultSchema, usersResultSchema } from '../../agent/protocol/results';
import type { PlatformDb } from './db';
import { transaction } from './db';
import { desiredFor, type Desired } from './people';
import type { PhotoStore } from './photos';
import { BOX_PATHS } from './box-http';
import { PlatformError } from './errors';
import { faultPoint } from './fault-point';
import type { SyncReport } from '../api/platform';

export type { SyncReport };

export const CHUNK = 100;
export type ResultsMode = 'queue' | 'notify' | 'none';
export type BoxPersonState = 'pending' | 'enrolled' | 'failed' | 'noanswer' | 'sent' | 'deleting' | 'unsent' | 'held' | 'removing' | 'removed';

export interface SyncDeps {
  db: PlatformDb;
  photos: PhotoStore;
  publish(devSno: string, body: object): Promise<void>;
  resultsMode(): ResultsMode;
  /** add_users_plus with user_info_list (photos inline) instead of userid_list. */
  inlineUsers(): boolean;
  /** A command without a result this long is re-sent on the next sync. */
  resendAfterMs: number;
  /**
   * When this platform started: a person the box could not fetch (noanswer) under a command sent
   * before it is sent again at once — the box failed to reach a platform that was down (a crash,
   * a restart), not one it cannot reach. Once only: the new command is sent after the start.
   */
  startedAt?: number;
  /** Serialises writes to the database. */
  lock<T>(fn: () => Promise<T>): Promise<T>;
  /** A read of one committed state on a reader connection (outside the lock). */
  read<T>(fn: (db: PlatformDb) => Promise<T>): Promise<T>;
}

interface BoxPersonRow {
  person_id: string;
  state: BoxPersonState;
  version: string;
  sent_at: number | null;
  message_id: string | null;
  code: number | null;
  /** 1: its command was committed but the broker never confirmed it (published_at still NULL). */
  unpublished: number;
}

/**
 * Box failure codes that say nothing about the person: the box could not reach this platform
 * for the details or the photo (50073), e.g. while the site server restarted. Such a person is
 * sent again once the resend time has passed, like a command without an answer.
 */
export const RETRY_CODES = [50073];

/** Sent before this platform started (see SyncDeps.startedAt). */
const sentBeforeStart = (deps: SyncDeps, r: { sent_at: number | null }) => deps.startedAt !== undefined && r.sent_at !== null && r.sent_at < deps.startedAt;

/** Whether a box has people the box could not fetch under a command sent before this platform started: they are sent again at once. */
export async function retryAfterStart(deps: SyncDeps, devSno: string): Promise<boolean> {
  if (deps.startedAt === undefined) return false;
  const r = await deps.read((db) => db.get("SELECT 1 AS x FROM box_people WHERE dev_sno = ? AND state = 'noanswer' AND sent_at < ? LIMIT 1", [devSno, deps.startedAt]));
  return r !== undefined;
}

/** Under a command committed before this platform started that the broker never confirmed: the
 *  platform was killed between the commit and the publish, so the box never got it — sent again at
 *  once, not after the resend time. (Killed after the confirm but before published_at was written,
 *  the box gets the command twice; adding or deleting the same version twice is harmless.) */
const lostAtStart = (deps: SyncDeps, r: BoxPersonRow) => r.unpublished === 1 && sentBeforeStart(deps, r);

/** Nothing of this person is on the box: held before anything was sent, or removed (the box confirmed the delete). */
const offBox = (r: BoxPersonRow) => (r.state === 'held' || r.state === 'removed') && r.sent_at === null;

/** The held message of a person never sent to the box (a removed one keeps the bare reason). */
const notSent = (problem: string) => `not sent: ${problem}`;

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** The §5 user record of one person (photo as a relative URL or inline). */
export function userRecord(d: Desired, photo: { url?: string; base64?: string }): Record<string, unknown> {
  return {
    identity_id: d.id,
    ...(photo.base64 !== undefined ? { reg_photo: photo.base64 } : photo.url?.startsWith('/') ? { relative_pic_url: photo.url } : { reg_url: photo.url ?? '' }),
    register_type: d.registerType,
    info: { ...d.info, name: d.name, type: d.type, permission_ids: d.permissionIds },
  };
}

/**
 * `force`: re-send unanswered people now. `queueBusy`: commands are still waiting in the box's queue — they will be delivered, so a
 * pending person is not re-sent however long ago it was sent (a backlog never snowballs).
 */
export async function syncBox(deps: SyncDeps, devSno: string, o: { queueBusy?: boolean; force?: boolean } = {}): Promise<SyncReport> {
  const { db } = deps;
  const report: SyncReport = { devSno, added: 0, deleted: 0, unchanged: 0, commands: 0, error: null };
  // the plan from one committed state (the box's syncs run one at a time: nothing else writes its rows meanwhile but results)
  const [desired, rows] = await deps.read(async (r) => [
    await desiredFor(r, devSno),
    new Map(
      (
        await r.all<BoxPersonRow>(
          `SELECT b.person_id, b.state, b.version, b.sent_at, b.message_id, b.code, (c.message_id IS NOT NULL AND c.published_at IS NULL) AS unpublished
           FROM box_people b LEFT JOIN commands c ON c.message_id = b.message_id WHERE b.dev_sno = ?`,
          [devSno],
        )
      ).map((x) => [x.person_id, x]),
    ),
  ] as const);
  const now = Date.now();
  const old = (r: BoxPersonRow) => r.sent_at === null || now - r.sent_at >= deps.resendAfterMs;
  const stale = (r: BoxPersonRow) => (!o.queueBusy && old(r)) || lostAtStart(deps, r);
  // unanswered or unsent people: at once when asked (`force`: the operator's sync, a box that
  // logs in) or when they were sent before this platform started, else once the resend time has
  // passed since they were sent
  const retry = (r: BoxPersonRow) => !!o.force || old(r) || sentBeforeStart(deps, r);
  const toAdd: Desired[] = [];
  const toHold: Array<{ d: Desired; state: 'held' | 'removed' }> = [];
  const toRemove: Desired[] = [];
  for (const d of desired.values()) {
    const r = rows.get(d.id);
    // a photo the box would refuse, or none at all (every photo deleted), is not sent: the person's
    // state says why, until a passing photo comes. A person with no photo who never had a row keeps none
    if (!d.photo && !r) {
      report.unchanged++;
      continue;
    }
    if (d.photoProblem) {
      if (r && !offBox(r)) {
        // the box may still hold (and recognise) what it was sent before: delete it there
        if (r.state !== 'removing' || r.version !== d.version || stale(r)) toRemove.push(d);
        else report.unchanged++;
      } else if (!r || r.version !== d.version) toHold.push({ d, state: r?.state === 'removed' ? 'removed' : 'held' });
      else report.unchanged++;
      continue;
    }
    const resend =
      !r ||
      r.version !== d.version ||
      ((r.state === 'noanswer' || r.state === 'unsent') && retry(r)) ||
      r.state === 'deleting' ||
      (r.state === 'pending' && stale(r)) ||
      (r.state === 'failed' && r.code !== null && RETRY_CODES.includes(r.code) && stale(r));
    if (resend) toAdd.push(d);
    else report.unchanged++;
  }
  // held and never sent, or removed: nothing on the box to delete, only the row
  const gone = [...rows.values()].filter((r) => !desired.has(r.person_id));
  const toForget = gone.filter(offBox).map((r) => r.person_id);
  const toDelete = gone.filter((r) => !offBox(r) && (r.state !== 'deleting' || stale(r))).map((r) => r.person_id);
  const mode = deps.resultsMode();
  const notify = mode === 'notify' ? { notifyPath: BOX_PATHS.notify } : {};

  const send = async (method: string, ids: string[], body: object, messageId: string, version: (id: string) => string, state: BoxPersonState, message: (id: string) => string | null = () => null) => {
    await deps.lock(() =>
      transaction(db, async () => {
        await db.run('INSERT INTO commands (message_id, dev_sno, method, body_json, sent_at) VALUES (?, ?, ?, ?, ?)', [
          messageId,
          devSno,
          method,
          JSON.stringify({ ids }),
          Date.now(),
        ]);
        for (const id of ids) {
          await db.run(
            `INSERT INTO box_people (dev_sno, person_id, state, version, code, message, message_id, sent_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)
             ON CONFLICT (dev_sno, person_id) DO UPDATE SET state = excluded.state, version = excluded.version, code = NULL, message = excluded.message,
               message_id = excluded.message_id, sent_at = excluded.sent_at, updated_at = excluded.updated_at`,
            [devSno, id, state, version(id), message(id), messageId, Date.now(), Date.now()],
          );
        }
      }),
    );
    faultPoint('before-publish');
    try {
      await deps.publish(devSno, body);
      report.commands++;
    } catch (err) {
      const why = `not sent: the broker refused or is unreachable (${(err as Error).message}); it is sent again on the next sync`;
      // its people are 'unsent' (the retry timer sends them again) and the command row goes: it never left
      await deps.lock(() =>
        transaction(db, async () => {
          await db.run("UPDATE box_people SET state = 'unsent', message = ?, updated_at = ? WHERE dev_sno = ? AND message_id = ?", [why, Date.now(), devSno, messageId]);
          await db.run('DELETE FROM commands WHERE message_id = ?', [messageId]);
        }),
      ).catch(() => undefined);
      throw err;
    }
    await deps.lock(() => db.run('UPDATE commands SET published_at = ? WHERE message_id = ?', [Date.now(), messageId]));
    if (mode === 'none' && method === 'add_users_plus') {
      await deps.lock(() => db.run("UPDATE box_people SET state = 'sent', updated_at = ? WHERE dev_sno = ? AND message_id = ?", [Date.now(), devSno, messageId]));
    }
    if (mode === 'none' && method === 'delete_users') await deps.lock(() => transaction(db, () => deleted(db, devSno, messageId)));
  };

  if (toHold.length || toForget.length) {
    const now = Date.now();
    await deps.lock(() =>
      transaction(db, async () => {
        // only people with nothing on the box (no row, or held/removed): sent_at stays NULL
        for (const { d, state } of toHold)
          await db.run(
            `INSERT INTO box_people (dev_sno, person_id, state, version, code, message, message_id, sent_at, updated_at) VALUES (?, ?, ?, ?, NULL, ?, NULL, NULL, ?)
             ON CONFLICT (dev_sno, person_id) DO UPDATE SET state = excluded.state, version = excluded.version, code = NULL, message = excluded.message, updated_at = excluded.updated_at`,
            [devSno, d.id, state, d.version, state === 'held' ? notSent(d.photoProblem!) : d.photoProblem, now],
          );
        for (const id of toForget) await db.run("DELETE FROM box_people WHERE dev_sno = ? AND person_id = ? AND state IN ('held', 'removed') AND sent_at IS NULL", [devSno, id]);
      }),
    );
    report.held = toHold.length;
  }
  try {
    // first: a face the operator replaced must stop being recognised
    for (const part of chunks(toRemove, CHUNK)) {
      const messageId = randomUUID();
      const ids = part.map((d) => d.id);
      await send('delete_users', ids, deleteUsersCommand(ids, { messageId, ...notify }), messageId, (id) => desired.get(id)!.version, 'removing', (id) => desired.get(id)!.photoProblem);
      report.removed = (report.removed ?? 0) + part.length;
    }
    for (const part of chunks(toDelete, CHUNK)) {
      const messageId = randomUUID();
      await send('delete_users', part, deleteUsersCommand(part, { messageId, ...notify }), messageId, (id) => rows.get(id)?.version ?? '', 'deleting');
      report.deleted += part.length;
    }
    for (const part of chunks(toAdd, CHUNK)) {
      const messageId = randomUUID();
      const ids = part.map((d) => d.id);
      let body: object;
      if (deps.inlineUsers()) {
        const users: Record<string, unknown>[] = [];
        for (const d of part) {
          const bytes = await deps.photos.read(d.photo!.sha256, d.photo!.ext);
          users.push(userRecord(d, { base64: bytes ? bytes.toString('base64') : '' }));
        }
        body = addUsersPlusByInfo(users, { messageId, ...notify });
      } else {
        body = addUsersPlusByIds(ids, BOX_PATHS.userDetails, { messageId, ...notify });
      }
      await send('add_users_plus', ids, body, messageId, (id) => desired.get(id)!.version, 'pending');
      report.added += part.length;
    }
  } catch (err) {
    report.error = (err as Error).message;
  }
  return report;
}

/**
 * A delete_users the box carried out (or, one-way, that was sent): people moved out lose their
 * row; held people being removed are `removed` — nothing of them on the box (sent_at NULL), their
 * reason kept. In the caller's transaction; `personId` narrows it to one person.
 */
async function deleted(db: PlatformDb, devSno: string, messageId: string, personId?: string): Promise<void> {
  const where = `dev_sno = ? AND message_id = ?${personId === undefined ? '' : ' AND person_id = ?'}`;
  const args = personId === undefined ? [devSno, messageId] : [devSno, messageId, personId];
  await db.run(`UPDATE box_people SET state = 'removed', code = NULL, message_id = NULL, sent_at = NULL, updated_at = ? WHERE ${where} AND state = 'removing'`, [Date.now(), ...args]);
  await db.run(`DELETE FROM box_people WHERE ${where}`, args);
}

/** Marks every pending command of a box older than the resend time as unanswered. */
export async function markUnanswered(deps: SyncDeps, devSno: string): Promise<void> {
  await deps.lock(() =>
    deps.db.run("UPDATE box_people SET state = 'noanswer', message = 'no result from the box in time; sent again on the next sync' WHERE dev_sno = ? AND state = 'pending' AND sent_at < ?", [
      devSno,
      Date.now() - deps.resendAfterMs,
    ]),
  );
}

export async function sendWipe(deps: SyncDeps, devSno: string, wipe: { users: boolean; events: boolean }): Promise<string> {
  const messageId = randomUUID();
  const notify = deps.resultsMode() === 'notify' ? { notifyPath: BOX_PATHS.notify } : {};
  // only for a box still in the database: one removed meanwhile leaves no command row behind
  const ins = await deps.lock(() =>
    deps.db.run('INSERT INTO commands (message_id, dev_sno, method, body_json, sent_at) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM devices WHERE dev_sno = ?)', [
      messageId,
      devSno,
      'wipe_data',
      JSON.stringify(wipe),
      Date.now(),
      devSno,
    ]),
  );
  if (ins.changes === 0) throw new PlatformError(`no box with the authorisation code ${devSno} (it was removed)`, 'no_device', 404);
  try {
    await deps.publish(devSno, wipeDataCommand(wipe, { messageId, ...notify }));
  } catch (err) {
    // never sent: no row left "in flight" (the page would show a wipe the box never got)
    await deps.lock(() => deps.db.run('DELETE FROM commands WHERE message_id = ?', [messageId])).catch(() => undefined);
    throw new PlatformError(
      `the wipe was not sent: the broker refused it or is unreachable (${(err as Error).message}). Check the broker (Broker page, or the external RabbitMQ) and send the wipe again`,
      'broker_down',
      503,
    );
  }
  await deps.lock(() => deps.db.run('UPDATE commands SET published_at = ? WHERE message_id = ?', [Date.now(), messageId]));
  if (wipe.users && deps.resultsMode() === 'none') await deps.lock(() => deps.db.run('DELETE FROM box_people WHERE dev_sno = ?', [devSno]));
  return messageId;
}

export type ResultOutcome = 'applied' | 'duplicate' | 'unknown' | 'malformed' | 'fiqa';

/** Applies one §4.5 result of `devSno` (from its upload queue or its notify_path). */
export async function applyResult(deps: SyncDeps, devSno: string, raw: unknown): Promise<ResultOutcome> {
  const { db } = deps;
  const parsed = commandResultSchema.safeParse(raw);
  if (!parsed.success) return 'malformed';
  const r = parsed.data;
  if (r.messageKey === 'fiqa') return 'fiqa';
  if (!r.messageId) return 'unknown';
  const messageId = r.messageId;
  const now = Date.now();
  return deps.lock(() =>
    transaction(db, async (): Promise<ResultOutcome> => {
      // read inside the transaction: two copies of one result cannot both count as the first
      const cmd = await db.get<{ method: string; answered_at: number | null; body_json: string }>('SELECT method, answered_at, body_json FROM commands WHERE message_id = ? AND dev_sno = ?', [
        r.messageId,
        devSno,
      ]);
      if (!cmd) return 'unknown';
      await db.run('UPDATE commands SET answered_at = ?, result_json = ? WHERE message_id = ?', [now, JSON.stringify(r).slice(0, 65536), r.messageId]);
      const where = 'dev_sno = ? AND person_id = ? AND message_id = ?';
      if (cmd.method === 'wipe_data') {
        const w = (r.result as { wipe_options?: { users?: unknown } }).wipe_options;
        if (r.success && w?.users === true) await db.run('DELETE FROM box_people WHERE dev_sno = ?', [devSno]);
        return cmd.answered_at ? 'duplicate' : 'applied';
      }
      const ids: string[] = (JSON.parse(cmd.body_json) as { ids?: string[] }).ids ?? [];
      const users = usersResultSchema.safeParse(r.result);
      const seen = new Set<string>();
      if (users.success) {
        for (const u of users.data.success_users) {
          seen.add(u.userid);
          if (cmd.method === 'delete_users') await deleted(db, devSno, messageId, u.userid);
          else await db.run(`UPDATE box_people SET state = 'enrolled', code = 0, message = ?, updated_at = ? WHERE ${where}`, [u.message, now, devSno, u.userid, r.messageId]);
        }
        for (const u of users.data.failed_users) {
          seen.add(u.userid);
          // 5xxxx (the box could not fetch from the platform, or failed itself) is passing: sent again
          // on the next sync; anything else (40094: the photo was refused) waits for an edit. A
          // delete the box refused (40095) is sent again on every sync: the person is still on it
          const transient = u.code >= 50000;
          await db.run(`UPDATE box_people SET state = ?, code = ?, message = ?, updated_at = ? WHERE ${where}`, [
            transient ? 'noanswer' : 'failed',
            u.code,
            transient ? `${u.message} (sent again on the next sync)` : cmd.method === 'delete_users' ? `${u.message} (still on the box: deleted again on the next sync)` : u.message,
            now,
            devSno,
            u.userid,
            r.messageId,
          ]);
        }
      }
      // users the result does not mention (a whole-command failure such as 50073): sent again next time
      for (const id of ids) {
        if (seen.has(id)) continue;
        if (cmd.method === 'delete_users' && r.success) {
          await deleted(db, devSno, messageId, id);
          continue;
        }
        await db.run(`UPDATE box_people SET state = 'noanswer', code = ?, message = ?, updated_at = ? WHERE ${where}`, [
          r.code,
          `${r.message || 'no result for this person'} (sent again on the next sync)`,
          now,
          devSno,
          id,
          r.messageId,
        ]);
      }
      return cmd.answered_at ? 'duplicate' : 'applied';
    }),
  );
}
