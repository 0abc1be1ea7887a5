// /SophonFogSys/api/users (PROTOCOL §7): enrol (POST), read and list (GET), change (PUT) and
// delete (DELETE) users. Enrolment takes the same path as add_users_plus (commands/enrol.ts):
// the FIQA gate at the level of the register type (or `fiqa_level`), the descriptor with its model
// id, stored in one transaction, and the recognition gallery follows at once.
import { z } from 'zod';
import { FIQA_LEVELS, type FiqaLevel } from '../face';
import { Codes, ProtocolError, userInfoSchema } from '../protocol';
import { enrolPhoto, levelFor, type UserDetails } from '../commands/enrol';
import { decodeBase64Photo, PhotoError } from '../commands/photo';
import type { StoredUser } from '../users/store';
import { DEFAULT_GROUP } from './directory';
import type { AdminContext, Resource } from './context';
import { boolParam, intParam, nameParam, notFound, pagination, pagingSchema, parse, readParams, USER_BODY } from './request';

const identity = z.union([z.string().trim().min(1, 'identity_id must not be empty').max(128), z.number().int().transform(String)], { message: 'identity_id is required (a string)' });
/** comma-separated names (or a list) */
const groupNames = z
  .union([z.string(), z.array(z.string())], { message: 'group_name must be a comma-separated string of group names' })
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(nameParam('group_name')).max(100, 'at most 100 groups'));
const NAME = { group_name: Codes.GROUP_NAME_ERROR };

const enrolFields = {
  /** base64 text, or the bytes of a multipart file part (form-data.ts) */
  reg_photo: z.union([z.string(), z.instanceof(Buffer)], { message: 'reg_photo is required: the photo as base64 (or a file part of a multipart/form-data body)' }),
  register_type: z.union([z.literal(1), z.literal(2)], { message: 'register_type must be 1 or 2' }).default(1),
  fiqa_level: z.enum(FIQA_LEVELS as [FiqaLevel, ...FiqaLevel[]], { message: `fiqa_level must be one of ${FIQA_LEVELS.join(', ')}` }).optional(),
  create_no_exit_permission: boolParam.default(false),
};
const postSchema = z.object({
  identity_id: identity,
  ...enrolFields,
  group_name: groupNames.default([DEFAULT_GROUP]),
  ignore_exist: boolParam.default(false),
  info: userInfoSchema.default({ permission_ids: ['0'] }),
});
const putSchema = z.object({
  identity_id: identity,
  ...enrolFields,
  reg_photo: enrolFields.reg_photo.optional(),
  register_type: z.union([z.literal(1), z.literal(2)], { message: 'register_type must be 1 or 2' }).optional(),
  group_name: groupNames.optional(),
  info: z.record(z.string(), z.unknown(), { message: 'info must be a JSON object' }).pipe(userInfoSchema.partial()).optional(),
});

/** Group and permission checks before anything is stored; returns the permissions to create. */
async function checkRefs(ctx: AdminContext, groups: string[] | undefined, perms: string[], create: boolean): Promise<string[]> {
  if (groups) {
    const missing = await ctx.dir.missingGroups(groups);
    if (missing.length) throw new ProtocolError(Codes.GROUP_NAME_ERROR, `no group named ${missing.map((g) => `"${g}"`).join(', ')}; create it with POST /SophonFogSys/api/groups first`, 400);
  }
  const missing = await ctx.dir.missingPermissions(perms);
  if (missing.length && !create)
    throw notFound(`no permission group with id ${missing.map((p) => `"${p}"`).join(', ')}; create it with POST /SophonFogSys/api/permissions, or send create_no_exit_permission: true`);
  return missing;
}

function decodePhoto(ctx: AdminContext, b64: string | Buffer): Buffer {
  if (Buffer.isBuffer(b64)) {
    // a file part, size-checked when read
    if (b64.length === 0) throw new ProtocolError(Codes.IMAGE_ERROR, 'reg_photo is an empty file', 400);
    return b64;
  }
  try {
    return decodeBase64Photo(b64, ctx.maxPhotoBytes);
  } catch (err) {
    const msg = (err as PhotoError).message;
    throw new ProtocolError(/larger than/.test(msg) ? Codes.IMAGE_SIZE_TOO_LARGE_ERROR : Codes.IMAGE_ERROR, msg, /larger than/.test(msg) ? 413 : 400);
  }
}

async function enrol(ctx: AdminContext, details: UserDetails, photo: Buffer, level: FiqaLevel): Promise<void> {
  const r = await enrolPhoto(details, photo, level, ctx);
  if (r.ok) return;
  if (r.code === Codes.SERVER_PROCESS_FAILED) throw new ProtocolError(r.code, r.message, 500);
  throw new ProtocolError(r.code, r.message, 400);
}

async function finish(ctx: AdminContext, id: string, newPerms: string[], groups: string[] | undefined): Promise<void> {
  for (const p of newPerms) await ctx.dir.addPermission({ permission_id: p, name: p, description: 'created by POST users (create_no_exit_permission)', info: {} });
  if (groups) await ctx.dir.setGroups(id, groups);
}

function view(ctx: AdminContext, u: Pick<StoredUser, 'identity_id' | 'name' | 'type' | 'register_type' | 'permission_ids' | 'info'>) {
  return {
    identity_id: u.identity_id,
    group_name: [...ctx.dir.groupsOfUser(u.identity_id)],
    register_type: u.register_type,
    info: { ...u.info, name: u.name ?? '', type: u.type ?? 1, permission_ids: u.permission_ids, user_id: u.identity_id },
  };
}

