// The site platform as one service (never imports electron): devices, people, groups,
// photos, the box-facing HTTP server, broker provisioning, the AMQP link and the sync planner.
// The desktop app and `se3kit serve` both run it (electron/api/services.ts). This file is the
// public face; the parts live in core.ts (shared state), lifecycle.ts (start/stop),
// device-admin.ts, box-handlers.ts (login and the box endpoints), people-admin.ts (people,
// photos, groups) and sync-runner.ts (provisioning, sync, retries, wipe).
import { BoxHandlers } from './box-handlers';
import { boxConnectionsPerAddress } from './box-port-options';
import { brokerUserOwner, type BrokerUserOwner } from './broker-embedded';
import { PlatformCore, type PlatformOptions } from './core';
import { acquirePlatformLock } from './data-lock';
import { openPlatformDb, openPlatformReads } from './db';
import { DeviceAdmin } from './device-admin';
import { createPlatformEvents, type EventsService, type PlatformEvents } from './events';
import { Lifecycle } from './lifecycle';
import { PeopleAdmin } from './people-admin';
import type { PersonInput } from './people';
import { judgePhoto, type PhotoVerdict } from './photos';
import { applySettings, platformStatus } from './site-settings';
import type { ResultsMode, SyncReport } from './sync';
import { SyncRunner } from './sync-runner';
import type { DeviceView, PersonView, PlatformStatus, SyncSummary } from './views';

export type { PlatformOptions } from './core';

export interface PlatformService {
  readonly boxPort: number;
  status(): Promise<PlatformStatus>;
  setSettings(s: { resultsMode?: ResultsMode; inlineUsers?: boolean }): Promise<PlatformStatus>;
  // devices
  listDevices(): Promise<DeviceView[]>;
  addDevice(name?: string): Promise<DeviceView>;
  setDeviceEnabled(devSno: string, enabled: boolean): Promise<DeviceView>;
  renameDevice(devSno: string, name: string): Promise<DeviceView>;
  releaseDevice(devSno: string): Promise<DeviceView>;
  removeDevice(devSno: string): Promise<void>;
  assign(devSno: string, group: string): Promise<DeviceView>;
  unassign(devSno: string, group: string): Promise<DeviceView>;
  // groups
  listGroups(): Promise<Array<{ id: number; name: string; members: number; devices: number }>>;
  addGroup(name: string): Promise<void>;
  renameGroup(name: string, to: string): Promise<void>;
  deleteGroup(name: string): Promise<void>;
  // people
  listPeople(o?: { search?: string; group?: string; limit?: number; offset?: number }): Promise<{ total: number; people: PersonView[] }>;
  getPerson(id: string): Promise<PersonView>;
  /** `createGroups`: missing groups are added with the person; `outcome.created`: whether the person was new. */
  savePerson(p: PersonInput, opts: { update: boolean; photos?: Uint8Array[]; createGroups?: boolean; outcome?: { created?: boolean } }): Promise<PersonView>;
  deletePerson(id: string): Promise<void>;
  addPhoto(id: string, bytes: Uint8Array): Promise<{ person: PersonView; verdict: PhotoVerdict }>;
  removePhoto(id: string, sha256: string): Promise<PersonView>;
  photo(sha256: string): Promise<{ bytes: Buffer; type: string } | null>;
  // sync
  sync(devSno?: string): Promise<SyncReport[]>;
  syncSummary(): Promise<SyncSummary[]>;
  wipe(devSno: string, wipe: { users: boolean; events: boolean }): Promise<{ messageId: string }>;
  /** The last refused login (or broker failure at login) of a code, while this process runs. */
  loginRefusal(devSno: string): { at: number; message: string } | null;
  /** Consumers on the box's command queue (null: unknown). */
  brokerConsumers(devSno: string): Promise<number | null>;
  /** Whether a user of the embedded broker is the platform's own or a box's (null: an
   *  operator's, or the platform uses an external RabbitMQ). The Broker API refuses deleting them. */
  embeddedBrokerUserOwner(name: string): BrokerUserOwner | null;
  /** 'devices' | 'people' | 'groups' | 'sync' changed. */
  onChange(listener: (what: string) => void): () => void;
  /** What the boxes report (§6): events, device status, alerts (events/; API area events). */
  readonly events?: EventsService | null;
  close(): Promise<void>;
}

export async function createPlatformService(o: PlatformOptions): Promise<PlatformService> {
  // a bad setting is refused before anything is opened
  boxConnectionsPerAddress(o.boxConnectionsPerAddress);
  // one platform per data folder (data-lock.ts): refused with who holds it
  const unlock = await acquirePlatformLock(o.dataDir);
  let db;
  let reads;
  try {
    db = await openPlatformDb(o.dataDir);
    reads = await openPlatformReads(o.dataDir);
  } catch (err) {
    await db?.close().catch(() => undefined);
    await unlock();
    throw err;
  }
  const svc = new Platform(new PlatformCore(db, o, reads), unlock);
  try {
    await svc.start();
  } catch (err) {
    await svc.close();
    throw err;
  }
  return svc;
}

