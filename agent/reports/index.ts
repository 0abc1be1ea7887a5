// The box's reports (PROTOCOL §6): realtime events to every recordAddr URL (fire-and-forget), the
// history upload (./history: batches of ≤ 100 events every recordUploadPeriod s from a cursor per
// URL that moves only after HTTP 200), device status every deviceMonitorPeriod s, and
// capture-device add/remove to deviceInfoAddr. The local admin API's destinations (§7:
// EventServerUrl, HistoryEventUrl, MonitorServerUrl) come in addition (./local), attached with
// `useLocal`; so does reg_pic, filled when the need_reg_pic settings ask for it.
import { composeUrl, recordAddrList } from '../protocol';
import type { LoginSession } from '../link/login';
import { Backoff, Sleeper } from '../link/status';
import type { CaptureDevice, CaptureDevices } from '../capture/devices';
import type { EventBody, EventStore } from '../events/store';
import { AGENT_VERSION } from '../version';
import { HistoryUploader } from './history';
import { LocalReports, type LocalOptions } from './local';
import { MachineFigures } from './machine';
import { postJson } from './post';
import { RealtimeFirst } from './priority';
import type { Trace } from '../recognition/trace';

export { HISTORY_BATCH, HISTORY_BATCH_BYTES, HISTORY_RETRY_CAP_MS } from './history';

export interface ReportersOptions {
  session(): LoginSession | null;
  /** The platform answered 401 to a report of session `s`: its token is no longer taken (log in again). */
  refused?(s: LoginSession, why: string): void;
  events: EventStore;
  devices: CaptureDevices;
  dataDir: string;
  identity: { mac: string | null; hostname: string; ip: string };
  log(line: string): void;
}

export class Reporters {
  private readonly sleeper = new Sleeper();
  private stopped = false;
  /** the §6.2 device reports, sent one after another */
  private deviceInfoChain: Promise<void> = Promise.resolve();
  private readonly loops: Promise<void>[] = [];
  private readonly machine: MachineFigures;
  private readonly inflight = new Set<Promise<unknown>>();
  /** the platform's history upload: batches acknowledged and the last failure (for /health) */
  readonly history: HistoryUploader;
  private local: LocalReports | null = null;
  /** realtime before history: the recogniser enters it per snapshot, the history uploads wait for quiet */
  readonly priority = new RealtimeFirst();

  constructor(private readonly o: ReportersOptions) {
    this.machine = new MachineFigures(o.dataDir);
    this.history = new HistoryUploader({
      events: o.events,
      sleeper: this.sleeper,
      log: o.log,
      quiet: () => this.priority.idle(),
      periodMs: () => this.period('recordUploadPeriod', 5),
      prepare: (b) => this.local?.prepare(b, 'history') ?? Promise.resolve(b),
      targets: () => {
        const s = this.o.session();
        if (!s) return [];
        return recordAddrList(s.body.recordAddr).map((url) => ({ key: composeUrl(s.loginUrl, url), label: url, post: (_batch, json) => this.post(s, url, json) }));
      },
    });
  }

  start(): void {
    this.loops.push(this.history.run(() => this.stopped), this.statusLoop());
    this.o.devices.on('added', (d) => this.deviceInfo(1, d));
    this.o.devices.on('removed', (d) => this.deviceInfo(2, d));
  }

  /** A report to one of the platform's URLs; a 401 (the token is no longer taken) makes the box log in again. */
  private async post(s: LoginSession, url: string, body: unknown): Promise<number> {
    const st = await postJson(s, url, body);
    if (st === 401) this.o.refused?.(s, `${url} answered HTTP 401 (the platform no longer takes this login's token)`);
    return st;
  }

  private track<T>(p: Promise<T>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
  }

