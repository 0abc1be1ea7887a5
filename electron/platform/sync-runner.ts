// Sync orchestration: brings each box's broker resources up (provisioning), runs the planner
// (sync.ts) one box at a time per box, re-sends unanswered commands on a timer once a box's
// queue has drained, sends wipe_data, sums up per box state for the views, and keeps the
// commands table bounded after each sync and on the timer.
import { declareBoxResources } from './broker-provision';
import { DEFAULT_COMMAND_RETENTION, pruneCommands, type CommandRetention } from './commands-retention';
import type { PlatformCore } from './core';
import type { PlatformDb } from './db';
import type { DeviceRow } from './devices';
import { PlatformError } from './errors';
import { macForDisplay } from './names';
import { markUnanswered, RETRY_CODES, sendWipe, syncBox, type SyncReport } from './sync';
import type { SyncSummary } from './views';

export class SyncRunner {
  private readonly boxChains = new Map<string, Promise<unknown>>();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retention: CommandRetention;

  constructor(private readonly core: PlatformCore) {
    core.syncAll = () => this.sync(undefined, false);
    this.retention = { ...DEFAULT_COMMAND_RETENTION, ...core.o.commandRetention };
  }

  /** Drops settled commands past the retention or the row cap (never one still in flight). */
  async pruneCommands(): Promise<void> {
    await pruneCommands(this.core.db, this.core.deps.lock, this.retention).catch((err: Error) => {
      if (!this.core.closed) process.emitWarning(`platform: could not prune old commands: ${err.message}`);
    });
  }

  /** Re-sends unanswered commands periodically (half the resend time, 5–60 s). */
  startTimer(): void {
    this.retryTimer = setInterval(() => void this.retryPending(), Math.max(5000, Math.min(60_000, this.core.deps.resendAfterMs / 2)));
    this.retryTimer.unref();
  }

  stopTimer(): void {
    clearInterval(this.retryTimer);
  }

  /** Waits for every box's sync in flight. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.boxChains.values()]);
  }

  // ---- broker resources ----

  async provision(d: DeviceRow): Promise<DeviceRow> {
    const { core } = this;
    if (!d.enabled) return this.revoke(d);
    try {
      await core.provisioner.ensureBox(d.dev_sno, d.broker_password);
      await declareBoxResources(core.provisioner, d.dev_sno);
      await core.serial(() => core.devices.setBrokerState(d.dev_sno, 'ready', null));
    } catch (err) {
      await core.serial(() => core.devices.setBrokerState(d.dev_sno, 'failed', (err as Error).message));
    }
    // a code removed meanwhile: not ready (a login is refused with a reason, not a crash), and
    // what this provisioning made after the removal's clean-up is swept
    const now = await core.read((s) => s.devices.get(d.dev_sno));
    if (now) return now;
    this.brokerSweepDue = true;
    return { ...d, broker_state: 'failed', broker_error: 'the authorisation code was removed from the platform' };
  }

  /** A disabled code: its broker login revoked (connections closed, user deleted) until it is enabled again. */
  async revoke(d: DeviceRow): Promise<DeviceRow> {
    const { core } = this;
    try {
      await core.provisioner.revokeBox(d.dev_sno);
      await core.serial(() => core.devices.setBrokerState(d.dev_sno, 'revoked', 'the authorisation code is disabled: its broker login is revoked until it is enabled'));
    } catch (err) {
      await core.serial(() => core.devices.setBrokerState(d.dev_sno, 'failed', `disabled, but its broker login could not be revoked yet: ${(err as Error).message}`));
    }
    return (await core.read((s) => s.devices.get(d.dev_sno))) ?? d;
  }

  /** Set when a box's broker clean-up failed: the retry timer sweeps until one succeeds. */
  private brokerSweepDue = true;

  /** Removes a removed box's broker resources; a failure leaves it to the sweep. */
  async removeBroker(devSno: string): Promise<void> {
    try {
      await this.core.provisioner.removeBox(devSno);
    } catch (err) {
      this.brokerSweepDue = true;
      if (!this.core.closed) process.emitWarning(`platform: the broker resources of the removed box ${devSno} are removed later: ${(err as Error).message}`);
    }
  }

  /**
   * Removes every broker user / upload vhost / command queue of the platform's naming whose code
   * is no longer in the database. The broker is listed before the database is read: a box added
   * meanwhile has its row committed before its resources exist, so it is never taken for an orphan.
   * Returns the codes cleaned up.
   */
  async sweepBroker(): Promise<string[]> {
    const { core } = this;
    const onBroker = await core.provisioner.listBoxes();
    const known = new Set((await core.read((s) => s.devices.list())).map((d) => d.dev_sno));
    const orphans = onBroker.filter((x) => !known.has(x));
    for (const devSno of orphans) {
      if (core.closed) break;
      await core.link?.unwatch(devSno).catch(() => undefined);
      await core.provisioner.removeBox(devSno);
    }
    return orphans;
  }

  private async sweepBrokerIfDue(): Promise<void> {
    if (!this.brokerSweepDue || this.core.closed) return;
    try {
      await this.sweepBroker();
      this.brokerSweepDue = false;
    } catch {
      // broker down: tried again on the next tick
    }
  }

