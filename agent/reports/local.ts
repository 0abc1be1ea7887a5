// Reports to the destinations configured through the local admin API (PROTOCOL §7), in addition
// to the platform's and whether or not the box is logged in: realtime events to every
// EventServerUrl (fire-and-forget, like recordAddr), history batches to every HistoryEventUrl
// (own cursor per URL, own period `reported_peroid`), device status to MonitorServerUrl every
// `reported_peroid` s; each as JSON or multipart form-data. The URLs are the integrator's own
// absolute URLs, sent to as they are (no platform token). Also decides reg_pic for every event
// sent (platform's destinations included): realtime when real_need_reg_pic, history when
// history_need_reg_pic.
import type { EventBody, EventStore } from '../events/store';
import type { Sleeper } from '../link/status';
import { HistoryUploader } from './history';
import { postTo, type BodyType } from './post';
import type { RegPics } from './reg-pic';

export interface LocalDestinations {
  event: { urls: string[]; needRegPic: boolean; type: BodyType };
  history: { urls: string[]; needRegPic: boolean; type: BodyType; periodS: number };
  monitor: { urls: string[]; type: BodyType; periodS: number };
}

export interface LocalOptions {
  destinations(): LocalDestinations;
  regPics: RegPics;
  devSno(): string;
  events: EventStore;
  sleeper: Sleeper;
  statusBody(devSno: string): Promise<Record<string, unknown>>;
  track(p: Promise<unknown>): void;
  log(line: string): void;
  /** realtime first: resolves when no realtime event is being made or sent */
  quiet?(): Promise<void>;
}

/** the cursor key of a HistoryEventUrl (apart from the platform's, which are the composed URLs) */
export const localCursorKey = (url: string) => `admin-api:${url}`;

export class LocalReports {
  readonly history: HistoryUploader;
  /** status reports answered 200 (for /health) */
  statusSent = 0;
  private wakeMonitor: (() => void) | null = null;

  constructor(private readonly o: LocalOptions) {
    this.history = new HistoryUploader({
      events: o.events,
      sleeper: o.sleeper,
      log: o.log,
      quiet: o.quiet,
      periodMs: () => o.destinations().history.periodS * 1000,
      prepare: (b) => this.prepare(b, 'history'),
      targets: () => {
        const h = o.destinations().history;
        return h.urls.map((url) => ({ key: localCursorKey(url), label: url, post: (batch, json) => postTo(url, h.type === 'json' ? json : batch, h.type) }));
      },
    });
  }

  start(stopped: () => boolean): Promise<void>[] {
    return [this.history.run(stopped), this.monitorLoop(stopped)];
  }

  /** The settings changed: the history and status loops look again at once. */
  wake(): void {
    this.history.wake();
    this.wakeMonitor?.();
  }

  status(): { event_server_urls: number; history_urls: number; history_batches_sent: number; history_error: string | null; monitor_urls: number; monitor_reports_sent: number } {
    const d = this.o.destinations();
    return {
      event_server_urls: d.event.urls.length,
      history_urls: d.history.urls.length,
      history_batches_sent: this.history.sent,
      history_error: this.history.lastError,
      monitor_urls: d.monitor.urls.length,
      monitor_reports_sent: this.statusSent,
    };
  }

  /** The event as sent: reg_pic filled when the setting for this kind of report asks for it. */
  prepare(body: EventBody, kind: 'realtime' | 'history'): Promise<EventBody> {
    const d = this.o.destinations();
    return this.o.regPics.fill(body, kind === 'realtime' ? d.event.needRegPic : d.history.needRegPic).catch((err) => {
      this.o.log(`reg_pic for ${body.identity_id}: ${(err as Error).message}; sent without`);
      return body;
    });
  }

  realtime(e: EventBody): void {
    const ev = this.o.destinations().event;
    if (ev.urls.length === 0) return;
    const body = this.prepare(e, 'realtime');
    const id = e.ext_data.event_id;
    for (const url of ev.urls) {
      this.o.track(
        body
          .then((b) => postTo(url, b, ev.type))
          .then((st) => st !== 200 && this.o.log(`realtime event ${id}: ${url} answered HTTP ${st}`))
          .catch((err) => this.o.log(`realtime event ${id}: ${url}: ${(err as Error).message}`)),
      );
    }
  }

  private async monitorLoop(stopped: () => boolean): Promise<void> {
    const failing = new Set<string>();
    while (!stopped()) {
      const m = this.o.destinations().monitor;
      if (m.urls.length) {
        const body = await this.o.statusBody(this.o.devSno());
        for (const url of m.urls) {
          try {
            const st = await postTo(url, body, m.type);
            if (st !== 200) throw new Error(`answered HTTP ${st}`);
            this.statusSent++;
            failing.delete(url);
          } catch (err) {
            if (!failing.has(url)) this.o.log(`device status to ${url}: ${(err as Error).message}`);
            failing.add(url);
          }
        }
      }
      const slept = await Promise.race([this.o.sleeper.sleep(m.urls.length ? m.periodS * 1000 : 1000), new Promise<boolean>((r) => (this.wakeMonitor = () => r(true)))]);
      this.wakeMonitor = null;
      if (!slept) return;
    }
  }
}
