// PROTOCOL.md §5: user details (box → platform `POST {path}?dev_sno=..&token=..`) and the user
// record, which is also the shape of add_users_plus `user_info_list` items (§4.1).
import { z } from 'zod';

/** info.type: 1 staff, 2 visitor, 3 blacklist, 4 stranger, 5 VIP. */
export const USER_TYPES = { staff: 1, visitor: 2, blacklist: 3, stranger: 4, vip: 5 } as const;
/** register_type: 1 regular (FIQA level high), 2 stranger re-registration (level custom). */
export const REGISTER_TYPES = { regular: 1, stranger: 2 } as const;

export const userInfoSchema = z
  .object({
    name: z.string().optional(),
    type: z.number().int().min(1).max(5).optional(),
    /** default ["0"] */
    permission_ids: z.array(z.union([z.string(), z.number().transform(String)])).default(['0']),
  })
  // further info keys are kept as they are
  .passthrough();

export const userRecordSchema = z
  .object({
    identity_id: z.union([z.string().min(1, 'identity_id must not be empty'), z.number().transform(String)]),
    /** base64 image (a data: URL prefix is tolerated) */
    reg_photo: z.string().optional(),
    /** absolute http(s) URL */
    reg_url: z.string().optional(),
    /** relative path (§3; imgServerAddr base when given) */
    relative_pic_url: z.string().optional(),
    register_type: z.union([z.literal(1), z.literal(2)]).default(1),
    info: userInfoSchema.default({ permission_ids: ['0'] }),
  })
  .passthrough()
  .superRefine((u, ctx) => {
    if (!u.reg_photo && !u.reg_url && !u.relative_pic_url)
      ctx.addIssue({ code: 'custom', path: ['reg_photo'], message: 'one of reg_photo, reg_url or relative_pic_url is required' });
  });
/** As a platform builds it. */
export type UserRecordBody = z.input<typeof userRecordSchema>;
/** As the box reads it (defaults applied, identity_id a string). */
export type UserRecord = z.output<typeof userRecordSchema>;

export const userDetailsRequestSchema = z.object({ userid_list: z.array(z.string()).min(1) });
export type UserDetailsRequest = z.infer<typeof userDetailsRequestSchema>;

/**
 * The success body. Items are parsed one by one by the box (`userRecordSchema`) so that one bad
 * record fails that user, not the batch; the list itself must be an array.
 */
export const userDetailsResponseSchema = z.object({ data: z.object({ user_list: z.array(z.unknown()) }) });
export type UserDetailsResponse = { data: { user_list: UserRecordBody[] } };

/** Platform side: the success body. */
export const userDetailsResponse = (users: UserRecordBody[]): UserDetailsResponse => ({ data: { user_list: users } });

/** Where a record's photo comes from (first of reg_photo, reg_url, relative_pic_url). */
export type PhotoSource = { kind: 'reg_photo'; base64: string } | { kind: 'reg_url'; url: string } | { kind: 'relative_pic_url'; path: string };

export function photoSource(u: Pick<UserRecord, 'reg_photo' | 'reg_url' | 'relative_pic_url'>): PhotoSource | null {
  if (u.reg_photo) return { kind: 'reg_photo', base64: u.reg_photo };
  if (u.reg_url) return { kind: 'reg_url', url: u.reg_url };
  if (u.relative_pic_url) return { kind: 'relative_pic_url', path: u.relative_pic_url };
  return null;
}
