// The box's command handler (PROTOCOL §4): one AMQP message in, one §4.5 result committed to the
// outbox (delivered from there). Malformed messages get a 40071 result. A redelivered message
// whose result is already committed is not run again; its result is delivered again.
import { createHash } from 'node:crypto';
import { Codes, commandResult, composeUrl, paramErrorResult, parseCommand, type Command, type CommandResult } from '../protocol';
import type { Lane } from '../link/broker';
import type { ResultOutbox } from '../link/outbox';
import { addUsersPlus, type CommandOutcome } from './add-users';
import type { CommandContext } from './context';
import { deleteUsers, fiqa, wipeData } from './simple';

export { DEFAULT_PHOTO_LIMITS, type CommandContext, type PhotoLimits } from './context';

async function dispatch(c: Command, ctx: CommandContext): Promise<CommandOutcome> {
  switch (c.method) {
    case 'add_users_plus':
      return addUsersPlus(c, ctx);
    case 'delete_users':
      return deleteUsers(c, ctx);
    case 'wipe_data':
      return wipeData(c, ctx);
    case 'fiqa':
      return fiqa(c, ctx);
  }
}

export function createCommandHandler(ctx: CommandContext, outbox: ResultOutbox) {
  return async (lane: Lane, body: Buffer, redelivered: boolean): Promise<void> => {
    const sha = createHash('sha256').update(body).digest('hex');
    if (redelivered) {
      const id = await outbox.findRecent(sha);
      if (id !== null) {
        ctx.log(`command: a redelivered message was already done; sending its result again`);
        await outbox.resend(id);
        return;
      }
    }
    const p = parseCommand(body);
    let result: CommandResult;
    let notify: string | undefined;
    let kind: 'command' | 'fiqa' = lane;
    if (!p.ok) {
      ctx.log(`command: rejected a malformed message (${p.reason})`);
      result = paramErrorResult(ctx.devSno(), p.reason, p.method, p.messageId);
      notify = p.notifyPath;
    } else {
      const c = p.command;
      if (c.method === 'fiqa') kind = 'fiqa';
      let o: CommandOutcome;
      try {
        o = await dispatch(c, ctx);
      } catch (err) {
        ctx.log(`command ${c.method} failed: ${err instanceof Error ? err.stack : String(err)}`);
        o = { code: Codes.SERVER_PROCESS_FAILED, message: `internal error: ${(err as Error)?.message ?? String(err)}`, result: {} };
      }
      result = commandResult({ devSno: ctx.devSno(), method: c.method, messageId: c.messageId, code: o.code, message: o.message, result: o.result });
      notify = c.extend_params.notify_path;
    }
    // shutting down: the face engine may have failed photos only because it was closed; leave
    // the message unacknowledged so that the next start runs it properly
    if (ctx.stopping()) throw new Error('the agent is stopping');
    let notifyUrl: string | null = null;
    const s = ctx.session();
    if (notify && s) {
      try {
        notifyUrl = composeUrl(s.loginUrl, notify);
      } catch (err) {
        ctx.log(`command: notify_path "${notify.slice(0, 200)}" ignored: ${(err as Error).message}`);
      }
    }
    await outbox.add(sha, kind, notifyUrl, result);
  };
}
