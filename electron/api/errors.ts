// Errors at the API edge: what a caller did wrong (unknown method, bad params, no session)
// versus what failed inside a service. Both transports turn them into the same body.
import type { ApiErrorBody } from './contract';

export type ApiErrorCode = 'unknown_method' | 'bad_params' | 'unauthenticated' | 'rate_limited' | 'internal' | 'bad_request' | 'reserved_user';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: ApiErrorCode | number,
    /** HTTP status in site mode. */
    readonly status = 400,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Turns anything thrown by a handler into an HTTP status and the contract's error body. */
export function errorReply(err: unknown): { status: number; body: ApiErrorBody } {
  if (err instanceof ApiError) return { status: err.status, body: { error: { message: err.message, code: err.code } } };
  const e = err as { message?: unknown; code?: unknown; httpStatus?: unknown } | null;
  const message = e && typeof e.message === 'string' && e.message ? e.message : String(err);
  const code = e && (typeof e.code === 'number' || typeof e.code === 'string') ? e.code : 'internal';
  // Protocol errors (agent/protocol ProtocolError) carry their own HTTP status.
  const status = e && typeof e.httpStatus === 'number' ? e.httpStatus : 500;
  return { status, body: { error: { message, code } } };
}
