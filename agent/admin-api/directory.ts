// The local admin API's directory in agent.db (migration 3): permission groups (their ids are
// what users' info.permission_ids and capture devices' permission_ids hold), user groups, and
// group membership. Membership is also kept in memory (identity_id → group names, in order of
// joining) so that every event can name the user's group without a query; a user deleted by any
// path (admin API, delete_users, wipe_data) leaves its groups through the foreign key, and the
// memory follows the users store's change hook.
import { randomUUID } from 'node:crypto';
import type { DbWriter } from '../store/serial';
import type { UsersStore } from '../users/store';

export interface Permission {
  permission_id: string;
  name: string;
  description: string;
  info: Record<string, unknown>;
}

export interface Group {
  group_name: string;
  description: string;
  info: Record<string, unknown>;
}

export const DEFAULT_PERMISSION = '0';
export const DEFAULT_GROUP = 'default_group';

const now = () => new Date().toISOString();

interface PermRow {
  permission_id: string;
  name: string;
  description: string;
  info: string;
}
interface GroupRow {
  group_name: string;
  description: string;
  info: string;
}
const perm = (r: PermRow): Permission => ({ ...r, info: JSON.parse(r.info) as Record<string, unknown> });
const group = (r: GroupRow): Group => ({ ...r, info: JSON.parse(r.info) as Record<string, unknown> });

export class Directory {
  /** identity_id → its groups, in order of joining */
  private readonly groupsOf = new Map<string, string[]>();
  /** permission_id → permission_name: events name their matched permission group without a query */
  private readonly permissionNames = new Map<string, string>();

  private constructor(
    private readonly w: DbWriter,
    readonly users: UsersStore,
  ) {}

  static async open(w: DbWriter, users: UsersStore): Promise<Directory> {
    const d = new Directory(w, users);
    await d.reload();
    users.onChange((c) => {
      if (c.kind === 'delete') d.groupsOf.delete(c.id);
      else if (c.kind === 'clear') d.groupsOf.clear();
    });
    return d;
  }

  private async reload(): Promise<void> {
    this.groupsOf.clear();
    this.permissionNames.clear();
    for (const r of await this.w.db.all<{ permission_id: string; name: string }>('SELECT permission_id, name FROM admin_permissions')) this.permissionNames.set(r.permission_id, r.name);
    for (const r of await this.w.db.all<{ group_name: string; identity_id: string }>('SELECT group_name, identity_id FROM admin_group_users ORDER BY added_at, rowid'))
      this.groupsOf.set(r.identity_id, [...(this.groupsOf.get(r.identity_id) ?? []), r.group_name]);
  }

  // ---- permissions ----

  async permission(key: { id?: string; name?: string }): Promise<Permission | null> {
    const r =
      key.id !== undefined
        ? await this.w.db.get<PermRow>('SELECT * FROM admin_permissions WHERE permission_id = ?', [key.id])
        : await this.w.db.get<PermRow>('SELECT * FROM admin_permissions WHERE name = ?', [key.name]);
    return r ? perm(r) : null;
  }

  /** The name of a permission group by its id, from memory (the recognition path asks per event). */
  permissionName(id: string): string | undefined {
    return this.permissionNames.get(id);
  }

  async permissions(skip: number, limit: number): Promise<{ list: Permission[]; total: number }> {
    const total = (await this.w.db.get<{ n: number }>('SELECT count(*) AS n FROM admin_permissions'))!.n;
    const rows = await this.w.db.all<PermRow>('SELECT * FROM admin_permissions ORDER BY created_at, rowid LIMIT ? OFFSET ?', [limit, skip * limit]);
    return { list: rows.map(perm), total };
  }

