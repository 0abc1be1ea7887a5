// The box's reports to the platform (PROTOCOL §6): realtime events to every recordAddr URL
// (fire-and-forget), the history upload (batches of ≤ 100 events and ≤ 8 MiB of pictures as a JSON array every
// recordUploadPeriod s from a cursor per URL in agent.db that moves only after HTTP 200; failures
// retried with capped backoff), device status every deviceMonitorPeriod s, and capture-device
// add/remove to deviceInfoAddr.
import { composeUrl, recordAddrList } from '../protocol';
import type { LoginSession } from '../link/login';
import { Backoff, Sleeper } from '../link/status';
import type { CaptureDevice, CaptureDevices } from '../capture/devices';
import type { EventStore, StoredEvent } from '../events/store';
import { AGENT_VERSION } from '../version';
import { MachineFigures } from './machine';
import { postJson } from './post';

export const HISTORY_BATCH = 100;
/** spot pictures per history batch at most (a batch of 100 full snapshots would be ~75 MB of JSON) */
export const HISTORY_BATCH_BYTES = 8 * 1024 * 1024;
export const HISTORY_RETRY_CAP_MS = 16_000;

export interface ReportersOptions {
  session(): LoginSession | null;
  events: EventStore;
  devices: CaptureDevices;
  dataDir: string;
  identity: { mac: string | null; hostname: string; ip: string };
  log(line: string): void;
}

export class Reporters {
  private readonly sleeper = new Sleeper();
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly machine: MachineFigures;
  private readonly inflight = new Set<Promise<unknown>>();
  /** history: batches acknowledged, and the last failure (for /health) */
  readonly history = { sent: 0, lastError: null as string | null };

  constructor(private readonly o: ReportersOptions) {
    this.machine = new MachineFigures(o.dataDir);
  }

  start(): void {
    this.loops.push(this.historyLoop(), this.statusLoop());
    this.o.devices.on('added', (d) => this.deviceInfo(1, d));
    this.o.devices.on('removed', (d) => this.deviceInfo(2, d));
  }

  private track<T>(p: Promise<T>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
  }

  /** A realtime event (score ≥ threshold): POSTed once to every recordAddr URL, not retried. */
  realtime(e: StoredEvent): void {
    const s = this.o.session();
    if (!s) return;
    for (const url of recordAddrList(s.body.recordAddr)) {
      this.track(
        postJson(s, url, e.body)
          .then((st) => st !== 200 && this.o.log(`realtime event ${e.id}: ${url} answered HTTP ${st} (the history upload sends it again)`))
          .catch((err) => this.o.log(`realtime event ${e.id}: ${url}: ${(err as Error).message} (the history upload sends it again)`)),
      );
    }
  }

  private period(field: 'recordUploadPeriod' | 'deviceMonitorPeriod', dflt: number): number {
    return (this.o.session()?.body[field] ?? dflt) * 1000;
  }

  private async historyLoop(): Promise<void> {
    // a failed batch is retried after 1, 2, 4, 8, 16 s, then every 16 s (or the period if longer)
    const backoff = new Backoff(1000, HISTORY_RETRY_CAP_MS);
    while (!this.stopped) {
      let wait = this.period('recordUploadPeriod', 5);
      try {
        const more = await this.uploadOnce();
        backoff.reset();
        if (more) wait = 0;
      } catch (err) {
        const why = (err as Error).message;
        if (why !== this.history.lastError) this.o.log(`history upload: ${why}; retrying`);
        this.history.lastError = why;
        wait = Math.max(wait, backoff.next());
      }
      if (wait > 0 && !(await this.sleeper.sleep(wait))) return;
    }
  }

  /** One batch to each history URL; true when some URL sent one (so more may be waiting). */
  private async uploadOnce(): Promise<boolean> {
    const s = this.o.session();
    if (!s) return false;
    let more = false;
    for (const url of recordAddrList(s.body.recordAddr)) {
      const key = composeUrl(s.loginUrl, url);
      const cursor = (await this.o.events.cursor(key)) ?? 0;
      const batch = await this.o.events.after(cursor, HISTORY_BATCH, HISTORY_BATCH_BYTES);
      if (batch.length === 0) continue;
      const st = await postJson(s, url, batch.map((e) => e.body));
      if (st !== 200) throw new Error(`${url} answered HTTP ${st}`);
      await this.o.events.setCursor(key, batch.at(-1)!.id);
      this.history.sent++;
      this.history.lastError = null;
      more = true; // look again at once: more may be waiting
    }
    return more;
  }

  private async statusLoop(): Promise<void> {
    while (!this.stopped) {
      const s = this.o.session();
      if (s?.body.deviceMonitorAddr) {
        try {
          const st = await postJson(s, s.body.deviceMonitorAddr, await this.statusBody(s));
          if (st !== 200) this.o.log(`device status: ${s.body.deviceMonitorAddr} answered HTTP ${st}`);
        } catch (err) {
          this.o.log(`device status: ${(err as Error).message}`);
        }
      }
      if (!(await this.sleeper.sleep(s ? this.period('deviceMonitorPeriod', 20) : 1000))) return;
    }
  }

  async statusBody(s: LoginSession): Promise<Record<string, unknown>> {
    const m = await this.machine.read();
    return {
      gateway_ip: this.o.identity.ip,
      gateway_name: this.o.identity.hostname,
      gateway_status: 'online',
      gateway_sn: s.devSno,
      dev_sno: s.devSno,
      gateway_ext_data: { sw_version: AGENT_VERSION, sdk_version: AGENT_VERSION, gateway_mac: this.o.identity.mac ?? '', ...m },
      sub_devices: this.o.devices.list().map((d) => ({
        ep_id: `${s.devSno}__${d.ep_ip}`,
        ep_name: d.name,
        ep_ip: d.ep_ip,
        ep_status: 'online',
        ep_location: d.location,
        ep_type: d.ep_type,
        ep_url: d.stream_url,
      })),
    };
  }

  /** §6.2 add (1) / delete (2), tried a few times with backoff (the status reports list the devices anyway). */
  private deviceInfo(actionType: 1 | 2, d: CaptureDevice): void {
    const run = async () => {
      const backoff = new Backoff(1000, 8000);
      for (let attempt = 1; attempt <= 5 && !this.stopped; attempt++) {
        const s = this.o.session();
        if (s && !s.body.deviceInfoAddr) return;
        if (s) {
          const body = {
            actionType,
            deviceInfo: {
              epId: `${s.devSno}__${d.ep_ip}`,
              devSno: s.devSno,
              direction: d.direction,
              epType: d.ep_type,
              memo: '',
              epName: d.name,
              epIp: d.ep_ip,
              epStatus: '1',
              epVersion: '',
              epGroupName: d.location,
              epStreamUrl: d.stream_url,
              lastMonitorTime: Math.floor(Date.now() / 1000),
              isMonitor: d.ep_type === '2' || d.ep_type === '3' ? 1 : 0,
              privilegeGroupKey: d.permission_ids.join(','),
            },
          };
          try {
            const st = await postJson(s, s.body.deviceInfoAddr!, body);
            if (st === 200) return;
            this.o.log(`capture device ${d.ep_ip}: ${s.body.deviceInfoAddr} answered HTTP ${st}`);
          } catch (err) {
            this.o.log(`capture device ${d.ep_ip}: ${(err as Error).message}`);
          }
        }
        if (!(await this.sleeper.sleep(backoff.next()))) return;
      }
    };
    this.track(run());
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.sleeper.cancelAll();
    await Promise.all(this.loops);
    await Promise.allSettled([...this.inflight]);
  }
}
