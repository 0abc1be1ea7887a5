// People and permission groups. A person (identity_id = id) has a name, a type (§5: 1 staff,
// 2 visitor, 3 blacklist, 4 stranger, 5 VIP), a register_type, extra info, groups and one or
// more photos; a box holds the members of the groups it is assigned.
import { createHash } from 'node:crypto';
import type { PlatformDb } from './db';
import { PlatformError } from './errors';
import type { PhotoVerdict } from './photos';

export const PERSON_ID_RE = /^[A-Za-z0-9_.@-]{1,64}$/;
export const GROUP_NAME_RE = /^[^\u0000-\u001f,]{1,64}$/;

export interface PersonRow {
  id: string;
  name: string;
  type: number;
  register_type: number;
  info_json: string;
  created_at: number;
  updated_at: number;
}

export interface PhotoRow {
  person_id: string;
  sha256: string;
  ext: string;
  bytes: number;
  pass: number;
  score: number;
  code: number;
  verdict_json: string;
  added_at: number;
}

export interface GroupRow {
  id: number;
  name: string;
  created_at: number;
}

export interface PersonInput {
  id: string;
  name: string;
  type?: number;
  registerType?: number;
  info?: Record<string, unknown>;
  groups?: string[];
}

export function personIdProblem(id: string): string | null {
  return PERSON_ID_RE.test(id) ? null : 'a person id is 1–64 letters, digits or . _ - @';
}

export class PeopleStore {
  constructor(private readonly db: PlatformDb) {}

  // ---- groups ----
  listGroups(): Promise<Array<GroupRow & { members: number; devices: number }>> {
    return this.db.all(
      `SELECT g.*, (SELECT count(*) FROM person_groups pg WHERE pg.group_id = g.id) AS members,
              (SELECT count(*) FROM device_groups dg WHERE dg.group_id = g.id) AS devices
       FROM groups g ORDER BY g.name`,
    );
  }

  getGroup(name: string): Promise<GroupRow | undefined> {
    return this.db.get<GroupRow>('SELECT * FROM groups WHERE name = ?', [name]);
  }

  async requireGroup(name: string): Promise<GroupRow> {
    const g = await this.getGroup(name);
    if (!g) throw new PlatformError(`there is no group "${name}"; add it first (se3kit platform groups add "${name}")`, 'no_group', 404);
    return g;
  }

  async addGroup(name: string): Promise<GroupRow> {
    if (!GROUP_NAME_RE.test(name)) throw new PlatformError('a group name is 1–64 characters, without commas', 'bad_group', 400);
    if (await this.getGroup(name)) throw new PlatformError(`there is already a group "${name}"`, 'group_exists', 409);
    await this.db.run('INSERT INTO groups (name, created_at) VALUES (?, ?)', [name, Date.now()]);
    return (await this.getGroup(name))!;
  }

  async renameGroup(name: string, to: string): Promise<GroupRow> {
    const g = await this.requireGroup(name);
    if (!GROUP_NAME_RE.test(to)) throw new PlatformError('a group name is 1–64 characters, without commas', 'bad_group', 400);
    if (to !== name && (await this.getGroup(to))) throw new PlatformError(`there is already a group "${to}"`, 'group_exists', 409);
    await this.db.run('UPDATE groups SET name = ? WHERE id = ?', [to, g.id]);
    return (await this.getGroup(to))!;
  }

  async deleteGroup(name: string): Promise<void> {
    const g = await this.requireGroup(name);
    await this.db.run('DELETE FROM groups WHERE id = ?', [g.id]);
  }

  /** The groups' ids; with `create`, a group that does not exist is added (in the caller's transaction). */
  async groupIds(names: string[], create = false): Promise<{ ids: number[]; created: string[] }> {
    const ids: number[] = [];
    const created: string[] = [];
    for (const n of names) {
      const g = create ? await this.getGroup(n) : await this.requireGroup(n);
      if (g) ids.push(g.id);
      else {
        ids.push((await this.addGroup(n)).id);
        created.push(n);
      }
    }
    return { ids, created };
  }

  // ---- people ----
  get(id: string): Promise<PersonRow | undefined> {
    return this.db.get<PersonRow>('SELECT * FROM people WHERE id = ?', [id]);
  }

  async require(id: string): Promise<PersonRow> {
    const p = await this.get(id);
    if (!p) throw new PlatformError(`there is no person with id "${id}"`, 'no_person', 404);
    return p;
  }

