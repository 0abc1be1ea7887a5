// Health check of a freshly (re)started agent: GET /health and GET /SophonMQ/api/DevSno on the
// box's own loopback (through SSH) must both answer, and /health must report the expected
// version, within the time limit.
import type { SshSession } from './ssh';

export interface HealthResult {
  ok: boolean;
  /** Why not, in plain words (the last failure seen). */
  reason?: string;
  version?: string;
  devSno?: string | null;
  elapsedMs: number;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** One probe: null when healthy, else the reason. */
export async function probeOnce(ssh: SshSession, port: number, expectVersion?: string): Promise<{ reason: string | null; version?: string; devSno?: string | null }> {
  let health;
  try {
    health = await ssh.httpGet(port, '/health');
  } catch (err) {
    return { reason: `GET /health: ${(err as Error).message}` };
  }
  if (health.status !== 200) return { reason: `GET /health answered HTTP ${health.status}` };
  const h = parseJson(health.body) as { version?: unknown; data?: { version?: unknown } } | undefined;
  const version = typeof h?.version === 'string' ? h.version : typeof h?.data?.version === 'string' ? h.data.version : undefined;
  if (h === undefined) return { reason: 'GET /health did not answer JSON' };
  if (expectVersion && version !== expectVersion) return { reason: `GET /health reports version ${version ?? '(none)'}, expected ${expectVersion} (an old agent still holds the port?)`, version };
  let dev;
  try {
    dev = await ssh.httpGet(port, '/SophonMQ/api/DevSno');
  } catch (err) {
    return { reason: `GET /SophonMQ/api/DevSno: ${(err as Error).message}`, version };
  }
  const d = parseJson(dev.body) as { data?: { dev_sno?: unknown; response?: unknown }; error?: unknown } | undefined;
  if (dev.status !== 200 || !d?.data) return { reason: `GET /SophonMQ/api/DevSno answered HTTP ${dev.status} ${dev.body.slice(0, 120)}`, version };
  const sno = d.data.dev_sno ?? d.data.response;
  return { reason: null, version, devSno: typeof sno === 'string' ? sno : null };
}

export async function waitHealthy(ssh: SshSession, opts: { port: number; expectVersion?: string; timeoutSec: number; signal?: AbortSignal }): Promise<HealthResult> {
  const start = Date.now();
  let last = 'no answer yet';
  while (Date.now() - start < opts.timeoutSec * 1000) {
    if (ssh.isClosed) return { ok: false, reason: 'the SSH connection closed during the health check', elapsedMs: Date.now() - start };
    const r = await probeOnce(ssh, opts.port, opts.expectVersion);
    if (r.reason === null) return { ok: true, version: r.version, devSno: r.devSno, elapsedMs: Date.now() - start };
    last = r.reason;
    await new Promise((res) => setTimeout(res, 400));
  }
  return { ok: false, reason: `the agent did not become healthy within ${opts.timeoutSec} s (${last})`, elapsedMs: Date.now() - start };
}
