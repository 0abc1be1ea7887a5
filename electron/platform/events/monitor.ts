// Device status (PROTOCOL §6.1, §6.2) on the platform: the latest report per box, a bounded
// metric history for the charts, the boxes' capture devices, and the offline watch — a box that
// has reported and then misses three status periods is offline and raises an alert, cleared when
// it reports again. Alerts are kept in platform.db (bounded).
import { MISSED_PERIODS_OFFLINE, offlineAfterMs, type AlertView, type CaptureDeviceView, type DeviceStatusView, type MetricPoint, type MetricSeries } from '../../api/events';
import { transaction, type PlatformDb } from '../db';
import { macForDisplay } from '../names';
import type { ParsedCaptureDevice, ParsedStatus } from './parse';
import type { ReadFn } from './records';

/** Metric points kept per box (≈ 2.3 days at the default 20 s), alerts kept in all. */
export const MAX_METRIC_POINTS = 10_000;
export const MAX_ALERTS = 10_000;

interface StatusRow {
  dev_sno: string;
  at: number;
  gateway_ip: string | null;
  gateway_name: string | null;
  mac: string | null;
  sw_version: string | null;
  sdk_version: string | null;
}
interface MetricRow {
  at: number;
  cpu: number | null;
  mem_size: number | null;
  mem_usage: number | null;
  disk_size: number | null;
  disk_free: number | null;
}
interface CaptureRow {
  ep_id: string;
  ep_ip: string;
  name: string;
  type: string;
  status: string;
  location: string;
  stream_url: string;
  direction: number | null;
  version: string;
  updated_at: number;
}
interface AlertRow {
  id: number;
  dev_sno: string;
  kind: string;
  message: string;
  raised_at: number;
  cleared_at: number | null;
}

const point = (m: MetricRow): MetricPoint => ({ at: m.at, cpuUsage: m.cpu, memorySize: m.mem_size, memoryUsage: m.mem_usage, diskSize: m.disk_size, diskFreeSize: m.disk_free });
const capture = (c: CaptureRow): CaptureDeviceView => ({
  epId: c.ep_id,
  epIp: c.ep_ip,
  name: c.name,
  type: c.type,
  status: c.status === 'online' || c.status === 'offline' ? c.status : 'unknown',
  location: c.location,
  streamUrl: c.stream_url,
  direction: c.direction,
  version: c.version,
  updatedAt: c.updated_at,
});
const alertView = (a: AlertRow): AlertView => ({ ...{ id: a.id, devSno: a.dev_sno, kind: a.kind, message: a.message, raisedAt: a.raised_at, clearedAt: a.cleared_at }, active: a.cleared_at === null });

export interface MonitorOptions {
  /** The writer's connection: only inside `lock`. */
  db: PlatformDb;
  lock: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Reads on their own connections, each one committed state (db.ts SnapshotReads). */
  read: ReadFn;
  /** The status period handed to boxes at login (s). */
  periodS: () => number;
  onStatus(devSno: string): void;
  onAlert(a: AlertView): void;
}

export class DeviceMonitor {
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  /** A report older than the platform's start counts from the start: a platform that was down is no box outage. */
  private readonly startedAt = Date.now();

  constructor(private readonly o: MonitorOptions) {}

