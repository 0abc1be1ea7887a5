// add_users_plus (PROTOCOL §4.1): userid_list (details fetched from extend_params.path, §5)
// or user_info_list; every user enrolled or failed on its own, a few at a time.
import { Codes, composeUrl, firstIssue, userDetailsResponseSchema, userFailed, withAuth, type AddUsersPlusCommand, type UserOutcome, type UsersResult } from '../protocol';
import { envelopeDetail, parseJson, readLimited } from '../link/login';
import { networkReason } from '../link/status';
import type { CommandContext } from './context';
import { enrolOne } from './enrol';

const DETAILS_TIMEOUT_MS = 60_000;
const DETAILS_MAX_BYTES = 256 * 1024 * 1024;

export interface CommandOutcome {
  code: number;
  message: string;
  result: Record<string, unknown>;
}

/** Fetches user details (§5); throws { code 50073 | 50074, message }. */
async function fetchDetails(ids: string[], path: string, ctx: CommandContext): Promise<unknown[]> {
  const s = ctx.session();
  if (!s) throw { code: Codes.REMOTE_SERVER_FAILED, message: 'not logged in to the platform' };
  let url: string;
  try {
    url = withAuth(composeUrl(s.loginUrl, path), s.devSno, s.token);
  } catch (err) {
    throw { code: Codes.MQ_PARAM_ERROR, message: `extend_params.path: ${(err as Error).message}` };
  }
  const shown = new URL(url);
  const where = `${shown.origin}${shown.pathname}`;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userid_list: ids }),
      signal: AbortSignal.timeout(DETAILS_TIMEOUT_MS),
    });
    text = await readLimited(res, DETAILS_MAX_BYTES);
  } catch (err) {
    throw { code: Codes.REMOTE_SERVER_FAILED, message: `user details request to ${where} failed: ${networkReason(err, shown.host, DETAILS_TIMEOUT_MS)}` };
  }
  const json = parseJson(text);
  if (res.status !== 200) throw { code: Codes.REMOTE_SERVER_FAILED, message: `user details request to ${where} refused: HTTP ${res.status}${envelopeDetail(json)}` };
  const parsed = userDetailsResponseSchema.safeParse(json);
  if (!parsed.success) throw { code: Codes.REMOTE_DATA_FAILED, message: `user details from ${where} are malformed: ${json === undefined ? 'not JSON' : firstIssue(parsed.error)}` };
  return parsed.data.data.user_list;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function addUsersPlus(cmd: AddUsersPlusCommand, ctx: CommandContext): Promise<CommandOutcome> {
  let records: unknown[];
  let missing: string[] = [];
  if (cmd.userid_list) {
    const ids = [...new Set(cmd.userid_list)];
    if (ids.length === 0) return { code: 0, message: 'no users to add', result: { success_users: [], failed_users: [] } };
    try {
      records = await fetchDetails(ids, cmd.extend_params.path!, ctx);
    } catch (err) {
      const e = err as { code: number; message: string };
      const failed = ids.map((id) => userFailed(id, e.code, e.message));
      return { code: e.code, message: e.message, result: { success_users: [], failed_users: failed } satisfies UsersResult };
    }
    const got = new Set(records.map((r) => String((r as { identity_id?: unknown } | null)?.identity_id ?? '')));
    missing = ids.filter((id) => !got.has(id));
  } else {
    records = cmd.user_info_list!;
  }
  let done = 0;
  const total = records.length;
  const outcomes: UserOutcome[] = await mapLimit(records, Math.max(1, ctx.concurrency), async (r) => {
    // stopping: start no further user; the message stays unacknowledged and runs again later
    if (ctx.stopping()) throw new Error('the agent is stopping');
    const o = await enrolOne(r, ctx);
    done++;
    if (done % 25 === 0 || done === total) ctx.log(`add_users_plus${cmd.messageId ? ` ${cmd.messageId}` : ''}: ${done}/${total} users processed`);
    return o;
  });
  for (const id of missing) outcomes.push(userFailed(id, Codes.REMOTE_DATA_FAILED, 'the platform sent no details for this user'));
  const result: UsersResult = { success_users: outcomes.filter((o) => o.code === 0), failed_users: outcomes.filter((o) => o.code !== 0) };
  const message = `${result.success_users.length} enrolled, ${result.failed_users.length} failed`;
  return { code: 0, message, result };
}
