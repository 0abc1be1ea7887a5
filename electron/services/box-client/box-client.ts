// Reads and sets a box's DevSno and LoginUrl (PROTOCOL §1) with the agent's own validation,
// then reads the values back to confirm. Every failure is one plain sentence that says what
// to do. Batch configuration from CSV lives in batch.ts.
import {
  CONFIG_API_PORT,
  DEV_SNO_PATH,
  LOGIN_URL_PATH,
  devSnoProblem,
  loginUrlProblem,
  normalizeLoginUrl,
  readConfigValue,
} from '../../../agent/protocol';
import type { BoxConfig, ConfigureOutcome, ConfigureRequest } from '../../api/boxes';
import { readNeighbours } from '../discovery/neighbours';
import { envelopeError, HttpError, requestJson, type JsonResponse } from './http';
import { parseTarget, targetLabel, type BoxTarget } from './target';

export interface BoxClientOptions {
  /** Deadline for connecting and for each answer (default 3000 ms). */
  timeoutMs?: number;
  /** mac → every listed box with that MAC, e.g. `(mac) => discovery.findAllByMac(mac)`; the OS neighbour table is tried next. */
  resolveMac?: (mac: string) => Array<{ ip: string; port?: number }>;
  /** ip → mac; default the OS neighbour table. */
  neighbours?: () => Promise<Map<string, string>>;
}

/** A failure with a message meant for the technician. */
export class BoxClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoxClientError';
  }
}

