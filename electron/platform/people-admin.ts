// The people and groups facade: people with their photos (each checked by the face engine
// before it is stored, the verdict returned at once) and permission groups, as the admin API
// and UI see them. Every change schedules an automatic sync.
import { levelFor } from '../../agent/commands/enrol-check';
import type { PlatformCore, PlatformSnapshot } from './core';
import type { PersonInput } from './people';
import { judgePhoto, type PhotoStore, type PhotoVerdict } from './photos';
import { personView, type PersonView } from './views';

/**
 * A write of another part that must commit with the person's (or photo's) rows or not at all
 * (e.g. the event "enrol this stranger" / "this is X" marks): run first inside the same
 * transaction, on the writer's connection; throwing rolls everything back.
 */
export type AlongsideStep = () => Promise<void>;

export class PeopleAdmin {
  constructor(private readonly core: PlatformCore) {}

  // ---- groups ----

  async listGroups(): Promise<Array<{ id: number; name: string; members: number; devices: number }>> {
    return (await this.core.read((s) => s.people.listGroups())).map((g) => ({ id: g.id, name: g.name, members: g.members, devices: g.devices }));
  }

  async addGroup(name: string): Promise<void> {
    await this.core.serial(() => this.core.people.addGroup(name));
    this.core.changed('groups');
  }

  async renameGroup(name: string, to: string): Promise<void> {
    await this.core.serial(() => this.core.people.renameGroup(name, to));
    this.core.changed('groups', true);
  }

  async deleteGroup(name: string): Promise<void> {
    await this.core.serial(() => this.core.people.deleteGroup(name));
    this.core.changed('groups', true);
  }

  // ---- people ----

  /** One person as of one committed state. */
  view(id: string): Promise<PersonView> {
    return this.core.read((s) => this.viewIn(s, id));
  }

  /** The writer's connection seen as a snapshot: only inside `core.write` (reads its own rows). */
  private writer(): PlatformSnapshot {
    const { core } = this;
    return { db: core.db, devices: core.devices, people: core.people };
  }

  private async viewIn(s: PlatformSnapshot, id: string): Promise<PersonView> {
    const p = await s.people.require(id);
    const states = await s.db.all<{ dev_sno: string; name: string | null; state: string; code: number | null; message: string | null }>(
      'SELECT bp.dev_sno, d.name, bp.state, bp.code, bp.message FROM box_people bp LEFT JOIN devices d ON d.dev_sno = bp.dev_sno WHERE bp.person_id = ? ORDER BY bp.dev_sno',
      [id],
    );
    return personView(p, await s.people.groupsOf(id), await s.people.photos(id), states);
  }

  async list(o: { search?: string; group?: string; limit?: number; offset?: number } = {}): Promise<{ total: number; people: PersonView[] }> {
    return this.core.read(async (s) => {
      const rows = await s.people.list(o);
      const people: PersonView[] = [];
      for (const r of rows) people.push(await this.viewIn(s, r.id));
      return { total: await s.people.count(), people };
    });
  }

  /**
   * Creates or updates a person with photos, in one transaction. `createGroups`: groups that do
   * not exist are added in it (a CSV row: the person and its new groups, or neither). `outcome`
   * is filled in with whether the person was new (decided under the write lock).
   */
  async save(
    p: PersonInput,
    opts: { update: boolean; photos?: Uint8Array[]; alongside?: AlongsideStep; createGroups?: boolean; outcome?: { created?: boolean } },
  ): Promise<PersonView> {
    const { core } = this;
    // photos are checked before anything is stored, so a bad file leaves no half-made person; at
    // the level the box will judge them (the person's register_type)
    const checked: Array<{ stored: Awaited<ReturnType<PhotoStore['put']>>; verdict: PhotoVerdict }> = [];
    const existing = await core.read((s) => s.people.get(p.id));
    const rt = p.registerType ?? existing?.register_type ?? 1;
    for (const bytes of opts.photos ?? []) checked.push(await this.checkAndStore(bytes, rt));
    // a new register_type: the box judges the stored photos at its level, so they are judged again
    const rejudged = existing && existing.register_type !== rt ? await this.judgeStored(p.id, rt) : [];
    // one transaction: no reader sees the groups removed but not yet re-added, nor a person without the photo
    const done = await core.write(async () => {
      await opts.alongside?.();
      const r = await core.people.upsert(p, opts);
      for (const c of checked) await core.people.addPhoto(p.id, c.stored, c.verdict);
      for (const r of rejudged) await core.people.setVerdict(p.id, r.sha256, r.verdict);
      // the answer is what this transaction committed (a delete right after cannot turn it into a 404)
      return { ...r, view: await this.viewIn(this.writer(), p.id) };
    });
    if (opts.outcome) opts.outcome.created = done.created;
    if (done.groupsCreated.length) core.changed('groups');
    core.changed('people', true);
    return done.view;
  }

  async remove(id: string): Promise<void> {
    await this.core.serial(() => this.core.people.remove(id));
    this.core.changed('people', true);
  }

  /** The person's stored photos judged at the level of `registerType` (a photo whose file is gone keeps its verdict). */
  private async judgeStored(id: string, registerType: number): Promise<Array<{ sha256: string; verdict: PhotoVerdict }>> {
    const out: Array<{ sha256: string; verdict: PhotoVerdict }> = [];
    for (const ph of await this.core.read((s) => s.people.photos(id))) {
      const bytes = await this.core.photos.read(ph.sha256, ph.ext);
      if (bytes) out.push({ sha256: ph.sha256, verdict: await judgePhoto(this.core.o.checkPhoto, bytes, levelFor(registerType)) });
    }
    return out;
  }

  private async checkAndStore(bytes: Uint8Array, registerType: number) {
    const stored = await this.core.photos.put(bytes);
    const verdict = await judgePhoto(this.core.o.checkPhoto, bytes, levelFor(registerType));
    return { stored, verdict };
  }

  async addPhoto(id: string, bytes: Uint8Array, alongside?: AlongsideStep): Promise<{ person: PersonView; verdict: PhotoVerdict }> {
    const { core } = this;
    const person0 = await core.read((s) => s.people.require(id));
    const c = await this.checkAndStore(bytes, person0.register_type);
    // the person checked again under the write lock: removed meanwhile is a 404, not a photo row pointing nowhere
    const person = await core.write(async () => {
      await core.people.require(id);
      await alongside?.();
      await core.people.addPhoto(id, c.stored, c.verdict);
      return this.viewIn(this.writer(), id);
    });
    core.changed('people', true);
    return { person, verdict: c.verdict };
  }

  async removePhoto(id: string, sha256: string): Promise<PersonView> {
    await this.core.serial(() => this.core.people.removePhoto(id, sha256));
    this.core.changed('people', true);
    return this.view(id);
  }

  async photo(sha256: string): Promise<{ bytes: Buffer; type: string } | null> {
    const { core } = this;
    const row = await core.read((s) => s.db.get<{ ext: string }>('SELECT ext FROM photos WHERE sha256 = ? LIMIT 1', [sha256]));
    if (!row) return null;
    const bytes = await core.photos.read(sha256, row.ext);
    return bytes ? { bytes, type: row.ext === 'png' ? 'image/png' : 'image/jpeg' } : null;
  }
}
