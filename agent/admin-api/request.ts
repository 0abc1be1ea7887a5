// Reading a local admin API request (PROTOCOL §7): the parameters of a GET come from the query;
// a POST/PUT carries a JSON object; a DELETE may carry either (integrators written for the vendor
// box send a JSON body with DELETE). Bodies are bounded and parsed safely (http-util), every
// field is checked with zod, and a bad field is one §8 error naming it.
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { Codes, ProtocolError } from '../protocol';
import { readJsonBody } from '../http-util';
import { isMultipart, readFormParams } from './form-data';

/** A body of the admin API without a photo. */
export const SMALL_BODY = 64 * 1024;
/** POST/PUT users: a base64 photo of up to 10 MiB (4/3 of it) plus the record. */
export const USER_BODY = 14 * 1024 * 1024 + 64 * 1024;

export type Params = Record<string, unknown>;

function queryParams(req: IncomingMessage): Params {
  return Object.fromEntries(new URL(req.url ?? '/', 'http://box').searchParams);
}

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * The request's parameters: the query for GET (and a DELETE without body), else the JSON object
 * body merged over the query (with `form`: a JSON or multipart/form-data body). Errors: 41591 not JSON, 41300 too large, 40002 empty, 40091 malformed.
 */
export async function readParams(req: IncomingMessage, limit = SMALL_BODY, form?: { photoField: string; maxPhotoBytes: number }): Promise<Params> {
  const query = queryParams(req);
  if (req.method === 'GET' || (req.method === 'DELETE' && !hasBody(req))) {
    req.resume();
    return query;
  }
  if (form) {
    // users also takes multipart/form-data (form-data.ts)
    if (isMultipart(req)) return { ...query, ...(await readFormParams(req, limit, form)) };
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      throw new ProtocolError(Codes.CONTENT_TYPE_ERROR, `content-type must be application/json or multipart/form-data (got "${type.slice(0, 100) || 'none'}")`, 415);
    }
  }
  const body = await readJsonBody(req, limit);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ProtocolError(Codes.PARAM_ERROR, 'request body must be a JSON object', 400);
  return { ...query, ...(body as Params) };
}

/** A boolean parameter: true/false, or "true"/"false" (query strings); anything else is 40005. */
export const boolParam = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ message: 'must be true or false' }));

/** A whole number parameter (query strings are numbers as text). */
export const intParam = (min: number, max: number) => z.preprocess((v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), z.number({ message: 'must be a whole number' }).int('must be a whole number').min(min).max(max));

/** A name of a permission or group: 1–64 characters, no comma (lists of names are comma-separated), no control characters. */
export const nameParam = (field: string) =>
  z
    .string({ message: `${field} is required (a string)` })
    .trim()
    .min(1, `${field} must not be empty`)
    .max(64, `${field} is at most 64 characters`)
    .refine((s) => !/[,\u0000-\u001f\u007f]/.test(s), `${field} must not contain commas or control characters`);

export const infoParam = z.record(z.string(), z.unknown(), { message: 'info must be a JSON object' }).default({});
export const descriptionParam = z.string({ message: 'description must be a string' }).max(1000).default('');

/**
 * Parses `params` with `schema`; the first problem becomes a §8 error: 40005 for a bad boolean,
 * `nameCode` (e.g. 40012) for a bad name field, else 40091 — each naming the field.
 */
export function parse<T extends z.ZodTypeAny>(schema: T, params: Params, nameFields: Record<string, number> = {}): z.output<T> {
  const r = schema.safeParse(params);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  const field = i.path.join('.') || 'body';
  const bool = i.message === 'must be true or false';
  const code = bool ? Codes.BOOLEAN_ARGUMENT_ERROR : (nameFields[String(i.path[0])] ?? Codes.PARAM_ERROR);
  const msg = i.message.startsWith(field) ? i.message : `${field}: ${i.message}`;
  throw new ProtocolError(code, msg, 400);
}

export const notFound = (what: string) => new ProtocolError(Codes.NOT_FOUND, what, 404);

/** §7 list paging: skip_num is the page index (0 = first page), limit the page size. */
export const pagingSchema = { skip_num: intParam(0, 1_000_000).default(0), limit: intParam(1, 1000).default(10) };

export function pagination(skip: number, limit: number, total: number) {
  return { skip_num: skip, limit, num_pages: Math.ceil(total / limit), total_count: total };
}