type Field = 'dev_sno' | 'login_url';
const PATHS: Record<Field, string> = { dev_sno: DEV_SNO_PATH, login_url: LOGIN_URL_PATH };

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export class BoxClient {
  readonly timeoutMs: number;

  constructor(private readonly opts: BoxClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 3000;
  }

  /** Where a target (ip, ip:port, host name or MAC) is. Throws BoxClientError. */
  async resolve(target: string | BoxTarget, port?: number): Promise<{ host: string; port: number }> {
    let t: BoxTarget;
    try {
      t = typeof target === 'string' ? parseTarget(target, port) : target;
    } catch (err) {
      throw new BoxClientError((err as Error).message);
    }
    if (t.kind === 'host') return { host: t.host, port: t.port ?? port ?? CONFIG_API_PORT };
    // A MAC names one box; two boxes answering with it (several agents on one machine, a
    // cloned MAC) are reported, never picked from silently.
    const unique = (list: Array<{ host: string; port: number }>) => [...new Map(list.map((a) => [`${a.host}:${a.port}`, a])).values()];
    const known = unique((this.opts.resolveMac?.(t.mac) ?? []).map((k) => ({ host: k.ip, port: t.port ?? k.port ?? CONFIG_API_PORT })));
    const table = known.length
      ? []
      : unique(
          [...(await (this.opts.neighbours ?? readNeighbours)().catch(() => new Map<string, string>()))]
            .filter(([, mac]) => mac === t.mac)
            .map(([ip]) => ({ host: ip, port: t.port ?? port ?? CONFIG_API_PORT })),
        );
    const found = known.length ? known : table;
    if (found.length === 1) return found[0]!;
    if (found.length > 1)
      throw new BoxClientError(
        `MAC ${t.mac} is ambiguous: ${found.length} boxes answer with it (${found.map((a) => `${a.host}:${a.port}`).join(', ')}) — name the box by its IP address instead`,
      );
    throw new BoxClientError(`no box with MAC ${t.mac} has been found on this network — scan first (se3kit discover) or give its IP address`);
  }

  /** Current DevSno and LoginUrl of a box (null = not set). Throws BoxClientError. */
  async getConfig(target: string, port?: number): Promise<BoxConfig> {
    const at = await this.resolve(target, port);
    const [dev_sno, login_url] = [await this.read(at, 'dev_sno'), await this.read(at, 'login_url')];
    return { host: at.host, port: at.port, dev_sno, login_url };
  }

  /**
   * Validates, sets the given values, reads both back and confirms they were stored.
   * Never throws: failures come back as { ok: false, error }.
   */
  async configure(request: ConfigureRequest): Promise<ConfigureOutcome> {
    // Until the box is found, the outcome names it as it was given (never glued to a port).
    let label: Pick<ConfigureOutcome, 'host' | 'port' | 'target' | 'unresolved'> = {
      host: request.host.trim(),
      port: request.port ?? CONFIG_API_PORT,
      target: request.target ?? request.host.trim(),
      unresolved: true,
    };
    try {
      const t = parseTarget(request.host, request.port);
      label = { ...label, host: t.kind === 'mac' ? t.mac : t.host, port: t.port ?? CONFIG_API_PORT };
    } catch {
      /* reported by resolve() below */
    }
    const fail = (error: string, extra: Partial<ConfigureOutcome> = {}): ConfigureOutcome => ({ ...label, ...extra, ok: false, error });
    const problems = [
      request.dev_sno !== undefined ? devSnoProblem(request.dev_sno) : null,
      request.login_url !== undefined ? loginUrlProblem(request.login_url) : null,
    ].filter((p): p is string => p !== null);
    if (problems.length) return fail(`${problems.join('; ')} — nothing was sent to the box`);
    if (request.dev_sno === undefined && request.login_url === undefined) return fail('nothing to set: give a dev_sno, a login_url or both');

    let at: { host: string; port: number };
    try {
      at = await this.resolve(request.host, request.port);
    } catch (err) {
      return fail((err as Error).message);
    }
    const named = request.target ?? request.host.trim();
    const plain = named === at.host || named === `${at.host}:${at.port}`;
    const where: Pick<ConfigureOutcome, 'host' | 'port' | 'target'> = plain ? { host: at.host, port: at.port } : { host: at.host, port: at.port, target: named };
    const wanted: Array<[Field, string]> = [];
    if (request.dev_sno !== undefined) wanted.push(['dev_sno', request.dev_sno]);
    // The box stores the normalised URL (agent/protocol): send that, so the read-back compares equal.
    if (request.login_url !== undefined) wanted.push(['login_url', normalizeLoginUrl(request.login_url)]);

    let error: string | undefined;
    for (const [field, value] of wanted) {
      try {
        await this.write(at, field, value);
      } catch (err) {
        error = (err as Error).message;
        break;
      }
    }
    // Read back both values: the confirmation (and, after a failure, what the box holds now).
    let readBack: { dev_sno: string | null; login_url: string | null };
    try {
      readBack = { dev_sno: await this.read(at, 'dev_sno'), login_url: await this.read(at, 'login_url') };
    } catch (err) {
      return { ...where, ok: false, error: error ?? `the box took the new values but reading them back failed: ${(err as Error).message}` };
    }
    if (error) return { ...where, ...readBack, ok: false, error };
    for (const [field, value] of wanted) {
      if (readBack[field] !== value)
        return {
          ...where,
          ...readBack,
          ok: false,
          error: `the box accepted ${field} "${value}" but reads back ${JSON.stringify(readBack[field])} — it was not stored; try again, or restart the box`,
        };
    }
    return { ...where, ...readBack, ok: true };
  }

  private async call(at: { host: string; port: number }, path: string, body?: unknown): Promise<JsonResponse> {
    const addr = `${at.host}:${at.port}`;
    try {
      return await requestJson(at.host, at.port, path, { method: body === undefined ? 'GET' : 'PUT', body, timeoutMs: this.timeoutMs });
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      const f = err.failure;
      switch (f.kind) {
        case 'timeout':
          throw new BoxClientError(`no answer from ${addr} within ${seconds(this.timeoutMs)} — is the box powered and on this network?`);
        case 'no-answer':
          throw new BoxClientError(`${addr} accepted the connection but did not answer within ${seconds(this.timeoutMs)} — the box may be busy or starting; try again in a minute`);
        case 'refused':
          throw new BoxClientError(`${addr} refused the connection — the machine is there but nothing serves the configuration API on port ${at.port}; check the port, or restart the box`);
        case 'unreachable':
          throw new BoxClientError(`no answer from ${addr}: nothing on the network answers for that address (${f.code}) — is the box powered and on this network, and is the address right?`);
        default:
          if (f.code === 'ENOTFOUND' || f.code === 'EAI_AGAIN')
            throw new BoxClientError(`cannot resolve the host name "${at.host}" — check the spelling or use the box's IP address`);
          throw new BoxClientError(`talking to ${addr} failed (${f.code}: ${f.message}) — check the network and try again`);
      }
    }
  }

  private async read(at: { host: string; port: number }, field: Field): Promise<string | null> {
    const r = await this.call(at, PATHS[field]);
    const v = r.status === 200 ? readConfigValue(r.json, field) : null;
    if (v === null) throw new BoxClientError(this.unexpected(at, r, `reading ${field}`));
    return v === '' ? null : v;
  }

  private async write(at: { host: string; port: number }, field: Field, value: string): Promise<void> {
    const r = await this.call(at, PATHS[field], { [field]: value });
    if (r.status === 200 && readConfigValue(r.json, field) !== null) return;
    const env = envelopeError(r.json);
    if (env) throw new BoxClientError(`the box refused ${field} "${value}": ${env.message} (code ${env.code}) — correct the value and try again`);
    throw new BoxClientError(this.unexpected(at, r, `setting ${field}`));
  }

  private unexpected(at: { host: string; port: number }, r: JsonResponse, doing: string): string {
    const env = envelopeError(r.json);
    const what = env ? `error ${env.code}: ${env.message}` : `HTTP ${r.status}${r.json === undefined ? ', not JSON' : ''}`;
    return `${at.host}:${at.port} is not answering like an SE3 box when ${doing} (${what}) — is this the box's configuration port (normally ${CONFIG_API_PORT})?`;
  }
}

export { targetLabel };
