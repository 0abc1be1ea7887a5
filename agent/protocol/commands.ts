// PROTOCOL.md §4: the commands the platform publishes on the box's queue (one JSON object per
// AMQP message). Schemas and types for both sides; builders for the platform; `parseCommand`
// for the box, which turns any malformed message into a plain reason (→ a 40071 result).
import { z } from 'zod';
import { firstIssue } from './config-api';

export const METHODS = ['add_users_plus', 'delete_users', 'wipe_data', 'fiqa'] as const;
export type Method = (typeof METHODS)[number];

export const FIQA_LEVEL_VALUES = ['high', 'custom', 'middle', 'low', 'no'] as const;

/** `extend_params`: a missing (or null) one is `{}`; unknown keys are kept. */
export const extendParamsSchema = z.preprocess(
  (v) => (v === undefined || v === null ? {} : v),
  z
    .object({
      /** result URL (§4.5; URL composition §3) */
      notify_path: z.string().optional(),
      /** user details URL for add_users_plus with userid_list (§5) */
      path: z.string().optional(),
    })
    .passthrough(),
);
export type ExtendParams = z.output<typeof extendParamsSchema>;

const messageIdSchema = z.union([z.string(), z.number().transform(String)]).optional();

const common = {
  messageId: messageIdSchema,
  extend_params: extendParamsSchema,
};

export const addUsersPlusSchema = z
  .object({
    method: z.literal('add_users_plus'),
    ...common,
    userid_list: z.array(z.union([z.string().min(1), z.number().transform(String)])).optional(),
    /** §5 user records; each is validated on its own (one bad record fails that user only) */
    user_info_list: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .superRefine((c, ctx) => {
    const n = (c.userid_list ? 1 : 0) + (c.user_info_list ? 1 : 0);
    if (n !== 1) ctx.addIssue({ code: 'custom', path: ['userid_list'], message: 'add_users_plus needs exactly one of userid_list or user_info_list' });
    if (c.userid_list && !c.extend_params.path)
      ctx.addIssue({ code: 'custom', path: ['extend_params', 'path'], message: 'extend_params.path (the user details URL) is required with userid_list' });
  });

export const deleteUsersSchema = z.object({
  method: z.literal('delete_users'),
  ...common,
  userid_list: z.array(z.union([z.string().min(1), z.number().transform(String)])),
});

export const wipeDataSchema = z.object({
  method: z.literal('wipe_data'),
  ...common,
  /** unknown keys ignored (kept) */
  wipe_options: z.object({ users: z.boolean().default(false), events: z.boolean().default(false) }).passthrough(),
});

export const fiqaCommandSchema = z.object({
  method: z.literal('fiqa'),
  ...common,
  info: z
    .object({
      image_base64_str: z.string().min(1, 'info.image_base64_str must not be empty'),
      fiqa_level: z.enum(FIQA_LEVEL_VALUES).default('high'),
    })
    .passthrough(),
});

export const commandSchema = z.discriminatedUnion('method', [addUsersPlusSchema, deleteUsersSchema, wipeDataSchema, fiqaCommandSchema]);
/** A command as the box reads it (defaults applied). */
export type Command = z.output<typeof commandSchema>;
export type AddUsersPlusCommand = z.output<typeof addUsersPlusSchema>;
export type DeleteUsersCommand = z.output<typeof deleteUsersSchema>;
export type WipeDataCommand = z.output<typeof wipeDataSchema>;
export type FiqaCommand = z.output<typeof fiqaCommandSchema>;
/** A command as a platform builds it. */
export type CommandBody = z.input<typeof commandSchema>;

export type ParsedCommand =
  | { ok: true; command: Command }
  | {
      ok: false;
      /** plain reason, e.g. "message is not JSON", "unknown method \"x\"", "userid_list must be a array" */
      reason: string;
      /** what could be read of the message, for routing its 40071 result */
      method: string;
      messageId?: string;
      notifyPath?: string;
    };

/** Parses one AMQP message body. Never throws. */
export function parseCommand(body: Buffer | string): ParsedCommand {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'message is not JSON', method: '' };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'message is not a JSON object', method: '' };
  const rec = raw as Record<string, unknown>;
  const method = typeof rec.method === 'string' ? rec.method : '';
  const messageId = typeof rec.messageId === 'string' ? rec.messageId : typeof rec.messageId === 'number' ? String(rec.messageId) : undefined;
  const ep = rec.extend_params;
  const np = ep && typeof ep === 'object' ? (ep as Record<string, unknown>).notify_path : undefined;
  const fail = (reason: string): ParsedCommand => ({ ok: false, reason, method, messageId, notifyPath: typeof np === 'string' ? np : undefined });
  if (rec.method === undefined) return fail('message has no method');
  if (typeof rec.method !== 'string') return fail('method must be a string');
  if (!(METHODS as readonly string[]).includes(method)) return fail(`unknown method "${method}" (known: ${METHODS.join(', ')})`);
  const parsed = commandSchema.safeParse(raw);
  if (!parsed.success) return fail(firstIssue(parsed.error));
  return { ok: true, command: parsed.data };
}

// ---- builders (platform side) ----

export interface CommandOptions {
  messageId?: string;
  /** result URL (§4.5) */
  notifyPath?: string;
  /** further extend_params keys */
  extend?: Record<string, unknown>;
}

function extendParams(o: CommandOptions, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...o.extend, ...more, ...(o.notifyPath ? { notify_path: o.notifyPath } : {}) };
}
const withId = (o: CommandOptions) => (o.messageId !== undefined ? { messageId: o.messageId } : {});

/** add_users_plus by ids: the box fetches the records from `path` (§5). */
export function addUsersPlusByIds(userids: string[], path: string, o: CommandOptions = {}) {
  return { method: 'add_users_plus' as const, ...withId(o), extend_params: extendParams(o, { path }), userid_list: userids };
}

/** add_users_plus with the records inline. */
export function addUsersPlusByInfo(users: Record<string, unknown>[], o: CommandOptions = {}) {
  return { method: 'add_users_plus' as const, ...withId(o), extend_params: extendParams(o), user_info_list: users };
}

export function deleteUsersCommand(userids: string[], o: CommandOptions = {}) {
  return { method: 'delete_users' as const, ...withId(o), extend_params: extendParams(o), userid_list: userids };
}

export function wipeDataCommand(wipe: { users: boolean; events: boolean }, o: CommandOptions = {}) {
  return { method: 'wipe_data' as const, ...withId(o), extend_params: extendParams(o), wipe_options: wipe };
}

export function fiqaCommand(imageBase64: string, level: (typeof FIQA_LEVEL_VALUES)[number] = 'high', o: CommandOptions = {}) {
  return { method: 'fiqa' as const, ...withId(o), extend_params: extendParams(o), info: { image_base64_str: imageBase64, fiqa_level: level } };
}
