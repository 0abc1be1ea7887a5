// Enrolling one user (PROTOCOL §4.1): validate the record, get the photo, check it with the
// face engine at the level its register_type asks for (1 → high, 2 → custom), compute the
// descriptor and store user, photo and descriptor (with the descriptor model's id) in one
// transaction. An unchanged photo already enrolled by the same model is not analysed again
// (a redelivered batch is fast and enrols no one twice).
import { createHash } from 'node:crypto';
import { asFiqaError, protocolEntry, type FiqaEntry, type FiqaLevel } from '../face';
import { Codes, firstIssue, photoSource, userFailed, userOk, userRecordSchema, type UserOutcome, type UserRecord } from '../protocol';
import type { CommandContext } from './context';
import type { StoredUser } from '../users/store';
import { loadPhoto, PhotoError } from './photo';
import { enrolRefusal, levelFor } from './enrol-check';

export { levelFor, failedReasons } from './enrol-check';

function idOf(raw: unknown): string {
  const id = (raw as { identity_id?: unknown } | null)?.identity_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '';
}

function nameOf(raw: unknown): string | undefined {
  const n = (raw as { info?: { name?: unknown } } | null)?.info?.name;
  return typeof n === 'string' ? n : undefined;
}

export async function enrolOne(raw: unknown, ctx: CommandContext): Promise<UserOutcome> {
  const parsed = userRecordSchema.safeParse(raw);
  if (!parsed.success) return userFailed(idOf(raw), Codes.MQ_PARAM_ERROR, `bad user record: ${firstIssue(parsed.error)}`, nameOf(raw));
  const u: UserRecord = parsed.data;
  const username = u.info.name;
  const src = photoSource(u)!;

  let photo: Buffer;
  try {
    photo = await loadPhoto(src, ctx.session(), ctx.photoLimits);
  } catch (err) {
    const e = err instanceof PhotoError ? err : new PhotoError((err as Error).message, true);
    return userFailed(u.identity_id, e.remote ? Codes.REMOTE_SERVER_FAILED : Codes.USER_NOT_ENROLLED, e.message, username);
  }
  const r = await enrolPhoto(
    {
      identity_id: u.identity_id,
      name: u.info.name ?? null,
      type: u.info.type ?? null,
      register_type: u.register_type,
      permission_ids: u.info.permission_ids.map(String),
      info: otherInfo(u.info),
    },
    photo,
    levelFor(u.register_type),
    ctx,
  );
  if (!r.ok) return userFailed(u.identity_id, r.code === Codes.SERVER_PROCESS_FAILED ? Codes.SERVER_PROCESS_FAILED : Codes.USER_NOT_ENROLLED, r.message, username);
  return userOk(u.identity_id, r.unchanged ? 'ok (photo unchanged)' : 'ok', username);
}

function otherInfo(info: UserRecord['info']): Record<string, unknown> {
  const { name: _n, type: _t, permission_ids: _p, ...rest } = info;
  return rest as Record<string, unknown>;
}

export type UserDetails = Pick<StoredUser, 'identity_id' | 'name' | 'type' | 'register_type' | 'permission_ids' | 'info'>;

/** Why a photo was not enrolled: a §8 code (40003 not an image, 40004 no face, 40006 quality, 40009 face too small, 50072 engine) and the reasons. */
export type EnrolResult = { ok: true; unchanged: boolean } | { ok: false; code: number; message: string };

/**
 * The enrolment step add_users_plus and the local admin API (POST users) share: an unchanged
 * photo of the same model only updates the details; otherwise the face engine checks the photo at
 * `level`, makes the descriptor, and user, photo and descriptor (with the model id) are stored
 * in one transaction (the recognition gallery follows the users store at once).
 */
export async function enrolPhoto(details: UserDetails, photo: Buffer, level: FiqaLevel, ctx: Pick<CommandContext, 'users' | 'face' | 'modelId'>): Promise<EnrolResult> {
  const sha = createHash('sha256').update(photo).digest('hex');
  const modelId = ctx.modelId();
  const known = await ctx.users.fingerprint(details.identity_id);
  if (known && known.photo_sha256 === sha && known.model_id === modelId && known.register_type === details.register_type) {
    await ctx.users.updateDetails(details);
    return { ok: true, unchanged: true };
  }
  let face: FiqaEntry;
  try {
    const pool = await ctx.face();
    const analysis = await pool.analyze(photo, { level, attributes: true });
    face = analysis.data[0]!;
  } catch (err) {
    const e = asFiqaError(err);
    return { ok: false, code: e.code, message: e.message };
  }
  const refusal = enrolRefusal(face);
  if (refusal) return { ok: false, ...refusal };
  if (!face.attributes?.embedding?.length) return { ok: false, code: Codes.SERVER_PROCESS_FAILED, message: 'the face engine returned no descriptor' };
  await ctx.users.upsert({
    ...details,
    photo,
    photo_sha256: sha,
    embedding: Float32Array.from(face.attributes.embedding),
    model_id: modelId,
    fiqa: protocolEntry(face),
  });
  return { ok: true, unchanged: false };
}