  start(): void {
    const every = Math.max(250, Math.min(10_000, (this.o.periodS() * 1000) / 2));
    this.timer = setInterval(() => void this.check().catch((err) => process.emitWarning(`device status watch: ${(err as Error).message}`)), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private offlineAfterMs(): number {
    return offlineAfterMs(this.o.periodS());
  }

  /** Under the write lock, in one transaction (a reader sees all of it or none). */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    return this.o.lock(() => transaction(this.o.db, fn));
  }

  /** A §6.1 report: status, metric, the capture devices it names and the offline alert cleared, all or nothing. */
  async report(devSno: string, s: ParsedStatus): Promise<void> {
    const now = Date.now();
    const cleared = await this.write(async () => {
        await this.o.db.run(
          `INSERT INTO device_status (dev_sno, at, gateway_ip, gateway_name, gateway_sn, mac, sw_version, sdk_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (dev_sno) DO UPDATE SET at = excluded.at, gateway_ip = excluded.gateway_ip, gateway_name = excluded.gateway_name,
             gateway_sn = excluded.gateway_sn, mac = excluded.mac, sw_version = excluded.sw_version, sdk_version = excluded.sdk_version`,
          [devSno, now, s.gatewayIp, s.gatewayName, s.gatewaySn, s.mac, s.swVersion, s.sdkVersion],
        );
        const r = await this.o.db.run('INSERT INTO device_metrics (dev_sno, at, cpu, mem_size, mem_usage, disk_size, disk_free) VALUES (?, ?, ?, ?, ?, ?, ?)', [
          devSno, now, s.cpu, s.memSize, s.memUsage, s.diskSize, s.diskFree,
        ]);
        await this.o.db.run('DELETE FROM device_metrics WHERE dev_sno = ? AND id <= ?', [devSno, r.lastID - MAX_METRIC_POINTS]);
        // sub_devices is the box's full list: devices it no longer names are gone
        const keep = s.subDevices.map((d) => d.epId);
        await this.o.db.run(`DELETE FROM capture_devices WHERE dev_sno = ?${keep.length ? ` AND ep_id NOT IN (${keep.map(() => '?').join(',')})` : ''}`, [devSno, ...keep]);
        for (const d of s.subDevices) await this.upsertCapture(devSno, d, now, false);
        return this.clearAlerts(devSno, now);
      });
    for (const a of cleared) this.o.onAlert(a);
    this.o.onStatus(devSno);
  }

  async deviceInfo(devSno: string, action: 'add' | 'remove', d: ParsedCaptureDevice): Promise<void> {
    await this.write(async () => {
      if (action === 'remove') await this.o.db.run('DELETE FROM capture_devices WHERE dev_sno = ? AND ep_id = ?', [devSno, d.epId]);
      else await this.upsertCapture(devSno, d, Date.now(), true);
    });
    this.o.onStatus(devSno);
  }

  private async upsertCapture(devSno: string, d: ParsedCaptureDevice, now: number, full: boolean): Promise<void> {
    // a status report does not carry direction and version: keep what §6.2 said
    await this.o.db.run(
      `INSERT INTO capture_devices (dev_sno, ep_id, ep_ip, name, type, status, location, stream_url, direction, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (dev_sno, ep_id) DO UPDATE SET ep_ip = excluded.ep_ip, name = excluded.name, type = excluded.type, status = excluded.status,
         location = excluded.location, stream_url = excluded.stream_url, updated_at = excluded.updated_at
         ${full ? ', direction = excluded.direction, version = excluded.version' : ''}`,
      [devSno, d.epId, d.epIp, d.name, d.type, d.status, d.location, d.streamUrl, d.direction, d.version, now],
    );
  }

  private async clearAlerts(devSno: string, now: number): Promise<AlertView[]> {
    const active = await this.o.db.all<AlertRow>("SELECT * FROM alerts WHERE cleared_at IS NULL AND dev_sno = ? AND kind = 'offline'", [devSno]);
    if (active.length === 0) return [];
    await this.o.db.run("UPDATE alerts SET cleared_at = ? WHERE cleared_at IS NULL AND dev_sno = ? AND kind = 'offline'", [now, devSno]);
    return active.map((a) => alertView({ ...a, cleared_at: now }));
  }

  /** Raises an offline alert for every box whose status is overdue (once per outage). */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const cutoff = Date.now() - this.offlineAfterMs();
      const overdue = await this.o.read((db) => db.all<StatusRow & { name: string | null }>(
        `SELECT s.*, d.name FROM device_status s JOIN devices d ON d.dev_sno = s.dev_sno AND d.enabled = 1
         WHERE max(s.at, ?) < ? AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.dev_sno = s.dev_sno AND a.kind = 'offline' AND a.cleared_at IS NULL)`,
        [this.startedAt, cutoff],
      ));
      for (const s of overdue) {
        const who = s.name ? `${s.name} (${s.dev_sno})` : s.dev_sno;
        const message = `${who} is offline: no status report since ${new Date(s.at).toISOString()} (${MISSED_PERIODS_OFFLINE} periods of ${this.o.periodS()} s missed)`;
        const raised = await this.write(async () => {
          // re-checked in the transaction: a report may have arrived meanwhile
          const still = await this.o.db.get<{ at: number }>('SELECT at FROM device_status WHERE dev_sno = ?', [s.dev_sno]);
          if (!still || Math.max(still.at, this.startedAt) >= cutoff) return null;
          const dup = await this.o.db.get("SELECT 1 FROM alerts WHERE dev_sno = ? AND kind = 'offline' AND cleared_at IS NULL", [s.dev_sno]);
          if (dup) return null;
          const r = await this.o.db.run("INSERT INTO alerts (dev_sno, kind, message, raised_at) VALUES (?, 'offline', ?, ?)", [s.dev_sno, message, Date.now()]);
          await this.o.db.run('DELETE FROM alerts WHERE id <= ? AND cleared_at IS NOT NULL', [r.lastID - MAX_ALERTS]);
          return this.o.db.get<AlertRow>('SELECT * FROM alerts WHERE id = ?', [r.lastID]);
        });
        if (raised) {
          this.o.onAlert(alertView(raised));
          this.o.onStatus(s.dev_sno);
        }
      }
    } finally {
      this.checking = false;
    }
  }

  async view(devSno: string): Promise<DeviceStatusView | null> {
    const all = await this.list(devSno);
    return all[0] ?? null;
  }

  /** Every box's status view (or one box's), all from one read: one committed state. */
  list(only?: string): Promise<DeviceStatusView[]> {
    return this.o.read((db) => this.listIn(db, only));
  }

  private async listIn(db: PlatformDb, only?: string): Promise<DeviceStatusView[]> {
    const devices = await db.all<{ dev_sno: string; name: string; mac: string | null; last_seen_at: number | null; last_login_at: number | null }>(
      `SELECT dev_sno, name, mac, last_seen_at, last_login_at FROM devices${only ? ' WHERE dev_sno = ?' : ''} ORDER BY name, dev_sno`,
      only ? [only] : [],
    );
    const now = Date.now();
    const window = this.offlineAfterMs();
    const out: DeviceStatusView[] = [];
    for (const d of devices) {
      const s = await db.get<StatusRow>('SELECT * FROM device_status WHERE dev_sno = ?', [d.dev_sno]);
      const m = await db.get<MetricRow>('SELECT at, cpu, mem_size, mem_usage, disk_size, disk_free FROM device_metrics WHERE dev_sno = ? ORDER BY id DESC LIMIT 1', [d.dev_sno]);
      const caps = await db.all<CaptureRow>('SELECT * FROM capture_devices WHERE dev_sno = ? ORDER BY ep_ip, ep_id', [d.dev_sno]);
      const alerts = (await db.get<{ n: number }>('SELECT count(*) AS n FROM alerts WHERE dev_sno = ? AND cleared_at IS NULL', [d.dev_sno]))?.n ?? 0;
      const lastSeen = Math.max(d.last_seen_at ?? 0, d.last_login_at ?? 0, s?.at ?? 0) || null;
      const online = s ? now - Math.max(s.at, this.startedAt) <= window : lastSeen !== null && now - lastSeen <= window;
      out.push({
        devSno: d.dev_sno,
        name: d.name,
        online,
        lastSeenAt: lastSeen,
        lastStatusAt: s?.at ?? null,
        periodS: this.o.periodS(),
        gatewayIp: s?.gateway_ip || null,
        gatewayName: s?.gateway_name || null,
        // the box's own report, else the bound MAC as the Site page shows it (aa:bb:…, not the login's 0x… form)
        mac: s?.mac || macForDisplay(d.mac),
        swVersion: s?.sw_version || null,
        sdkVersion: s?.sdk_version || null,
        latest: m ? point(m) : null,
        captureDevices: caps.map(capture),
        activeAlerts: alerts,
      });
    }
    return out;
  }

  async metrics(devSno: string, o: { since?: number; until?: number; maxPoints?: number }): Promise<MetricSeries> {
    const until = o.until ?? Date.now() + 1;
    const since = o.since ?? until - 86_400_000;
    const rows = await this.o.read((db) => db.all<MetricRow>('SELECT at, cpu, mem_size, mem_usage, disk_size, disk_free FROM device_metrics WHERE dev_sno = ? AND at >= ? AND at < ? ORDER BY at', [devSno, since, until]));
    const max = o.maxPoints ?? 500;
    let pick = rows;
    if (rows.length > max) {
      const step = (rows.length - 1) / (max - 1);
      pick = Array.from({ length: max }, (_, i) => rows[Math.round(i * step)]!);
    }
    return { devSno, points: pick.map(point) };
  }

  async alerts(o: { all?: boolean; devSno?: string; limit?: number }): Promise<AlertView[]> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    // active: of the site's devices only (a removed code's alert is moot)
    if (!o.all) where.push('cleared_at IS NULL AND dev_sno IN (SELECT dev_sno FROM devices)');
    if (o.devSno) (where.push('dev_sno = ?'), args.push(o.devSno));
    const rows = await this.o.read((db) => db.all<AlertRow>(`SELECT * FROM alerts${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, [...args, o.limit ?? 1000]));
    return rows.map(alertView);
  }
}
