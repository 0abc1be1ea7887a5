// reg_pic (PROTOCOL §6.3): the matched user's registration photo as base64, added to an event
// when it is sent (never stored with the event: 10,000 events would hold 10,000 photo copies).
// Bounded: a photo over REG_PIC_MAX_BYTES is sent as a JPEG thumbnail (sharp) that fits, else
// not at all. A user deleted before the event is sent has no reg_pic. Recent photos are cached.
import sharp from 'sharp';
import type { EventBody } from '../events/store';
import type { UsersStore } from '../users/store';

export const REG_PIC_MAX_BYTES = 64 * 1024;
const CACHE = 256;

export class RegPics {
  private readonly cache = new Map<string, { sha: string; b64: string }>();

  constructor(
    private readonly users: UsersStore,
    private readonly maxBytes = REG_PIC_MAX_BYTES,
  ) {
    users.onChange((c) => {
      if (c.kind === 'clear') this.cache.clear();
      else this.cache.delete(c.kind === 'delete' ? c.id : c.user.identity_id);
    });
  }

  /** The user's registration photo as base64 ('' for a stranger, an unknown user, or a photo that cannot be bounded). */
  async of(identityId: string): Promise<string> {
    if (!identityId || !this.users.index.has(identityId)) return '';
    const hit = this.cache.get(identityId);
    if (hit) return hit.b64;
    const u = await this.users.get(identityId);
    if (!u) return '';
    const b64 = (await this.bounded(u.photo).catch(() => null))?.toString('base64') ?? '';
    if (this.cache.size >= CACHE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(identityId, { sha: u.photo_sha256, b64 });
    return b64;
  }

  private async bounded(photo: Buffer): Promise<Buffer | null> {
    if (photo.length <= this.maxBytes) return photo;
    for (const [side, quality] of [
      [480, 80],
      [320, 70],
      [200, 60],
    ] as const) {
      const t = await sharp(photo).rotate().resize(side, side, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality }).toBuffer();
      if (t.length <= this.maxBytes) return t;
    }
    return null;
  }

  /** The event with reg_pic filled when `need`, else as it is (reg_pic empty). */
  async fill(body: EventBody, need: boolean): Promise<EventBody> {
    if (!need || !body.identity_id) return body;
    return { ...body, reg_pic: await this.of(body.identity_id) };
  }
}