class Platform implements PlatformService {
  private readonly runner: SyncRunner;
  private readonly box: BoxHandlers;
  private readonly devices: DeviceAdmin;
  private readonly people: PeopleAdmin;
  private readonly life: Lifecycle;

  constructor(
    private readonly core: PlatformCore,
    private readonly unlock: () => Promise<void>,
  ) {
    this.runner = new SyncRunner(core);
    this.box = new BoxHandlers(core, this.runner);
    this.devices = new DeviceAdmin(core, this.runner);
    this.people = new PeopleAdmin(core);
    this.life = new Lifecycle(core, this.runner, this.box);
  }

  get boxPort(): number {
    return this.life.boxPort;
  }

  private reports: PlatformEvents | null = null;
  get events(): EventsService | null {
    return this.reports?.service ?? null;
  }

  start = async () => {
    const core = this.core;
    this.reports = await createPlatformEvents({
      ...core.o.events,
      db: core.db,
      dataDir: core.o.dataDir,
      lock: (fn) => core.serial(fn),
      read: (fn) => core.reads.read(fn),
      checkPhoto: (bytes, level) => judgePhoto(core.o.checkPhoto, bytes, level),
      savePerson: (p, opts) => this.people.save(p, opts),
      addPhoto: (id, bytes, alongside) => this.people.addPhoto(id, bytes, alongside),
      getPerson: (id) => this.people.view(id),
      photo: (sha) => this.people.photo(sha),
    });
    this.box.reports = this.reports;
    await this.life.start();
  };
  private closing: Promise<void> | null = null;
  /** Stops everything; a second call waits for the first (closing the read pool twice hung). */
  close = () =>
    (this.closing ??= (async () => {
      try {
        await this.reports?.close();
        await this.life.close();
      } finally {
        await this.unlock();
      }
    })());

  status = () => platformStatus(this.core, this.boxPort);
  async setSettings(s: { resultsMode?: ResultsMode; inlineUsers?: boolean }): Promise<PlatformStatus> {
    await applySettings(this.core, s);
    return this.status();
  }
  onChange = (listener: (what: string) => void) => this.core.onChange(listener);

  // devices
  listDevices = () => this.devices.list();
  addDevice = (name?: string) => this.devices.add(name);
  setDeviceEnabled = (devSno: string, enabled: boolean) => this.devices.setEnabled(devSno, enabled);
  renameDevice = (devSno: string, name: string) => this.devices.rename(devSno, name);
  releaseDevice = (devSno: string) => this.devices.release(devSno);
  removeDevice = (devSno: string) => this.devices.remove(devSno);
  assign = (devSno: string, group: string) => this.devices.assign(devSno, group);
  unassign = (devSno: string, group: string) => this.devices.unassign(devSno, group);

  // groups
  listGroups = () => this.people.listGroups();
  addGroup = (name: string) => this.people.addGroup(name);
  renameGroup = (name: string, to: string) => this.people.renameGroup(name, to);
  deleteGroup = (name: string) => this.people.deleteGroup(name);

  // people
  listPeople = (o?: { search?: string; group?: string; limit?: number; offset?: number }) => this.people.list(o);
  getPerson = (id: string) => this.people.view(id);
  savePerson = (p: PersonInput, opts: { update: boolean; photos?: Uint8Array[]; createGroups?: boolean; outcome?: { created?: boolean } }) =>
    this.people.save(p, { update: opts.update, photos: opts.photos, createGroups: opts.createGroups, outcome: opts.outcome });
  deletePerson = (id: string) => this.people.remove(id);
  addPhoto = (id: string, bytes: Uint8Array) => this.people.addPhoto(id, bytes);
  removePhoto = (id: string, sha256: string) => this.people.removePhoto(id, sha256);
  photo = (sha256: string) => this.people.photo(sha256);

  // sync
  sync = (devSno?: string) => this.runner.sync(devSno);
  syncSummary = () => this.runner.syncSummary();
  wipe = (devSno: string, wipe: { users: boolean; events: boolean }) => this.runner.wipe(devSno, wipe);
  loginRefusal = (devSno: string) => this.box.loginRefusal(devSno);
  brokerConsumers = (devSno: string) => this.runner.brokerConsumers(devSno);
  embeddedBrokerUserOwner = (name: string) => (this.core.provisioner?.kind === 'embedded' ? brokerUserOwner(name) : null);
}
