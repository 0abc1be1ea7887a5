// PROTOCOL §2 login, box side: once DevSno and LoginUrl are set, GET login_url?dev_sno=&hex_mac=
// with capped exponential backoff (1 s doubling to 60 s) until the platform answers 200 with a
// valid body; again on a PUT of either value, and when the broker link asks for it.
import { EventEmitter } from 'node:events';
import type { ConfigStore } from '../config-store';
import { loginRequestUrl, loginSuccessSchema, firstIssue, toHexMac, type LoginSuccess } from '../protocol';
import { Backoff, networkReason, Sleeper, StatusCell, type LoginState } from './status';

export const LOGIN_TIMEOUT_MS = 10_000;
const MAX_BODY = 1024 * 1024;

export interface LoginSession {
  devSno: string;
  loginUrl: string;
  token: string;
  body: LoginSuccess;
  /** ISO time of the login */
  at: string;
}

export class LoginClient extends EventEmitter<{ login: [LoginSession]; logout: [string] }> {
  readonly status = new StatusCell<LoginState>('not-configured');
  current: LoginSession | null = null;
  private gen = 0;
  private readonly sleeper = new Sleeper();
  private stopped = false;
  private readonly onChange = () => this.relogin('DevSno or LoginUrl changed');

  constructor(
    private readonly store: ConfigStore,
    private readonly mac: string | null,
    private readonly log: (line: string) => void,
  ) {
    super();
  }

  start(): void {
    this.store.on('change', this.onChange);
    this.relogin('agent started');
  }

  stop(): void {
    this.stopped = true;
    this.gen++;
    this.sleeper.cancelAll();
    this.store.off('change', this.onChange);
  }

  /** Drops the current session (if any) and logs in again from the first attempt. */
  relogin(reason: string): void {
    if (this.stopped) return;
    const gen = ++this.gen;
    this.sleeper.cancelAll();
    if (this.current) {
      this.current = null;
      this.emit('logout', reason);
    }
    const { dev_sno, login_url } = this.store.get();
    if (!dev_sno || !login_url) {
      this.status.set('not-configured');
      return;
    }
    this.log(`platform login: ${reason}; logging in to ${login_url} as ${dev_sno}`);
    this.status.set('pending');
    void this.loop(gen, dev_sno, login_url);
  }

  private async loop(gen: number, devSno: string, loginUrl: string): Promise<void> {
    const backoff = new Backoff(1000, 60_000);
    while (gen === this.gen) {
      const r = await this.attempt(devSno, loginUrl);
      if (gen !== this.gen) return;
      if (r.ok) {
        this.current = { devSno, loginUrl, token: r.body.token, body: r.body, at: new Date().toISOString() };
        this.status.set('logged-in');
        this.log(`platform login: logged in (broker ${r.body.rabbitmq.host}:${r.body.rabbitmq.port}, queue ${r.body.rabbitmq.queue})`);
        this.emit('login', this.current);
        return;
      }
      const delay = backoff.next();
      if (this.status.set('failed', r.error) || delay >= 60_000) this.log(`platform login failed: ${r.error}; next attempt in ${delay / 1000} s`);
      if (!(await this.sleeper.sleep(delay))) return;
    }
  }

  private async attempt(devSno: string, loginUrl: string): Promise<{ ok: true; body: LoginSuccess } | { ok: false; error: string }> {
    if (!this.mac) return { ok: false, error: 'this box has no network interface with a MAC address, so it cannot send hex_mac' };
    const url = loginRequestUrl(loginUrl, { dev_sno: devSno, hex_mac: toHexMac(this.mac) });
    const target = new URL(loginUrl).host;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(LOGIN_TIMEOUT_MS), redirect: 'error' });
      text = await readLimited(res, MAX_BODY);
    } catch (err) {
      return { ok: false, error: `platform unreachable: ${networkReason(err, target, LOGIN_TIMEOUT_MS)}` };
    }
    const json = parseJson(text);
    if (res.status !== 200) return { ok: false, error: `refused by the platform: ${res.status}${envelopeDetail(json)}` };
    if (json === undefined) return { ok: false, error: 'the platform answered the login with something that is not JSON' };
    const parsed = loginSuccessSchema.safeParse(json);
    if (!parsed.success) return { ok: false, error: `the platform's login answer is malformed: ${firstIssue(parsed.error)}` };
    return { ok: true, body: parsed.data };
  }
}

/** A platform reply's body as JSON, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** " <code> <message>" of a §8 error envelope in a refused reply, or "" when it has none. */
export function envelopeDetail(json: unknown): string {
  const e = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return e && (typeof e.code === 'number' || typeof e.message === 'string') ? ` ${e.code ?? ''} ${e.message ?? ''}`.trimEnd() : '';
}

/** Reads a response body of at most `limit` bytes (more: throws). */
export async function readLimited(res: Response, limit: number): Promise<string> {
  return (await readLimitedBytes(res, limit)).toString('utf8');
}

export async function readLimitedBytes(res: Response, limit: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw Object.assign(new Error(`answer is ${declared} bytes; at most ${limit} are accepted`), { code: 'TOO_LARGE' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      // throwing ends the for-await, which cancels the stream
      if (size > limit) throw Object.assign(new Error(`answer is over ${limit} bytes`), { code: 'TOO_LARGE' });
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}