  /** The ids among `ids` that name no permission group. */
  async missingPermissions(ids: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of new Set(ids)) if (!(await this.w.db.get('SELECT 1 FROM admin_permissions WHERE permission_id = ?', [id]))) out.push(id);
    return out;
  }

  /** Adds a permission group; null when its name or id is taken. */
  async addPermission(p: Omit<Permission, 'permission_id'> & { permission_id?: string }): Promise<Permission | null> {
    const full: Permission = { ...p, permission_id: p.permission_id ?? randomUUID() };
    const r = await this.w.write('INSERT OR IGNORE INTO admin_permissions (permission_id, name, description, info, created_at) VALUES (?, ?, ?, ?, ?)', [
      full.permission_id,
      full.name,
      full.description,
      JSON.stringify(full.info),
      now(),
    ]);
    if (!r.changes) return null;
    this.permissionNames.set(full.permission_id, full.name);
    return full;
  }

  async updatePermission(id: string, p: Partial<Omit<Permission, 'permission_id'>>): Promise<Permission | null> {
    const cur = await this.permission({ id });
    if (!cur) return null;
    const next = { ...cur, ...p };
    await this.w.write('UPDATE admin_permissions SET name = ?, description = ?, info = ? WHERE permission_id = ?', [next.name, next.description, JSON.stringify(next.info), id]);
    this.permissionNames.set(id, next.name);
    return next;
  }

  /**
   * Deletes a permission group. Its users lose it from their permission_ids (they keep their face,
   * their other permissions and their groups), or with `recursive` are deleted altogether.
   * Returns the users affected.
   */
  async deletePermission(id: string, recursive: boolean): Promise<{ users: string[] }> {
    await this.w.write('DELETE FROM admin_permissions WHERE permission_id = ?', [id]);
    this.permissionNames.delete(id);
    const holders = [...this.users.index.values()].filter((u) => u.permission_ids.includes(id)).map((u) => u.identity_id);
    if (recursive) {
      await this.users.delete(holders);
    } else {
      for (const uid of holders) {
        const u = await this.users.get(uid);
        if (u) await this.users.updateDetails({ ...u, permission_ids: u.permission_ids.filter((p) => p !== id) });
      }
    }
    return { users: holders };
  }

  // ---- groups ----

  async group(name: string): Promise<Group | null> {
    const r = await this.w.db.get<GroupRow>('SELECT * FROM admin_groups WHERE group_name = ?', [name]);
    return r ? group(r) : null;
  }

  async groups(skip: number, limit: number): Promise<{ list: Array<Group & { user_count: number }>; total: number }> {
    const total = (await this.w.db.get<{ n: number }>('SELECT count(*) AS n FROM admin_groups'))!.n;
    const rows = await this.w.db.all<GroupRow & { user_count: number }>(
      `SELECT g.*, (SELECT count(*) FROM admin_group_users m WHERE m.group_name = g.group_name) AS user_count
       FROM admin_groups g ORDER BY g.created_at, g.rowid LIMIT ? OFFSET ?`,
      [limit, skip * limit],
    );
    return { list: rows.map((r) => ({ ...group(r), user_count: r.user_count })), total };
  }

  async missingGroups(names: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const n of new Set(names)) if (!(await this.group(n))) out.push(n);
    return out;
  }

  /** Adds a group; false when the name is taken. */
  async addGroup(g: Group): Promise<boolean> {
    const r = await this.w.write('INSERT OR IGNORE INTO admin_groups (group_name, description, info, created_at) VALUES (?, ?, ?, ?)', [g.group_name, g.description, JSON.stringify(g.info), now()]);
    return r.changes > 0;
  }

  async updateGroup(name: string, g: Partial<Omit<Group, 'group_name'>>): Promise<Group | null> {
    const cur = await this.group(name);
    if (!cur) return null;
    const next = { ...cur, ...g };
    await this.w.write('UPDATE admin_groups SET description = ?, info = ? WHERE group_name = ?', [next.description, JSON.stringify(next.info), name]);
    return next;
  }

  /** Deletes a group: its members leave it, or with `recursive` are deleted altogether. Returns the members. */
  async deleteGroup(name: string, recursive: boolean): Promise<{ users: string[] }> {
    const members = await this.members(name);
    await this.w.write('DELETE FROM admin_groups WHERE group_name = ?', [name]);
    for (const id of members) this.forget(id, name);
    if (recursive) await this.users.delete(members);
    return { users: members };
  }

  async members(name: string): Promise<string[]> {
    return (await this.w.db.all<{ identity_id: string }>('SELECT identity_id FROM admin_group_users WHERE group_name = ? ORDER BY added_at, rowid', [name])).map((r) => r.identity_id);
  }

  /** The user's groups (in order of joining). */
  groupsOfUser(id: string): readonly string[] {
    return this.groupsOf.get(id) ?? [];
  }

  /** Adds users (enrolled ones) to a group; those already in it stay as they are. */
  async join(name: string, ids: string[]): Promise<void> {
    const t = now();
    await this.w.tx(async (db) => {
      for (const id of ids) await db.run('INSERT OR IGNORE INTO admin_group_users (group_name, identity_id, added_at) VALUES (?, ?, ?)', [name, id, t]);
    });
    for (const id of ids) {
      const cur = this.groupsOf.get(id) ?? [];
      if (!cur.includes(name)) this.groupsOf.set(id, [...cur, name]);
    }
  }

  async leave(name: string, ids: string[]): Promise<void> {
    await this.w.tx(async (db) => {
      for (const id of ids) await db.run('DELETE FROM admin_group_users WHERE group_name = ? AND identity_id = ?', [name, id]);
    });
    for (const id of ids) this.forget(id, name);
  }

  /** Makes `names` the user's groups (leaving the others). */
  async setGroups(id: string, names: string[]): Promise<void> {
    for (const g of this.groupsOfUser(id).filter((g) => !names.includes(g))) await this.leave(g, [id]);
    for (const g of names) await this.join(g, [id]);
  }

  private forget(id: string, name: string): void {
    const rest = (this.groupsOf.get(id) ?? []).filter((g) => g !== name);
    if (rest.length) this.groupsOf.set(id, rest);
    else this.groupsOf.delete(id);
  }

  /** WipeData: every group and membership; the default group comes back empty. */
  async wipeGroups(): Promise<number> {
    const n = (await this.w.db.get<{ n: number }>('SELECT count(*) AS n FROM admin_groups'))!.n;
    await this.w.tx(async (db) => {
      await db.run('DELETE FROM admin_group_users');
      await db.run('DELETE FROM admin_groups');
      await db.run('INSERT INTO admin_groups (group_name, description, info, created_at) VALUES (?, ?, ?, ?)', [DEFAULT_GROUP, 'the group users join when they name none', '{}', now()]);
    });
    this.groupsOf.clear();
    return n;
  }
}
