// Small helpers for the agent's node:http server: JSON replies, §8 error envelopes, and a
// body reader that enforces the size limit and the JSON content type.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Codes, errorEnvelope, ProtocolError } from './protocol';
import { nestsDeeperThan, tooDeepMessage } from './protocol/json-depth';
import { isDiskFull } from './disk-full';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  // A refused request whose body was not read: close after the answer instead of reading the rest.
  if (res.req && !res.req.complete) res.setHeader('connection', 'close');
  if (err instanceof ProtocolError) {
    sendJson(res, err.httpStatus, errorEnvelope(err.code, err.message));
    return;
  }
  if (isDiskFull(err)) {
    sendJson(res, 507, errorEnvelope(Codes.SERVER_PROCESS_FAILED, "the box's disk is full: this request was not taken; free some space and send it again"));
    return;
  }
  sendJson(res, 500, errorEnvelope(Codes.SERVER_PROCESS_FAILED, 'internal error; see the agent log'));
}

/**
 * Reads a request body of at most `limit` bytes: refused from its declared length before any
 * of it is read, or as soon as it streams past the limit (the rest is drained). `tooLarge`
 * makes the error (the declared size, or null when it streamed past the limit).
 */
export async function readBoundedBody(
  req: IncomingMessage,
  limit: number,
  tooLarge = (declared: number | null) =>
    new ProtocolError(Codes.PAYLOAD_TOO_LARGE, declared !== null ? `request body is ${declared} bytes; at most ${limit} are accepted` : `request body is over ${limit} bytes`, 413),
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    throw tooLarge(declared);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(null);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads a JSON request body of at most `limit` bytes. Throws ProtocolError with
 * 41591 (not JSON content type), 41300 (too large), 40002 (empty) or 40091 (malformed, or
 * nested past MAX_JSON_DEPTH).
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new ProtocolError(Codes.CONTENT_TYPE_ERROR, `content-type must be application/json (got "${type || 'none'}")`, 415);
  }
  const text = (await readBoundedBody(req, limit)).toString('utf8');
  if (text.trim() === '') throw new ProtocolError(Codes.EMPTY_REQUEST_JSON, 'request body is empty; send a JSON object', 400);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ProtocolError(Codes.PARAM_ERROR, 'request body is not valid JSON', 400);
  }
  if (nestsDeeperThan(text)) throw new ProtocolError(Codes.PARAM_ERROR, tooDeepMessage(), 400);
  return value;
}
