// Enrolling one user (PROTOCOL §4.1): validate the record, get the photo, check it with the
// face engine at the level its register_type asks for (1 → high, 2 → custom), compute the
// descriptor and store user, photo and descriptor (with the descriptor model's id) in one
// transaction. An unchanged photo already enrolled by the same model is not analysed again
// (a redelivered batch is fast and enrols no one twice).
import { createHash } from 'node:crypto';
import { asFiqaError, protocolEntry, type FiqaEntry, type FiqaLevel } from '../face';
import { Codes, firstIssue, photoSource, userFailed, userOk, userRecordSchema, type UserOutcome, type UserRecord } from '../protocol';
import type { CommandContext } from './context';
import { loadPhoto, PhotoError } from './photo';

export const levelFor = (registerType: number): FiqaLevel => (registerType === 2 ? 'custom' : 'high');

/** Why a face failed, in plain words: the failed checks' reasons. */
export function failedReasons(face: FiqaEntry): string {
  const reasons = face.checks.filter((c) => c.enforced && !c.passed).map((c) => c.reason ?? `${c.name} check failed`);
  return reasons.length ? reasons.join('; ') : `failed ${face.fails.join(', ')}`;
}

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
  const sha = createHash('sha256').update(photo).digest('hex');
  const { name, type, permission_ids, ...otherInfo } = u.info;
  const details = {
    identity_id: u.identity_id,
    name: name ?? null,
    type: type ?? null,
    register_type: u.register_type,
    permission_ids: permission_ids.map(String),
    info: otherInfo as Record<string, unknown>,
  };
  const modelId = ctx.modelId();
  const known = await ctx.users.fingerprint(u.identity_id);
  if (known && known.photo_sha256 === sha && known.model_id === modelId && known.register_type === u.register_type) {
    await ctx.users.updateDetails(details);
    return userOk(u.identity_id, 'ok (photo unchanged)', username);
  }

  let face: FiqaEntry;
  try {
    const pool = await ctx.face();
    const analysis = await pool.analyze(photo, { level: levelFor(u.register_type), attributes: true });
    face = analysis.data[0]!;
  } catch (err) {
    const e = asFiqaError(err);
    if (e.code === Codes.SERVER_PROCESS_FAILED) return userFailed(u.identity_id, Codes.SERVER_PROCESS_FAILED, e.message, username);
    return userFailed(u.identity_id, Codes.USER_NOT_ENROLLED, e.message, username);
  }
  if (!face.fiqa_result) return userFailed(u.identity_id, Codes.USER_NOT_ENROLLED, `photo rejected at level ${face.level}: ${failedReasons(face)}`, username);
  if (!face.attributes?.embedding?.length) return userFailed(u.identity_id, Codes.SERVER_PROCESS_FAILED, 'the face engine returned no descriptor', username);

  await ctx.users.upsert({
    ...details,
    photo,
    photo_sha256: sha,
    embedding: Float32Array.from(face.attributes.embedding),
    model_id: modelId,
    fiqa: protocolEntry(face),
  });
  return userOk(u.identity_id, 'ok', username);
}
