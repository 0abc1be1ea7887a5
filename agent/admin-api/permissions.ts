// /SophonFogSys/api/permissions (PROTOCOL §7): the permission groups capture devices bind to
// and users carry in info.permission_ids. A permission is named by `permission_name` (unique)
// and identified by `permission_id` (a UUID, or the id the integrator gives on POST).
import { z } from 'zod';
import { Codes, ProtocolError } from '../protocol';
import type { Permission } from './directory';
import type { Resource } from './context';
import { boolParam, descriptionParam, infoParam, nameParam, notFound, pagination, pagingSchema, parse, readParams } from './request';

const idParam = z.union([z.string().trim().min(1).max(100), z.number().int().transform(String)], { message: 'permission_id must be a non-empty string' });
const NAME = { permission_name: Codes.GROUP_NAME_ERROR };

const view = (p: Permission) => ({ permission_id: p.permission_id, name: p.name, permission_name: p.name, description: p.description, info: p.info, version: 'V2' });

/** The permission a request names by permission_id or permission_name (404 when there is none). */
async function target(ctx: Parameters<NonNullable<Resource['GET']>>[1], q: { permission_id?: string; permission_name?: string }): Promise<Permission> {
  if (q.permission_id === undefined && q.permission_name === undefined) throw new ProtocolError(Codes.PARAM_ERROR, 'permission_name (or permission_id) is required', 400);
  const p = await ctx.dir.permission(q.permission_id !== undefined ? { id: q.permission_id } : { name: q.permission_name });
  if (!p) throw notFound(`no permission group ${q.permission_id !== undefined ? `with permission_id "${q.permission_id}"` : `named "${q.permission_name}"`}; GET /SophonFogSys/api/permissions lists them`);
  return p;
}

export const permissions: Resource = {
  async POST(req, ctx) {
    const q = parse(z.object({ permission_name: nameParam('permission_name'), permission_id: idParam.optional(), description: descriptionParam, info: infoParam }), await readParams(req), NAME);
    if (q.permission_id !== undefined && (await ctx.dir.permission({ id: q.permission_id })))
      throw new ProtocolError(Codes.PARAM_ERROR, `permission_id "${q.permission_id}" is already used by another permission group`, 409);
    const p = await ctx.dir.addPermission({ name: q.permission_name, description: q.description, info: q.info, permission_id: q.permission_id });
    if (!p) throw new ProtocolError(Codes.GROUP_NAME_ERROR, `a permission group named "${q.permission_name}" already exists`, 409);
    return view(p);
  },

  async GET(req, ctx) {
    const q = parse(z.object({ permission_name: z.string().optional(), permission_id: z.string().optional(), ...pagingSchema }), await readParams(req));
    if (q.permission_name !== undefined || q.permission_id !== undefined) {
      const p = await target(ctx, q);
      return { permissions_list: [view(p)], pagination: pagination(0, q.limit, 1) };
    }
    const { list, total } = await ctx.dir.permissions(q.skip_num, q.limit);
    return { permissions_list: list.map(view), pagination: pagination(q.skip_num, q.limit, total) };
  },

  async PUT(req, ctx) {
    const q = parse(
      z.object({ permission_name: nameParam('permission_name').optional(), permission_id: idParam.optional(), description: z.string().max(1000).optional(), info: infoParam.optional() }),
      await readParams(req),
      NAME,
    );
    const cur = await target(ctx, q);
    // named by id, a new permission_name renames it
    const rename = q.permission_id !== undefined && q.permission_name !== undefined && q.permission_name !== cur.name ? q.permission_name : undefined;
    if (rename && (await ctx.dir.permission({ name: rename }))) throw new ProtocolError(Codes.GROUP_NAME_ERROR, `a permission group named "${rename}" already exists`, 409);
    const p = await ctx.dir.updatePermission(cur.permission_id, { ...(rename ? { name: rename } : {}), ...(q.description !== undefined ? { description: q.description } : {}), ...(q.info ? { info: q.info } : {}) });
    return { info: view(p!) };
  },

  async DELETE(req, ctx) {
    const q = parse(z.object({ permission_name: z.string().optional(), permission_id: z.string().optional(), user_recursive_delete: boolParam.default(false) }), await readParams(req));
    const p = await target(ctx, q);
    const { users } = await ctx.dir.deletePermission(p.permission_id, q.user_recursive_delete);
    return {
      permission_name: p.name,
      permission_id: p.permission_id,
      message: q.user_recursive_delete
        ? `deleted the permission group and its ${users.length} user(s) with their faces`
        : `deleted the permission group; its ${users.length} user(s) are kept without it`,
      users: users.length,
    };
  },
};
