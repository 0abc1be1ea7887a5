// delete_users (§4.2), wipe_data (§4.3) and fiqa (§4.4).
import { asFiqaError, protocolEntry } from '../face';
import { Codes, userOk, type DeleteUsersCommand, type FiqaCommand, type UsersResult, type WipeDataCommand } from '../protocol';
import type { CommandContext } from './context';
import type { CommandOutcome } from './add-users';
import { decodeBase64Photo, PhotoError } from './photo';

export async function deleteUsers(cmd: DeleteUsersCommand, ctx: CommandContext): Promise<CommandOutcome> {
  const ids = [...new Set(cmd.userid_list)];
  const gone = new Set(await ctx.users.delete(ids));
  // Unknown ids are skipped (§4.2): reported as done, since the box holds no such user.
  const result: UsersResult = {
    success_users: ids.map((id) => userOk(id, gone.has(id) ? 'deleted' : 'not enrolled on this box; nothing to delete')),
    failed_users: [],
  };
  return { code: 0, message: `${gone.size} deleted, ${ids.length - gone.size} were not enrolled`, result };
}

export async function wipeData(cmd: WipeDataCommand, ctx: CommandContext): Promise<CommandOutcome> {
  const done: string[] = [];
  if (cmd.wipe_options.users) done.push(`${await ctx.users.wipe()} users`);
  if (cmd.wipe_options.events) {
    // the events store arrives with recognition; wipe its table when it exists
    const t = await ctx.db.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'events'");
    if (t?.n) {
      const r = await ctx.db.run('DELETE FROM events');
      done.push(`${r.changes} events`);
    } else done.push('0 events');
  }
  return { code: 0, message: done.length ? `wiped ${done.join(' and ')}` : 'nothing to wipe (wipe_options selects neither users nor events)', result: { wipe_options: cmd.wipe_options } };
}

export async function fiqa(cmd: FiqaCommand, ctx: CommandContext): Promise<CommandOutcome> {
  let image: Buffer;
  try {
    image = decodeBase64Photo(cmd.info.image_base64_str, ctx.photoLimits.maxBytes, 'info.image_base64_str');
  } catch (err) {
    return { code: Codes.MQ_PARAM_ERROR, message: (err as PhotoError).message, result: { data: [] } };
  }
  try {
    const pool = await ctx.face();
    const a = await pool.analyze(image, { level: cmd.info.fiqa_level, attributes: false });
    const n = a.data.filter((e) => e.fiqa_result).length;
    return { code: 0, message: `${a.data.length} face(s), ${n} passed at level ${cmd.info.fiqa_level}`, result: { data: a.data.map(protocolEntry) } };
  } catch (err) {
    const e = asFiqaError(err);
    return { code: e.code, message: e.message, result: { data: [] } };
  }
}
