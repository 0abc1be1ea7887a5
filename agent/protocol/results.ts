// PROTOCOL.md §4.5: the result object every command produces, and the command-specific
// `result` shapes of §4.1–4.4. Builders for the box; schemas for the platform to parse.
import { z } from 'zod';
import { Codes } from './codes';

export const userOutcomeSchema = z.object({
  userid: z.string(),
  username: z.string().optional(),
  message: z.string(),
  code: z.number().int(),
});
export type UserOutcome = z.infer<typeof userOutcomeSchema>;

/** §4.1 add_users_plus and §4.2 delete_users `result`. */
export const usersResultSchema = z.object({
  success_users: z.array(userOutcomeSchema),
  failed_users: z.array(userOutcomeSchema),
});
export type UsersResult = z.infer<typeof usersResultSchema>;

/** §4.3 wipe_data `result`. */
export const wipeResultSchema = z.object({ wipe_options: z.object({ users: z.boolean(), events: z.boolean() }).passthrough() });
export type WipeResult = z.infer<typeof wipeResultSchema>;

/** One §4.4 `result.data` entry (the bare protocol fields). */
export const fiqaProtocolEntrySchema = z.object({
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  fails: z.array(z.string()),
  fiqa_result: z.boolean(),
  info: z
    .object({
      brightness: z.number(),
      clarity: z.number(),
      face_size: z.number(),
      headpose: z.object({ pitch_angle: z.number(), roll_angle: z.number(), yaw_angle: z.number() }),
      mask: z.number(),
      occlusion: z.array(z.boolean()),
      partial: z.boolean(),
    })
    .passthrough(),
  score: z.number(),
  success: z.array(z.string()),
});
export type FiqaProtocolEntry = z.infer<typeof fiqaProtocolEntrySchema>;
/** §4.4 fiqa `result`. */
export const fiqaResultSchema = z.object({ data: z.array(fiqaProtocolEntrySchema) });
export type FiqaResult = z.infer<typeof fiqaResultSchema>;

/** The §4.5 result object. */
export const commandResultSchema = z.object({
  success: z.boolean(),
  code: z.number().int(),
  message: z.string(),
  dev_sno: z.string(),
  messageKey: z.string(),
  messageId: z.string().optional(),
  result: z.record(z.string(), z.unknown()),
});
export type CommandResult = z.infer<typeof commandResultSchema>;

export interface ResultInput {
  devSno: string;
  /** the command's `method` (`messageKey`); '' when the message had none */
  method: string;
  messageId?: string;
  code?: number;
  message?: string;
  result?: Record<string, unknown>;
}

/** Builds a §4.5 result; `success` is code === 0; `messageId` only when given. */
export function commandResult(r: ResultInput): CommandResult {
  const code = r.code ?? Codes.SUCCESS;
  return {
    success: code === Codes.SUCCESS,
    code,
    message: r.message ?? (code === Codes.SUCCESS ? 'ok' : 'failed'),
    dev_sno: r.devSno,
    messageKey: r.method,
    ...(r.messageId !== undefined ? { messageId: r.messageId } : {}),
    result: r.result ?? {},
  };
}

/** A 40071 result for a malformed message (§4.5), with the reason. */
export function paramErrorResult(devSno: string, reason: string, method = '', messageId?: string): CommandResult {
  return commandResult({ devSno, method, messageId, code: Codes.MQ_PARAM_ERROR, message: reason });
}

export const userOk = (userid: string, message: string, username?: string): UserOutcome => ({
  userid,
  ...(username !== undefined ? { username } : {}),
  message,
  code: Codes.SUCCESS,
});
export const userFailed = (userid: string, code: number, message: string, username?: string): UserOutcome => ({
  userid,
  ...(username !== undefined ? { username } : {}),
  message,
  code,
});
