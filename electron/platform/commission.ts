// Commissioning, the technician's one action: for each box, issue an authorisation code (or
// keep the one of this site it already holds), set DevSno and LoginUrl — this platform's
// box-facing URL on the address of this machine that reaches the box — read them back, then
// follow the box until it has logged in and its broker channel is up, with a progress step per
// box and a plain reason when it does not get there.
import { connect } from 'node:net';
import type { BoxConfig, ConfigureOutcome, ConfigureRequest } from '../api/boxes';
import type { CommissionProgress } from '../api/platform';
import type { PlatformService } from './service';

export interface CommissionDeps {
  getConfig(host: string, port?: number): Promise<BoxConfig>;
  configure(request: ConfigureRequest): Promise<ConfigureOutcome>;
  platform: PlatformService;
}

export interface CommissionOptions {
  port?: number;
  /** Seconds to wait for each box's login and broker channel (default 60). */
  timeoutS?: number;
  onProgress?(p: CommissionProgress): void;
}

/** The local address this machine uses to reach host:port. */
export function localAddressTowards(host: string, port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      let a = s.localAddress ?? '';
      if (a.startsWith('::ffff:')) a = a.slice(7);
      s.destroy();
      resolve(a);
    });
    s.once('timeout', () => {
      s.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs / 1000} s`));
    });
    s.once('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One commissioning step per box at a time (in this process): reading the code the box holds,
 * issuing one when it holds none of ours and setting it is a check-then-act — two at once (a
 * double click, two technicians, a host listed twice) would each issue a code, one left unused.
 * Keyed by the box's config API address; the second reads the box again once the first is done.
 */
const perBox = new Map<string, Promise<unknown>>();
function onePerBox<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const run = (perBox.get(key) ?? Promise.resolve()).then(fn, fn);
  const tail = run.catch(() => undefined);
  perBox.set(key, tail);
  void tail.then(() => perBox.get(key) === tail && perBox.delete(key));
  return run;
}

async function agentBrokerError(host: string, port: number): Promise<string | null> {
  try {
    const r = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/health`, { signal: AbortSignal.timeout(2000) });
    const h = (await r.json()) as { broker?: { state?: string; error?: string } };
    return h.broker?.error ?? null;
  } catch {
    return null; // vendor firmware has no /health
  }
}

export async function commissionBox(deps: CommissionDeps, target: string, o: CommissionOptions = {}): Promise<CommissionProgress> {
  const started = Date.now();
  let p: CommissionProgress = { host: target, step: 'contacting', devSno: null, loginUrl: null, done: false, ok: false, message: 'reading the box' };
  const report = (next: Partial<CommissionProgress>) => {
    p = { ...p, ...next };
    o.onProgress?.(p);
    return p;
  };
  const fail = (message: string) => report({ done: true, ok: false, message });
  report({});
  let cfg: BoxConfig;
  try {
    cfg = await deps.getConfig(target, o.port);
  } catch (err) {
    return fail(`unreachable: ${(err as Error).message}`);
  }
  const configured = await onePerBox(`${cfg.host}:${cfg.port}`, async (): Promise<{ devSno: string; loginUrl: string } | CommissionProgress> => {
    // read again in turn: another commissioning of this box may have set our code meanwhile
    try {
      cfg = await deps.getConfig(cfg.host, cfg.port);
    } catch (err) {
      return fail(`unreachable: ${(err as Error).message}`);
    }
    const ours = cfg.dev_sno ? (await deps.platform.listDevices()).find((d) => d.devSno === cfg.dev_sno) : undefined;
    let local: string;
    try {
      local = await localAddressTowards(cfg.host, cfg.port);
    } catch (err) {
      return fail(`unreachable: ${(err as Error).message}`);
    }
    const devSno = ours?.devSno ?? (await deps.platform.addDevice(target)).devSno;
    const loginUrl = `http://${local.includes(':') ? `[${local}]` : local}:${deps.platform.boxPort}/login`;
    report({ step: 'configuring', devSno, loginUrl, message: `setting DevSno ${devSno} and LoginUrl ${loginUrl}` });
    if (ours && !ours.enabled) await deps.platform.setDeviceEnabled(devSno, true);
    const out = await deps.configure({ host: cfg.host, port: cfg.port, dev_sno: devSno, login_url: loginUrl });
    if (!out.ok) return fail(`the box did not take the settings: ${out.error ?? 'unknown reason'}`);
    return { devSno, loginUrl };
  });
  if ('done' in configured) return configured;
  const { devSno, loginUrl } = configured;
  report({ step: 'logging-in', message: 'waiting for the box to log in' });
  const end = started + (o.timeoutS ?? 60) * 1000;
  const since = started;
  for (;;) {
    const d = (await deps.platform.listDevices()).find((x) => x.devSno === devSno);
    if (!d) return fail('the authorisation code was removed while commissioning');
    const refusal = deps.platform.loginRefusal(devSno);
    if (refusal && refusal.at >= since) return fail(`refused: ${refusal.message}`);
    if (d.lastLoginAt !== null && d.lastLoginAt >= since && d.mac) break;
    if (Date.now() > end) return fail(`the box did not log in within ${o.timeoutS ?? 60} s: check that it reaches ${loginUrl} (firewall, routing)`);
    await sleep(300);
  }
  report({ step: 'broker', message: 'logged in; waiting for its broker channel' });
  for (;;) {
    const n = await deps.platform.brokerConsumers(devSno);
    if (n !== null && n > 0) return report({ step: 'done', done: true, ok: true, message: 'logged in, broker channel up' });
    const refusal = deps.platform.loginRefusal(devSno);
    if (refusal && refusal.at >= since) return fail(`refused: ${refusal.message}`);
    if (Date.now() > end) {
      const why = await agentBrokerError(cfg.host, cfg.port);
      return fail(`logged in, but its broker channel did not come up within ${o.timeoutS ?? 60} s${why ? `: ${why}` : ' (broker refused or unreachable from the box)'}`);
    }
    await sleep(300);
  }
}

export async function commission(deps: CommissionDeps, hosts: string[], o: CommissionOptions = {}): Promise<CommissionProgress[]> {
  // a few boxes at a time: each mostly waits for its box
  const results: CommissionProgress[] = new Array(hosts.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, hosts.length) }, async () => {
      while (next < hosts.length) {
        const i = next++;
        try {
          results[i] = await commissionBox(deps, hosts[i]!, o);
        } catch (err) {
          results[i] = { host: hosts[i]!, step: 'failed', devSno: null, loginUrl: null, done: true, ok: false, message: (err as Error).message };
          o.onProgress?.(results[i]!);
        }
      }
    }),
  );
  return results;
}
