// Reading what a LAN client sends to the site server, defensively: the request path (any
// request-target a client can send parses to a path or to null, never to an exception), JSON
// bodies limited before they are buffered, and a small gate that bounds work done for
// clients that have not logged in.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../api/errors';

/**
 * The pathname of an origin-form request target (`/a/b?q`), or null for anything else
 * (`*`, absolute-form, junk). `//`, `/\\x`, `/%zz` and the like parse to a path.
 */
export function requestPath(target: string | undefined): string | null {
  if (typeof target !== 'string' || !target.startsWith('/')) return null;
  try {
    // Prefixing the origin (instead of passing a base URL) keeps `//host` a path.
    return new URL(`http://site${target}`).pathname;
  } catch {
    return null;
  }
}

const MIB = 1024 * 1024;
const sizeText = (n: number) => (n >= MIB ? `${n / MIB} MiB` : `${Math.round(n / 1024)} KiB`);

/** An API error whose reply also closes the connection (the rest of the body is not read). */
function tooLarge(limit: number): ApiError {
  const err = new ApiError(`request body is larger than ${sizeText(limit)}`, 'bad_request', 413);
  (err as ApiError & { closeConnection?: boolean }).closeConnection = true;
  return err;
}

export function closesConnection(err: unknown): boolean {
  return !!(err as { closeConnection?: boolean } | null)?.closeConnection;
}

/**
 * Reads a JSON body of at most `limit` bytes: a larger Content-Length is refused before a byte
 * is read, and a body without one (chunked) is counted while it streams. `timeoutMs` bounds
 * how long a client may take to send it.
 */
export async function readJsonBody(req: IncomingMessage, limit: number, timeoutMs?: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  // Requiring JSON also means a cross-site form post can never reach the API (CSRF).
  if (type !== 'application/json') throw new ApiError('send the request body as Content-Type: application/json', 'bad_request', 415);
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  const timer = timeoutMs
    ? setTimeout(() => req.destroy(new ApiError(`the request body did not arrive within ${timeoutMs / 1000} s`, 'bad_request', 408)), timeoutMs)
    : null;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('request body is not valid JSON', 'bad_request', 400);
  }
}

/**
 * At most `active` tasks run at once and at most `waiting` wait for a turn; beyond that
 * `run` refuses at once (the caller answers 429), so a burst can neither queue without bound
 * nor starve everything else.
 */
export class Gate {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    readonly active: number,
    readonly waiting: number,
  ) {}

  /** Runs `task` in its turn, or returns `{ busy: true }` without running it. */
  async run<T>(task: () => Promise<T>): Promise<{ busy: false; value: T } | { busy: true }> {
    if (this.running >= this.active) {
      if (this.queue.length >= this.waiting) return { busy: true };
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else this.running++;
    try {
      return { busy: false, value: await task() };
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