  /**
   * Creates or (with `update`) overwrites a person. Groups given replace the person's groups
   * (with `createGroups`, missing ones are added). Says whether the person is new and which
   * groups were added.
   */
  async upsert(p: PersonInput, opts: { update: boolean; createGroups?: boolean }): Promise<{ row: PersonRow; created: boolean; groupsCreated: string[] }> {
    const idp = personIdProblem(p.id);
    if (idp) throw new PlatformError(idp, 'bad_person', 400);
    const name = p.name.trim();
    if (!name || name.length > 128) throw new PlatformError('a person needs a name (at most 128 characters)', 'bad_person', 400);
    const existing = await this.get(p.id);
    if (existing && !opts.update)
      throw new PlatformError(`there is already a person with id "${p.id}"; to change them, use Edit on the People page or import a CSV row with that id`, 'person_exists', 409);
    // an update keeps what it does not mention
    const type = p.type ?? existing?.type ?? 1;
    if (![1, 2, 3, 4, 5].includes(type)) throw new PlatformError('type is 1 staff, 2 visitor, 3 blacklist, 4 stranger or 5 VIP', 'bad_person', 400);
    const rt = p.registerType ?? existing?.register_type ?? 1;
    if (rt !== 1 && rt !== 2) throw new PlatformError('register_type is 1 (regular) or 2 (stranger re-registration)', 'bad_person', 400);
    const groups = p.groups ? await this.groupIds(p.groups, opts.createGroups) : null;
    const groupIds = groups?.ids;
    const now = Date.now();
    const info = JSON.stringify(p.info ?? (existing ? JSON.parse(existing.info_json) : {}));
    if (existing) {
      await this.db.run('UPDATE people SET name = ?, type = ?, register_type = ?, info_json = ?, updated_at = ? WHERE id = ?', [name, type, rt, info, now, p.id]);
    } else {
      await this.db.run('INSERT INTO people (id, name, type, register_type, info_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [p.id, name, type, rt, info, now, now]);
    }
    if (groupIds) {
      await this.db.run('DELETE FROM person_groups WHERE person_id = ?', [p.id]);
      for (const g of groupIds) await this.db.run('INSERT INTO person_groups (person_id, group_id) VALUES (?, ?)', [p.id, g]);
    }
    return { row: (await this.get(p.id))!, created: !existing, groupsCreated: groups?.created ?? [] };
  }

  async remove(id: string): Promise<void> {
    await this.require(id);
    await this.db.run('DELETE FROM people WHERE id = ?', [id]);
  }

  async addPhoto(personId: string, photo: { sha256: string; ext: string; bytes: number }, verdict: PhotoVerdict): Promise<void> {
    await this.db.run(
      `INSERT INTO photos (person_id, sha256, ext, bytes, pass, score, code, verdict_json, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (person_id, sha256) DO UPDATE SET pass = excluded.pass, score = excluded.score, code = excluded.code, verdict_json = excluded.verdict_json`,
      [personId, photo.sha256, photo.ext, photo.bytes, verdict.passed ? 1 : 0, verdict.score, verdict.code, JSON.stringify(verdict), Date.now()],
    );
  }

  /** A stored photo's new verdict (judged again at another level); a photo removed meanwhile is left out. */
  async setVerdict(personId: string, sha256: string, verdict: PhotoVerdict): Promise<void> {
    await this.db.run('UPDATE photos SET pass = ?, score = ?, code = ?, verdict_json = ? WHERE person_id = ? AND sha256 = ?', [
      verdict.passed ? 1 : 0,
      verdict.score,
      verdict.code,
      JSON.stringify(verdict),
      personId,
      sha256,
    ]);
  }

  async removePhoto(personId: string, sha256: string): Promise<void> {
    const r = await this.db.run('DELETE FROM photos WHERE person_id = ? AND sha256 = ?', [personId, sha256]);
    if (r.changes === 0) throw new PlatformError(`person "${personId}" has no photo ${sha256.slice(0, 12)}…`, 'no_photo', 404);
  }

  photos(personId: string): Promise<PhotoRow[]> {
    return this.db.all<PhotoRow>('SELECT * FROM photos WHERE person_id = ? ORDER BY pass DESC, score DESC, added_at', [personId]);
  }

  /** The photo a box is sent: passing photos first, then the highest FIQA score. */
  async bestPhoto(personId: string): Promise<PhotoRow | undefined> {
    return (await this.photos(personId))[0];
  }

  groupsOf(personId: string): Promise<GroupRow[]> {
    return this.db.all<GroupRow>('SELECT g.* FROM groups g JOIN person_groups pg ON pg.group_id = g.id WHERE pg.person_id = ? ORDER BY g.name', [personId]);
  }

  list(o: { search?: string; group?: string; limit?: number; offset?: number } = {}): Promise<PersonRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (o.search) {
      where.push("(p.id LIKE ? ESCAPE '\\' OR p.name LIKE ? ESCAPE '\\')");
      const like = `%${o.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      args.push(like, like);
    }
    if (o.group) {
      where.push('EXISTS (SELECT 1 FROM person_groups pg JOIN groups g ON g.id = pg.group_id WHERE pg.person_id = p.id AND g.name = ?)');
      args.push(o.group);
    }
    args.push(o.limit ?? 500, o.offset ?? 0);
    return this.db.all<PersonRow>(`SELECT p.* FROM people p ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.id LIMIT ? OFFSET ?`, args);
  }

  count(): Promise<number> {
    return this.db.get<{ n: number }>('SELECT count(*) AS n FROM people').then((r) => r?.n ?? 0);
  }

  // ---- devices ↔ groups ----
  async assign(devSno: string, groupName: string): Promise<void> {
    const g = await this.requireGroup(groupName);
    await this.db.run('INSERT OR IGNORE INTO device_groups (dev_sno, group_id) VALUES (?, ?)', [devSno, g.id]);
  }

  async unassign(devSno: string, groupName: string): Promise<void> {
    const g = await this.requireGroup(groupName);
    await this.db.run('DELETE FROM device_groups WHERE dev_sno = ? AND group_id = ?', [devSno, g.id]);
  }

  deviceGroups(devSno: string): Promise<GroupRow[]> {
    return this.db.all<GroupRow>('SELECT g.* FROM groups g JOIN device_groups dg ON dg.group_id = g.id WHERE dg.dev_sno = ? ORDER BY g.name', [devSno]);
  }
}

/** What a box is sent for one person (§5 user record) and the version of it. */
export interface Desired {
  id: string;
  name: string;
  type: number;
  registerType: number;
  info: Record<string, unknown>;
  permissionIds: string[];
  photo: { sha256: string; ext: string } | null;
  /** Why the person is held (not sent, or removed from boxes that had them): no photo (NO_PHOTO), or the photo fails the check the box enrols with (null: it passes). */
  photoProblem: string | null;
  version: string;
}

/** Why a person is held back who has no photo at all (every photo deleted): the box enrols from the photo. */
export const NO_PHOTO = 'no photo; add a photo';

/** Why a person is held back: the photo fails the check (photos.ts verdict) and what to do. */
export function photoProblem(verdictJson: string): string {
  const v = JSON.parse(verdictJson) as { message?: string };
  return `photo fails the check (${v.message || 'photo quality too low'}); replace the photo`;
}

/** The people a box must hold: its groups' members, each with the record it is sent. */
export async function desiredFor(db: PlatformDb, devSno: string): Promise<Map<string, Desired>> {
  const best = (col: string) => `(SELECT ph.${col} FROM photos ph WHERE ph.person_id = p.id ORDER BY ph.pass DESC, ph.score DESC, ph.added_at LIMIT 1) AS ${col}`;
  const rows = await db.all<PersonRow & { gids: string; sha256: string | null; ext: string | null; pass: number | null; verdict_json: string | null }>(
    `SELECT p.*, (SELECT group_concat(pg2.group_id) FROM (SELECT group_id FROM person_groups WHERE person_id = p.id ORDER BY group_id) pg2) AS gids,
            ${['sha256', 'ext', 'pass', 'verdict_json'].map(best).join(', ')}
     FROM people p
     WHERE EXISTS (SELECT 1 FROM person_groups pg JOIN device_groups dg ON dg.group_id = pg.group_id WHERE pg.person_id = p.id AND dg.dev_sno = ?)
     ORDER BY p.id`,
    [devSno],
  );
  const out = new Map<string, Desired>();
  for (const r of rows) {
    const permissionIds = r.gids ? r.gids.split(',') : ['0'];
    const info = JSON.parse(r.info_json) as Record<string, unknown>;
    const photo = r.sha256 && r.ext ? { sha256: r.sha256, ext: r.ext } : null;
    const version = createHash('sha256')
      .update(JSON.stringify([r.name, r.type, r.register_type, info, permissionIds, photo?.sha256 ?? null]))
      .digest('hex')
      .slice(0, 32);
    const problem = !photo ? NO_PHOTO : r.pass === 0 ? photoProblem(r.verdict_json ?? '{}') : null;
    out.set(r.id, { id: r.id, name: r.name, type: r.type, registerType: r.register_type, info, permissionIds, photo, photoProblem: problem, version });
  }
  return out;
}