/** POST/PUT users also take multipart/form-data with reg_photo as a file part */
const form = (ctx: AdminContext) => ({ photoField: 'reg_photo', maxPhotoBytes: ctx.maxPhotoBytes });

export const users: Resource = {
  async POST(req, ctx) {
    const q = parse(postSchema, await readParams(req, USER_BODY, form(ctx)), NAME);
    if (ctx.users.index.has(q.identity_id) && !q.ignore_exist)
      throw new ProtocolError(Codes.IDENTITY_EXSIT_ERROR, `user "${q.identity_id}" already exists; send ignore_exist: true to update it, or PUT`, 409);
    const { name, type, permission_ids, ...other } = q.info;
    const perms = [...new Set(permission_ids.map(String))];
    const create = await checkRefs(ctx, q.group_name, perms, q.create_no_exit_permission);
    const photo = decodePhoto(ctx, q.reg_photo);
    const details: UserDetails = { identity_id: q.identity_id, name: name ?? null, type: type ?? null, register_type: q.register_type, permission_ids: perms, info: other };
    await enrol(ctx, details, photo, q.fiqa_level ?? levelFor(q.register_type));
    // ignore_exist adds the groups to those the user has; a new user gets exactly these
    const groups = ctx.dir.groupsOfUser(q.identity_id).length ? [...new Set([...ctx.dir.groupsOfUser(q.identity_id), ...q.group_name])] : q.group_name;
    await finish(ctx, q.identity_id, create, groups);
    return view(ctx, details);
  },

  async PUT(req, ctx) {
    const params = await readParams(req, USER_BODY, form(ctx));
    const q = parse(putSchema, params, NAME);
    // (zod fills info.permission_ids' default even in a partial object: keep the user's unless sent)
    const sentPerms = typeof params.info === 'object' && params.info !== null && 'permission_ids' in params.info;
    const cur = await ctx.users.get(q.identity_id);
    if (!cur) throw notFound(`user "${q.identity_id}" is not enrolled on this box; POST /SophonFogSys/api/users enrols`);
    const { name, type, permission_ids, ...other } = q.info ?? {};
    const details: UserDetails = {
      identity_id: cur.identity_id,
      name: name !== undefined ? name : cur.name,
      type: type !== undefined ? type : cur.type,
      register_type: q.register_type ?? cur.register_type,
      permission_ids: sentPerms && permission_ids ? [...new Set(permission_ids.map(String))] : cur.permission_ids,
      info: q.info ? (other as Record<string, unknown>) : cur.info,
    };
    const create = await checkRefs(ctx, q.group_name, details.permission_ids, q.create_no_exit_permission);
    if (q.reg_photo !== undefined) await enrol(ctx, details, decodePhoto(ctx, q.reg_photo), q.fiqa_level ?? levelFor(details.register_type));
    else await ctx.users.updateDetails(details);
    await finish(ctx, cur.identity_id, create, q.group_name);
    return view(ctx, details);
  },

  async DELETE(req, ctx) {
    const q = parse(z.object({ identity_id: z.union([identity.transform((s) => [s]), z.array(identity).min(1).max(10_000)], { message: 'identity_id is required' }) }), await readParams(req));
    const ids = [...new Set(q.identity_id)];
    const gone = await ctx.users.delete(ids);
    if (gone.length === 0) throw notFound(`not enrolled on this box: ${ids.slice(0, 20).join(', ')}`);
    const missing = ids.filter((id) => !gone.includes(id));
    return { identity_id: ids.length === 1 ? gone[0] : gone, message: `deleted ${gone.length} user(s) with their faces and group memberships`, ...(missing.length ? { not_found: missing } : {}) };
  },

  async GET(req, ctx) {
    const q = parse(z.object({ identity_id: identity.optional(), group_name: z.string().optional(), ...pagingSchema, limit: intParam(1, 1000).default(10) }), await readParams(req));
    if (q.identity_id !== undefined) {
      const u = await ctx.users.get(q.identity_id);
      if (!u) throw notFound(`user "${q.identity_id}" is not enrolled on this box`);
      return { ...view(ctx, u), reg_photo: u.photo.toString('base64'), model_id: u.model_id };
    }
    if (q.group_name !== undefined && !(await ctx.dir.group(q.group_name))) throw notFound(`no group named "${q.group_name}"`);
    const where = q.group_name !== undefined ? 'WHERE identity_id IN (SELECT identity_id FROM admin_group_users WHERE group_name = ?)' : '';
    const args = q.group_name !== undefined ? [q.group_name] : [];
    const total = (await ctx.db.get<{ n: number }>(`SELECT count(*) AS n FROM users ${where}`, args))!.n;
    const rows = await ctx.db.all<{ identity_id: string; name: string | null; type: number | null; register_type: number; permission_ids: string; info: string }>(
      `SELECT identity_id, name, type, register_type, permission_ids, info FROM users ${where} ORDER BY created_at, identity_id LIMIT ? OFFSET ?`,
      [...args, q.limit, q.skip_num * q.limit],
    );
    const identities = rows.map((r) => view(ctx, { ...r, permission_ids: JSON.parse(r.permission_ids) as string[], info: JSON.parse(r.info) as Record<string, unknown> }));
    return { identities, pagination: pagination(q.skip_num, q.limit, total) };
  },
};
