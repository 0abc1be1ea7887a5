// /SophonFogSys/api/groups and /SophonFogSys/api/GroupUsers (PROTOCOL §7): user groups, named
// by `group_name` (unique; the name an event's group_name shows), and their members.
import { z } from 'zod';
import { Codes, ProtocolError } from '../protocol';
import type { Group } from './directory';
import type { AdminContext, Resource } from './context';
import { boolParam, descriptionParam, infoParam, nameParam, notFound, pagination, pagingSchema, parse, readParams } from './request';

const NAME = { group_name: Codes.GROUP_NAME_ERROR };
const view = (g: Group & { user_count?: number }) => ({ group_name: g.group_name, name: g.group_name, description: g.description, info: g.info, ...(g.user_count !== undefined ? { user_count: g.user_count } : {}) });

async function existing(ctx: AdminContext, name: string): Promise<Group> {
  const g = await ctx.dir.group(name);
  if (!g) throw notFound(`no group named "${name}"; GET /SophonFogSys/api/groups lists them`);
  return g;
}

export const groups: Resource = {
  async POST(req, ctx) {
    const q = parse(z.object({ group_name: nameParam('group_name'), description: descriptionParam, info: infoParam }), await readParams(req), NAME);
    if (!(await ctx.dir.addGroup(q))) throw new ProtocolError(Codes.GROUP_NAME_ERROR, `a group named "${q.group_name}" already exists`, 409);
    return view(q);
  },

  async GET(req, ctx) {
    const q = parse(z.object({ group_name: z.string().optional(), ...pagingSchema }), await readParams(req));
    if (q.group_name !== undefined) {
      const g = await existing(ctx, q.group_name);
      return { groups_list: [{ ...view(g), user_count: (await ctx.dir.members(g.group_name)).length }], pagination: pagination(0, q.limit, 1) };
    }
    const { list, total } = await ctx.dir.groups(q.skip_num, q.limit);
    return { groups_list: list.map(view), pagination: pagination(q.skip_num, q.limit, total) };
  },

  async PUT(req, ctx) {
    const q = parse(z.object({ group_name: nameParam('group_name'), description: z.string().max(1000).optional(), info: infoParam.optional() }), await readParams(req), NAME);
    await existing(ctx, q.group_name);
    const g = await ctx.dir.updateGroup(q.group_name, { ...(q.description !== undefined ? { description: q.description } : {}), ...(q.info ? { info: q.info } : {}) });
    return { info: view(g!) };
  },

  async DELETE(req, ctx) {
    const q = parse(z.object({ group_name: nameParam('group_name'), user_recursive_delete: boolParam.default(false) }), await readParams(req), NAME);
    await existing(ctx, q.group_name);
    const { users } = await ctx.dir.deleteGroup(q.group_name, q.user_recursive_delete);
    return {
      group_name: q.group_name,
      message: q.user_recursive_delete ? `deleted the group and its ${users.length} user(s) with their faces` : `deleted the group; its ${users.length} user(s) are kept`,
      users: users.length,
    };
  },
};

const idList = z.union([z.string().min(1).transform((s) => [s]), z.array(z.union([z.string().min(1), z.number().int().transform(String)])).min(1).max(10_000)], {
  message: 'identity_id must be a list of user ids',
});
const membersSchema = z.object({ group_name: nameParam('group_name'), identity_id: idList, with_identity_id: boolParam.default(false) });

/** Checks a GroupUsers request: the group and every user exist (else nothing changes). */
async function membersRequest(req: Parameters<NonNullable<Resource['PUT']>>[0], ctx: AdminContext) {
  const q = parse(membersSchema, await readParams(req), NAME);
  await existing(ctx, q.group_name);
  const ids = [...new Set(q.identity_id)];
  const unknown = ids.filter((id) => !ctx.users.index.has(id));
  if (unknown.length) throw notFound(`not enrolled on this box: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''}; nothing changed`);
  return { ...q, ids };
}

export const groupUsers: Resource = {
  async PUT(req, ctx) {
    const q = await membersRequest(req, ctx);
    await ctx.dir.join(q.group_name, q.ids);
    return { group_name: q.group_name, ...(q.with_identity_id ? { identity_id: await ctx.dir.members(q.group_name) } : {}) };
  },
  async DELETE(req, ctx) {
    const q = await membersRequest(req, ctx);
    await ctx.dir.leave(q.group_name, q.ids);
    return { group_name: q.group_name, ...(q.with_identity_id ? { identity_id: await ctx.dir.members(q.group_name) } : {}) };
  },
};
