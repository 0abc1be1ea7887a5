// multipart/form-data bodies of POST/PUT users (PROTOCOL §7), as vendor integrators send them:
// the §7 fields as text fields, `info` as a JSON string field, `reg_photo` as a file part (the
// picture's bytes) or a base64 text field. Parsed by Node's own WHATWG FormData parser (undici,
// `Response.formData()`), after the body was read under the same bound as a JSON body. Errors
// are §8: 41591 not multipart (or no boundary), 41300 too large, 40002 no fields, 40091 a
// malformed body / repeated or unknown part / `info` that is not a JSON object, 40001 a photo
// part whose declared type is not a picture, 40007 a photo part over the photo limit.
import type { IncomingMessage } from 'node:http';
import { readBoundedBody } from '../http-util';
import { Codes, ProtocolError } from '../protocol';
import { nestsDeeperThan, tooDeepMessage } from '../protocol/json-depth';
import type { Params } from './request';

export const isMultipart = (req: IncomingMessage) => /^multipart\/form-data\s*(;|$)/i.test(req.headers['content-type'] ?? '');

/** Fields that may repeat: their values are joined with commas (group_name is a comma-separated list). */
const LISTS = new Set(['group_name']);
/** Fields sent as JSON text. */
const JSON_FIELDS = new Set(['info']);
/** Fields that are whole numbers (form fields are text). */
const NUMBERS = new Set(['register_type']);

/**
 * The fields of a multipart/form-data body; `photoField` (a file part) becomes a Buffer of at
 * most `maxPhotoBytes`, every other field a string (JSON fields parsed, numbers converted).
 */
export async function readFormParams(req: IncomingMessage, limit: number, o: { photoField: string; maxPhotoBytes: number }): Promise<Params> {
  const type = req.headers['content-type'] ?? '';
  if (!/;\s*boundary=/i.test(type)) {
    req.resume();
    throw new ProtocolError(Codes.CONTENT_TYPE_ERROR, 'multipart/form-data needs a boundary parameter (content-type: multipart/form-data; boundary=…)', 415);
  }
  const raw = await readBoundedBody(req, limit);
  if (raw.length === 0) throw new ProtocolError(Codes.EMPTY_REQUEST_JSON, 'request body is empty; send the user as form fields', 400);
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
  } catch (err) {
    throw new ProtocolError(Codes.PARAM_ERROR, `request body is not valid multipart/form-data (${(err as Error).message}); check the boundary and that the body is complete`, 400);
  }
  const out: Params = {};
  const seen = new Set<string>();
  for (const [name, value] of form) {
    if (typeof value !== 'string') {
      if (name !== o.photoField) throw new ProtocolError(Codes.PARAM_ERROR, `file part "${name.slice(0, 64)}" is not expected; only ${o.photoField} may be a file`, 400);
      if (seen.has(name)) throw new ProtocolError(Codes.PARAM_ERROR, `${name} was sent more than once`, 400);
      seen.add(name);
      const declared = value.type.split(';')[0]!.trim().toLowerCase();
      if (declared && !declared.startsWith('image/') && declared !== 'application/octet-stream')
        throw new ProtocolError(Codes.UNSUPPORT_CONTENT_TYPE, `${name} is declared as "${declared.slice(0, 64)}"; send the photo as image/jpeg or image/png`, 415);
      if (value.size > o.maxPhotoBytes) throw new ProtocolError(Codes.IMAGE_SIZE_TOO_LARGE_ERROR, `${name} is ${value.size} bytes; at most ${o.maxPhotoBytes} (${Math.round(o.maxPhotoBytes / 1048576)} MiB)`, 413);
      out[name] = Buffer.from(await value.arrayBuffer());
      continue;
    }
    if (seen.has(name)) {
      if (!LISTS.has(name)) throw new ProtocolError(Codes.PARAM_ERROR, `${name.slice(0, 64)} was sent more than once`, 400);
      out[name] = `${String(out[name])},${value}`;
      continue;
    }
    seen.add(name);
    if (JSON_FIELDS.has(name)) {
      try {
        out[name] = JSON.parse(value);
      } catch {
        throw new ProtocolError(Codes.PARAM_ERROR, `${name} must be a JSON object as text, e.g. {"name":"Wang","type":1,"permission_ids":["0"]}`, 400);
      }
      if (nestsDeeperThan(value)) throw new ProtocolError(Codes.PARAM_ERROR, tooDeepMessage(name), 400);
    } else if (NUMBERS.has(name) && /^\s*-?\d+\s*$/.test(value)) out[name] = Number(value);
    else out[name] = value;
  }
  if (seen.size === 0) throw new ProtocolError(Codes.EMPTY_REQUEST_JSON, 'the form has no fields; send identity_id, reg_photo, info, …', 400);
  return out;
}