  async provisionAll(): Promise<void> {
    const { core } = this;
    await this.sweepBrokerIfDue();
    try {
      // the broker is started only for a site that has boxes
      if ((await core.read((s) => s.devices.list())).length === 0) return;
      await core.provisioner.start();
      await this.sweepBrokerIfDue();
      for (const d of await core.read((s) => s.devices.list())) {
        if (core.closed) return;
        await this.provision(d);
        if (d.mac && core.deps.resultsMode() === 'queue') core.link.watch(d.dev_sno);
      }
      // changes committed before a crash or kill -9 whose automatic sync (a second later) never
      // ran — people imported or edited — are sent now, not only when a box logs in again; and
      // people a box's login sync could not send while the broker was still starting (unsent)
      // go at once, not after the resend time
      if (core.autoSync && !core.closed) await this.sync(undefined, true);
    } catch (err) {
      process.emitWarning(`platform: the broker is not ready: ${(err as Error).message}`);
    }
  }

  // ---- sync ----

  private perBox<T>(devSno: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.boxChains.get(devSno) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    this.boxChains.set(devSno, run.catch(() => undefined));
    return run;
  }

  /** `force` (the operator's sync, a box logging in): unanswered people are re-sent at once. */
  async sync(devSno?: string, force = true): Promise<SyncReport[]> {
    const { core } = this;
    const devices = await core.read(async (s) => (devSno ? [await s.devices.require(devSno)] : await s.devices.list()));
    const reports: SyncReport[] = [];
    for (const d of devices) {
      if (!d.enabled) continue;
      if (d.broker_state !== 'ready') {
        const p = await this.provision(d);
        if (p.broker_state !== 'ready') {
          reports.push({ devSno: d.dev_sno, added: 0, deleted: 0, unchanged: 0, commands: 0, error: `broker not ready: ${p.broker_error}` });
          continue;
        }
      }
      reports.push(await this.perBox(d.dev_sno, async () => syncBox(core.deps, d.dev_sno, { queueBusy: await this.queueBusy(d.dev_sno), force })));
    }
    await this.pruneCommands();
    core.changed('sync');
    return reports;
  }

  private async retryPending(): Promise<void> {
    const { core } = this;
    if (core.closed) return;
    await this.sweepBrokerIfDue();
    for (const d of await core.read((s) => s.devices.list()).catch(() => [])) {
      if (core.closed) return;
      // a code disabled while the broker was down (or unreachable): its stored login is revoked once
      // the broker runs again, not only at the next platform start
      if (!d.enabled && d.broker_state !== 'revoked') {
        const now = await core.read((s) => s.devices.get(d.dev_sno)).catch(() => undefined); // not enabled meanwhile
        if (now && !now.enabled && now.broker_state !== 'revoked') await this.revoke(now).catch(() => undefined);
      }
      if (await this.queueBusy(d.dev_sno)) continue;
      await markUnanswered(core.deps, d.dev_sno).catch(() => undefined);
    }
    const due = await core
      .read((s) =>
        // a removal without a result (lost with a crash between its commit and its publish) is sent again too
        s.db.get<{ n: number }>(
          `SELECT count(*) AS n FROM box_people WHERE state IN ('noanswer', 'unsent') OR (state = 'failed' AND code IN (${RETRY_CODES.join(',')}) AND sent_at < ?) OR (state = 'removing' AND sent_at < ?)`,
          [Date.now() - core.deps.resendAfterMs, Date.now() - core.deps.resendAfterMs],
        ),
      )
      .catch(() => undefined);
    if (due && due.n > 0 && core.autoSync) await this.sync(undefined, false).catch(() => undefined);
    else await this.pruneCommands();
  }

  /** A box's people by state and how many it is assigned, read in the caller's snapshot `db`. */
  async summaryIn(db: PlatformDb, devSno: string): Promise<Record<string, number>> {
    const rows = await db.all<{ state: string; n: number }>('SELECT state, count(*) AS n FROM box_people WHERE dev_sno = ? GROUP BY state', [devSno]);
    const desired = await db.get<{ n: number }>(
      'SELECT count(DISTINCT pg.person_id) AS n FROM person_groups pg JOIN device_groups dg ON dg.group_id = pg.group_id WHERE dg.dev_sno = ?',
      [devSno],
    );
    const out: Record<string, number> = { assigned: desired?.n ?? 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  async syncSummary(): Promise<SyncSummary[]> {
    const out: SyncSummary[] = [];
    return this.core.read(async (s) => {
      for (const d of await s.devices.list()) out.push({ devSno: d.dev_sno, name: d.name, mac: macForDisplay(d.mac), counts: await this.summaryIn(s.db, d.dev_sno) });
      return out;
    });
  }

  async wipe(devSno: string, wipe: { users: boolean; events: boolean }): Promise<{ messageId: string }> {
    const { core } = this;
    await core.read((s) => s.devices.require(devSno));
    if (!wipe.users && !wipe.events) throw new PlatformError('say what to wipe: users, events or both', 'bad_params', 400);
    const messageId = await this.perBox(devSno, () => sendWipe(core.deps, devSno, wipe));
    core.changed('sync');
    return { messageId };
  }

  async brokerConsumers(devSno: string): Promise<number | null> {
    return (await this.core.provisioner.queueInfo(devSno).catch(() => null))?.consumers ?? null;
  }

  /** Commands still in the box's queue: they will be delivered, so nothing is re-sent meanwhile. */
  private async queueBusy(devSno: string): Promise<boolean> {
    const q = await this.core.provisioner.queueInfo(devSno).catch(() => null);
    return q !== null && q.depth > 0;
  }
}