  /**
   * A realtime event (score ≥ threshold, spot_pic included): POSTed once to every recordAddr URL
   * and EventServerUrl, not retried. Sent while it is being stored (the history upload sends it
   * from the store; the platform counts both copies as one by ext_data.event_id).
   */
  realtime(e: EventBody, tr: Trace | null = null): Promise<unknown> {
    this.local?.realtime(e);
    const s = this.o.session();
    if (!s) return Promise.resolve();
    const urls = recordAddrList(s.body.recordAddr);
    if (urls.length === 0) return Promise.resolve();
    const body = (this.local?.prepare(e, 'realtime') ?? Promise.resolve(e)).then((b) => (tr?.mark('body_ready'), b));
    const id = e.ext_data.event_id;
    const posts = urls.map((url, i) => {
      const p = body
        .then((b) => this.post(s, url, b))
        .then((st) => {
          if (i === 0) tr?.mark('answered');
          if (st !== 200) this.o.log(`realtime event ${id}: ${url} answered HTTP ${st} (the history upload sends it again)`);
        })
        .catch((err) => this.o.log(`realtime event ${id}: ${url}: ${(err as Error).message} (the history upload sends it again)`));
      this.track(p);
      return p;
    });
    return Promise.all(posts);
  }

  /** Attaches the local admin API's destinations and reg_pic settings (in addition to the platform's). */
  useLocal(o: Omit<LocalOptions, 'events' | 'sleeper' | 'log' | 'statusBody' | 'track'>): LocalReports {
    this.local = new LocalReports({ ...o, events: this.o.events, sleeper: this.sleeper, log: this.o.log, statusBody: (devSno) => this.statusBody(devSno), track: (p) => this.track(p), quiet: () => this.priority.idle() });
    this.loops.push(...this.local.start(() => this.stopped));
    return this.local;
  }

  private period(field: 'recordUploadPeriod' | 'deviceMonitorPeriod', dflt: number): number {
    return (this.o.session()?.body[field] ?? dflt) * 1000;
  }

  private async statusLoop(): Promise<void> {
    while (!this.stopped) {
      const s = this.o.session();
      if (s?.body.deviceMonitorAddr) {
        try {
          const st = await this.post(s, s.body.deviceMonitorAddr, await this.statusBody(s.devSno));
          if (st !== 200) this.o.log(`device status: ${s.body.deviceMonitorAddr} answered HTTP ${st}`);
        } catch (err) {
          this.o.log(`device status: ${(err as Error).message}`);
        }
      }
      if (!(await this.sleeper.sleep(s ? this.period('deviceMonitorPeriod', 20) : 1000))) return;
    }
  }

  async statusBody(devSno: string): Promise<Record<string, unknown>> {
    const m = await this.machine.read();
    return {
      gateway_ip: this.o.identity.ip,
      gateway_name: this.o.identity.hostname,
      gateway_status: 'online',
      gateway_sn: devSno,
      dev_sno: devSno,
      gateway_ext_data: { sw_version: AGENT_VERSION, sdk_version: AGENT_VERSION, gateway_mac: this.o.identity.mac ?? '', ...m },
      sub_devices: this.o.devices.list().map((d) => ({
        ep_id: `${devSno}__${d.ep_ip}`,
        ep_name: d.name,
        ep_ip: d.ep_ip,
        ep_status: 'online',
        ep_location: d.location,
        ep_type: d.ep_type,
        ep_url: d.stream_url,
      })),
    };
  }

  /** §6.2 add (1) / delete (2), tried a few times with backoff (the status reports list the devices anyway).
   *  One at a time, in the order the box made them: sent side by side, a delete made right after its
   *  add could reach the platform first (two connections) and leave it a device the box no longer has. */
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
            const st = await this.post(s, s.body.deviceInfoAddr!, body);
            if (st === 200) return;
            this.o.log(`capture device ${d.ep_ip}: ${s.body.deviceInfoAddr} answered HTTP ${st}`);
          } catch (err) {
            this.o.log(`capture device ${d.ep_ip}: ${(err as Error).message}`);
          }
        }
        if (!(await this.sleeper.sleep(backoff.next()))) return;
      }
    };
    const p = this.deviceInfoChain.then(run);
    this.deviceInfoChain = p.catch(() => undefined);
    this.track(p);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.sleeper.cancelAll();
    await Promise.all(this.loops);
    await Promise.allSettled([...this.inflight]);
  }
}
