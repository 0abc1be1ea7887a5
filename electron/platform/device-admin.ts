// The devices facade: authorisation codes (issue, enable/disable, rename, release the MAC
// binding, remove) and the groups assigned to a box, as the admin API and UI see them.
import { offlineAfterMs } from '../api/events';
import type { PlatformCore } from './core';
import { DEFAULT_STATUS_PERIOD_S } from './events';
import type { DeviceRow } from './devices';
import type { SyncRunner } from './sync-runner';
import { deviceView, type DeviceView } from './views';

export class DeviceAdmin {
  constructor(
    private readonly core: PlatformCore,
    private readonly runner: SyncRunner,
  ) {}

  /** The box as of one committed state (re-read), with its queue's consumers from the broker. */
  async view(d: DeviceRow): Promise<DeviceView> {
    return (await this.views([d.dev_sno]))[0]!;
  }

  async list(): Promise<DeviceView[]> {
    return this.views();
  }

  private async views(only?: string[]): Promise<DeviceView[]> {
    const { core } = this;
    const rows = await core.read(async (s) => {
      const out = [];
      for (const d of only ? [await s.devices.require(only[0]!)] : await s.devices.list()) {
        const status = await s.db.get<{ at: number }>('SELECT at FROM device_status WHERE dev_sno = ?', [d.dev_sno]);
        out.push({ d, groups: await s.people.deviceGroups(d.dev_sno), sync: await this.runner.summaryIn(s.db, d.dev_sno), lastStatusAt: status?.at ?? null });
      }
      return out;
    });
    // offline after the same missed status periods as on the Devices page (and its alert)
    const window = offlineAfterMs(core.o.events?.statusPeriodS ?? DEFAULT_STATUS_PERIOD_S);
    // the broker is asked outside the read: a slow broker holds no database connection. The whole
    // list in one request (a site's RabbitMQ: not one per box), one box alone for itself
    const all = only ? null : await core.provisioner.queueInfos().catch(() => new Map<string, { consumers: number; depth: number }>());
    return Promise.all(
      rows.map(async ({ d, groups, sync, lastStatusAt }) => {
        const q = !d.enabled ? null : all ? (all.get(d.dev_sno) ?? null) : await core.provisioner.queueInfo(d.dev_sno).catch(() => null);
        return deviceView(d, groups, sync, { connected: (q?.consumers ?? 0) > 0, lastStatusAt, offlineAfterMs: window, queueExists: d.enabled ? q !== null : undefined });
      }),
    );
  }

  async add(name = ''): Promise<DeviceView> {
    const { core } = this;
    const d = await core.serial(() => core.devices.add(name));
    // the list shows 'pending' until this ends: tell it when the broker login is made (or failed)
    void this.runner.provision(d).then(() => core.changed('devices')).catch(() => undefined);
    core.changed('devices');
    return this.view(d);
  }

  async setEnabled(devSno: string, enabled: boolean): Promise<DeviceView> {
    const { core } = this;
    let d = await core.serial(() => core.devices.setEnabled(devSno, enabled));
    // disabling closes the box's broker connection and refuses its next broker login; enabling gives its login back
    d = enabled ? await this.runner.provision(d) : await this.runner.revoke(d);
    core.changed('devices');
    return this.view(d);
  }

  async rename(devSno: string, name: string): Promise<DeviceView> {
    const { core } = this;
    const d = await core.serial(() => core.devices.rename(devSno, name));
    core.changed('devices');
    return this.view(d);
  }

  async release(devSno: string): Promise<DeviceView> {
    const { core } = this;
    const d = await core.write(async () => {
      const d = await core.devices.release(devSno);
      // the next box to take this code starts empty
      await core.db.run('DELETE FROM box_people WHERE dev_sno = ?', [devSno]);
      return d;
    });
    core.changed('devices');
    return this.view(d);
  }

  /**
   * The row and everything that hangs off it (its people's states, group assignments, commands)
   * go in one transaction first; the broker's user, vhost and queues after. A clean-up that fails
   * (broker down, a crash in between) is retried by the broker sweep (sync-runner.ts): a box
   * resource whose code is no longer in the database is removed at start and on the timer.
   */
  async remove(devSno: string): Promise<void> {
    const { core } = this;
    await core.write(async () => {
      await core.devices.require(devSno);
      // commands carry no foreign key: a sync in flight for this box fails its next insert (box_people's key) and writes nothing
      await core.db.run('DELETE FROM commands WHERE dev_sno = ?', [devSno]);
      await core.devices.remove(devSno);
    });
    core.changed('devices');
    await core.link.unwatch(devSno).catch(() => undefined);
    await this.runner.removeBroker(devSno);
  }

  async assign(devSno: string, group: string): Promise<DeviceView> {
    const { core } = this;
    // the box checked under the write lock: one removed meanwhile is a 404, not a foreign-key error
    await core.serial(async () => {
      await core.devices.require(devSno);
      await core.people.assign(devSno, group);
    });
    core.changed('devices', true);
    return (await this.views([devSno]))[0]!;
  }

  async unassign(devSno: string, group: string): Promise<DeviceView> {
    const { core } = this;
    // the box checked under the write lock: one removed meanwhile is a 404, not a foreign-key error
    await core.serial(async () => {
      await core.devices.require(devSno);
      await core.people.unassign(devSno, group);
    });
    core.changed('devices', true);
    return (await this.views([devSno]))[0]!;
  }
}
