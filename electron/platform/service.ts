// The site platform as one service (never imports electron): devices, people, groups,
// photos, the box-facing HTTP server, broker provisioning, the AMQP link and the sync planner.
// The desktop app and `se3kit serve` both run it (electron/api/services.ts).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { loginSuccessBody } from '../../agent/protocol/login';
import { userDetailsResponse } from '../../agent/protocol/user-details';
import type { BrokerControl } from '../broker/control';
import { AmqpLink } from './amqp-link';
import { BoxHttpError, FORBIDDEN, startBoxServer, UNAUTHORISED, type BoxServer, type Reached } from './box-http';
import { createEmbeddedProvisioner } from './broker-embedded';
import { declareBoxResources, exchangeSpec, type BrokerProvisioner } from './broker-provision';
import { openPlatformDb, type PlatformDb } from './db';
import { DeviceStore, type DeviceRow } from './devices';
import { PlatformError } from './errors';
import { boxBrokerNames, DEV_SNO_RE, macForDisplay, normaliseHexMac } from './names';
import { desiredFor, PeopleStore, type PersonInput } from './people';
import { PhotoStore, verdictOf, verdictOfError, type CheckPhoto, type PhotoVerdict } from './photos';
import { applyResult, markUnanswered, RETRY_CODES, sendWipe, syncBox, type ResultsMode, type SyncDeps, type SyncReport } from './sync';
import type { DeviceView, PersonView, PlatformStatus, SyncSummary } from './views';
import { deviceView, personView } from './views';

export interface PlatformOptions {
  dataDir: string;
  /** Box-facing port (default 8090; 0 = any free port) and address (default all interfaces). */
  boxPort?: number;
  boxHost?: string;
  /** The embedded broker (Broker panel's control) and the port it is started on when stopped. */
  brokerControl?: BrokerControl;
  amqpPort?: number;
  /** Another provisioner (external RabbitMQ); replaces the embedded broker. */
  provisioner?: (platformPassword: string) => BrokerProvisioner;
  /** Checks a photo with the face engine. */
  checkPhoto: CheckPhoto;
  /** A command without a result this long is re-sent on the next sync (default 120 s). */
  resendAfterMs?: number;
  /** Sync automatically after changes and when a box logs in (default true). */
  autoSync?: boolean;
}

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
  listGroups(): Promise<Array<{ name: string; members: number; devices: number }>>;
  addGroup(name: string): Promise<void>;
  renameGroup(name: string, to: string): Promise<void>;
  deleteGroup(name: string): Promise<void>;
  // people
  listPeople(o?: { search?: string; group?: string; limit?: number; offset?: number }): Promise<{ total: number; people: PersonView[] }>;
  getPerson(id: string): Promise<PersonView>;
  savePerson(p: PersonInput, opts: { update: boolean; photos?: Uint8Array[] }): Promise<PersonView>;
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
  /** 'devices' | 'people' | 'groups' | 'sync' changed. */
  onChange(listener: (what: string) => void): () => void;
  close(): Promise<void>;
}

const SETTING_RESULTS = 'results_mode';
const SETTING_INLINE = 'inline_users';
const SETTING_BROKER_PASSWORD = 'platform_broker_password';

export async function createPlatformService(o: PlatformOptions): Promise<PlatformService> {
  const db = await openPlatformDb(o.dataDir);
  const svc = new Platform(db, o);
  try {
    await svc.start();
  } catch (err) {
    await svc.close();
    throw err;
  }
  return svc;
}

class Platform implements PlatformService {
  boxPort = 0;
  private readonly devices: DeviceStore;
  private readonly people: PeopleStore;
  private readonly photos: PhotoStore;
  private provisioner!: BrokerProvisioner;
  private link!: AmqpLink;
  private server: BoxServer | null = null;
  private readonly events = new EventEmitter();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly boxChains = new Map<string, Promise<unknown>>();
  private readonly settings = new Map<string, string>();
  private readonly refusals = new Map<string, { at: number; message: string }>();
  private syncTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly deps: SyncDeps;

  constructor(
    private readonly db: PlatformDb,
    private readonly o: PlatformOptions,
  ) {
    this.devices = new DeviceStore(db);
    this.people = new PeopleStore(db);
    this.photos = new PhotoStore(o.dataDir);
    this.events.setMaxListeners(0);
    this.deps = {
      db,
      photos: this.photos,
      publish: (d, body) => this.link.publish(d, body),
      resultsMode: () => (this.settings.get(SETTING_RESULTS) as ResultsMode | undefined) ?? 'queue',
      inlineUsers: () => this.settings.get(SETTING_INLINE) === '1',
      resendAfterMs: o.resendAfterMs ?? 120_000,
      lock: (fn) => this.serial(fn),
    };
  }

  /** Database writes one at a time (transactions never interleave). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  async start(): Promise<void> {
    for (const r of await this.db.all<{ key: string; value: string }>('SELECT key, value FROM settings')) this.settings.set(r.key, r.value);
    let pw = this.settings.get(SETTING_BROKER_PASSWORD);
    if (!pw) {
      pw = randomBytes(24).toString('base64url');
      await this.setSetting(SETTING_BROKER_PASSWORD, pw);
    }
    if (o_provisioner(this.o)) this.provisioner = this.o.provisioner!(pw);
    else if (this.o.brokerControl) this.provisioner = createEmbeddedProvisioner({ control: this.o.brokerControl, port: this.o.amqpPort ?? 5672, platformPassword: pw });
    else throw new PlatformError('the platform needs a broker: the embedded one or --broker-url', 'no_broker', 500);
    this.link = new AmqpLink(this.provisioner, (devSno, body) => this.result(devSno, body));
    this.server = await startBoxServer({
      port: this.o.boxPort ?? 8090,
      host: this.o.boxHost ?? '0.0.0.0',
      handlers: {
        login: (p, reached) => this.login(p.dev_sno, p.hex_mac, reached),
        auth: (devSno, token) => this.auth(devSno, token),
        userDetails: (box, ids, reached, token) => this.userDetails(box.devSno, ids, token),
        photo: (box, sha) => this.boxPhoto(box.devSno, sha),
        result: async (box, body) => {
          await this.result(box.devSno, Buffer.from(JSON.stringify(body)));
        },
      },
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') throw new PlatformError(`the box port ${this.o.boxPort ?? 8090} is already in use; pass --box-port N (or stop the other program)`, 'box_port', 500);
      throw err;
    });
    this.boxPort = this.server.port;
    // the broker comes up (and every box's resources are checked) in the background
    void this.provisionAll();
    this.retryTimer = setInterval(() => void this.retryPending(), Math.max(5000, Math.min(60_000, this.deps.resendAfterMs / 2)));
    this.retryTimer.unref();
  }

  // ---- settings ----

  private async setSetting(key: string, value: string): Promise<void> {
    await this.serial(() => this.db.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]));
    this.settings.set(key, value);
  }

  async status(): Promise<PlatformStatus> {
    const devices = await this.devices.list();
    return {
      boxPort: this.boxPort,
      broker: { kind: this.provisioner.kind, port: this.provisioner.boxEndpoint().port },
      resultsMode: this.deps.resultsMode(),
      inlineUsers: this.deps.inlineUsers(),
      devices: devices.length,
      people: await this.people.count(),
    };
  }

  async setSettings(s: { resultsMode?: ResultsMode; inlineUsers?: boolean }): Promise<PlatformStatus> {
    if (s.resultsMode) await this.setSetting(SETTING_RESULTS, s.resultsMode);
    if (s.inlineUsers !== undefined) await this.setSetting(SETTING_INLINE, s.inlineUsers ? '1' : '0');
    return this.status();
  }

  // ---- change events and automatic sync ----

  onChange(listener: (what: string) => void): () => void {
    this.events.on('change', listener);
    return () => this.events.off('change', listener);
  }

  private changed(what: string, sync = false): void {
    this.events.emit('change', what);
    if (sync && this.o.autoSync !== false && !this.closed) {
      clearTimeout(this.syncTimer);
      this.syncTimer = setTimeout(() => void this.sync(undefined, false).catch(() => undefined), 1000);
      this.syncTimer.unref();
    }
  }

  // ---- devices ----

  private async view(d: DeviceRow): Promise<DeviceView> {
    const q = d.enabled ? await this.provisioner.queueInfo(d.dev_sno).catch(() => null) : null;
    return deviceView(d, await this.people.deviceGroups(d.dev_sno), await this.summaryOf(d.dev_sno), (q?.consumers ?? 0) > 0);
  }

  async listDevices(): Promise<DeviceView[]> {
    return Promise.all((await this.devices.list()).map((d) => this.view(d)));
  }

  async addDevice(name = ''): Promise<DeviceView> {
    const d = await this.serial(() => this.devices.add(name));
    void this.provision(d).catch(() => undefined);
    this.changed('devices');
    return this.view(d);
  }

  async setDeviceEnabled(devSno: string, enabled: boolean): Promise<DeviceView> {
    const d = await this.serial(() => this.devices.setEnabled(devSno, enabled));
    this.changed('devices');
    return this.view(d);
  }

  async renameDevice(devSno: string, name: string): Promise<DeviceView> {
    const d = await this.serial(() => this.devices.rename(devSno, name));
    this.changed('devices');
    return this.view(d);
  }

  async releaseDevice(devSno: string): Promise<DeviceView> {
    const d = await this.serial(async () => {
      const d = await this.devices.release(devSno);
      // the next box to take this code starts empty
      await this.db.run('DELETE FROM box_people WHERE dev_sno = ?', [devSno]);
      return d;
    });
    this.changed('devices');
    return this.view(d);
  }

  async removeDevice(devSno: string): Promise<void> {
    await this.devices.require(devSno);
    await this.link.unwatch(devSno);
    await this.provisioner.removeBox(devSno).catch(() => undefined);
    await this.serial(() => this.devices.remove(devSno));
    this.changed('devices');
  }

  async assign(devSno: string, group: string): Promise<DeviceView> {
    await this.devices.require(devSno);
    await this.serial(() => this.people.assign(devSno, group));
    this.changed('devices', true);
    return this.view((await this.devices.get(devSno))!);
  }

  async unassign(devSno: string, group: string): Promise<DeviceView> {
    await this.devices.require(devSno);
    await this.serial(() => this.people.unassign(devSno, group));
    this.changed('devices', true);
    return this.view((await this.devices.get(devSno))!);
  }

  // ---- groups ----

  async listGroups() {
    return (await this.people.listGroups()).map((g) => ({ name: g.name, members: g.members, devices: g.devices }));
  }
  async addGroup(name: string) {
    await this.serial(() => this.people.addGroup(name));
    this.changed('groups');
  }
  async renameGroup(name: string, to: string) {
    await this.serial(() => this.people.renameGroup(name, to));
    this.changed('groups', true);
  }
  async deleteGroup(name: string) {
    await this.serial(() => this.people.deleteGroup(name));
    this.changed('groups', true);
  }

  // ---- people ----

  private async personView(id: string): Promise<PersonView> {
    const p = await this.people.require(id);
    const states = await this.db.all<{ dev_sno: string; state: string; code: number | null; message: string | null }>(
      'SELECT dev_sno, state, code, message FROM box_people WHERE person_id = ? ORDER BY dev_sno',
      [id],
    );
    return personView(p, await this.people.groupsOf(id), await this.people.photos(id), states);
  }

  async listPeople(o: { search?: string; group?: string; limit?: number; offset?: number } = {}) {
    const rows = await this.people.list(o);
    return { total: await this.people.count(), people: await Promise.all(rows.map((r) => this.personView(r.id))) };
  }

  getPerson(id: string): Promise<PersonView> {
    return this.personView(id);
  }

  async savePerson(p: PersonInput, opts: { update: boolean; photos?: Uint8Array[] }): Promise<PersonView> {
    // photos are checked before anything is stored, so a bad file leaves no half-made person
    const checked: Array<{ stored: Awaited<ReturnType<PhotoStore['put']>>; verdict: PhotoVerdict }> = [];
    for (const bytes of opts.photos ?? []) checked.push(await this.checkAndStore(bytes));
    await this.serial(async () => {
      await this.people.upsert(p, opts);
      for (const c of checked) await this.people.addPhoto(p.id, c.stored, c.verdict);
    });
    this.changed('people', true);
    return this.personView(p.id);
  }

  async deletePerson(id: string): Promise<void> {
    await this.serial(() => this.people.remove(id));
    this.changed('people', true);
  }

  private async checkAndStore(bytes: Uint8Array) {
    const stored = await this.photos.put(bytes);
    let verdict: PhotoVerdict;
    try {
      verdict = verdictOf(await this.o.checkPhoto(bytes));
    } catch (err) {
      verdict = verdictOfError(err);
    }
    return { stored, verdict };
  }

  async addPhoto(id: string, bytes: Uint8Array) {
    await this.people.require(id);
    const c = await this.checkAndStore(bytes);
    await this.serial(() => this.people.addPhoto(id, c.stored, c.verdict));
    this.changed('people', true);
    return { person: await this.personView(id), verdict: c.verdict };
  }

  async removePhoto(id: string, sha256: string): Promise<PersonView> {
    await this.serial(() => this.people.removePhoto(id, sha256));
    this.changed('people', true);
    return this.personView(id);
  }

  async photo(sha256: string) {
    const row = await this.db.get<{ ext: string }>('SELECT ext FROM photos WHERE sha256 = ? LIMIT 1', [sha256]);
    if (!row) return null;
    const bytes = await this.photos.read(sha256, row.ext);
    return bytes ? { bytes, type: row.ext === 'png' ? 'image/png' : 'image/jpeg' } : null;
  }

  // ---- box-facing ----

  private async login(devSno: string, hexMacRaw: string, reached: Reached): Promise<unknown> {
    if (!DEV_SNO_RE.test(devSno)) throw new BoxHttpError(400, 40091, 'dev_sno must be 1–64 letters, digits, _ or -');
    const hexMac = normaliseHexMac(hexMacRaw);
    if (!hexMac) throw new BoxHttpError(400, 40091, 'hex_mac must be 0x followed by 12 hex digits, e.g. 0xe0a50900062b');
    const out = await this.serial(() => this.devices.login(devSno, hexMac, reached.host));
    if (!out.ok) {
      this.refusals.set(devSno, { at: Date.now(), message: out.message });
      this.changed('devices');
      throw new BoxHttpError(out.status, out.code, out.message, 'PARAM_ERROR');
    }
    let d = out.device;
    if (d.broker_state !== 'ready') {
      d = await this.provision(d);
      if (d.broker_state !== 'ready') {
        const message = `broker refused: the platform's broker is not ready for this box (${d.broker_error ?? 'unknown reason'}); the box retries`;
        this.refusals.set(devSno, { at: Date.now(), message });
        throw new BoxHttpError(503, 50072, message);
      }
    }
    this.refusals.delete(devSno);
    const n = boxBrokerNames(devSno);
    const mode = this.deps.resultsMode();
    if (mode === 'queue') this.link.watch(devSno);
    const ep = this.provisioner.boxEndpoint();
    const body = loginSuccessBody({
      token: out.token,
      rabbitmq: {
        host: ep.host ?? reached.host,
        port: ep.port,
        login: d.broker_user,
        password: d.broker_password,
        queue: n.queue,
        vHost: n.vhost,
        uploadVHost: n.uploadVhost,
        ...(mode === 'queue' ? { uploadQueue: n.uploadQueue } : {}),
        fiqaDownQueue: n.fiqaDownQueue,
        // in the box's upload vhost (PROTOCOL leaves its vhost open; our agent publishes it in
        // uploadVHost). A box that publishes it in vHost is refused: it may publish nothing in the
        // shared command vhost, or it could publish into other boxes' queues.
        fiqaUploadQueue: n.fiqaUploadQueue,
        unNeedBindExchange: false,
        exchange: exchangeSpec(n),
      },
    });
    this.changed('devices');
    // a box that returns is brought up to date
    if (this.o.autoSync !== false) setTimeout(() => void this.sync(devSno).catch(() => undefined), 200).unref();
    return body;
  }

  private async auth(devSno: string, token: string): Promise<{ devSno: string }> {
    const d = await this.devices.authenticate(devSno, token);
    if (!d) {
      const known = await this.devices.get(devSno);
      if (!known || !known.enabled) throw FORBIDDEN('this dev_sno is not an enabled device of this platform');
      throw UNAUTHORISED('the token is not the current one for this dev_sno; log in again');
    }
    void this.serial(() => this.devices.seen(devSno)).catch(() => undefined);
    return { devSno };
  }

  private async userDetails(devSno: string, ids: string[], token: string): Promise<unknown> {
    const desired = await desiredFor(this.db, devSno);
    const auth = `dev_sno=${encodeURIComponent(devSno)}&token=${encodeURIComponent(token)}`;
    const users = [];
    for (const id of ids) {
      const d = desired.get(id);
      if (!d?.photo) continue; // only the people assigned to this box
      users.push({
        identity_id: d.id,
        relative_pic_url: `/photo/${d.photo.sha256}.${d.photo.ext}?${auth}`,
        register_type: d.registerType as 1 | 2,
        info: { ...d.info, name: d.name, type: d.type, permission_ids: d.permissionIds },
      });
    }
    return userDetailsResponse(users);
  }

  private async boxPhoto(devSno: string, sha256: string) {
    // only a photo of a person this box holds
    const row = await this.db.get<{ ext: string }>(
      `SELECT ph.ext FROM photos ph WHERE ph.sha256 = ? AND EXISTS (
         SELECT 1 FROM person_groups pg JOIN device_groups dg ON dg.group_id = pg.group_id WHERE pg.person_id = ph.person_id AND dg.dev_sno = ?) LIMIT 1`,
      [sha256, devSno],
    );
    if (!row) return null;
    const bytes = await this.photos.read(sha256, row.ext);
    return bytes ? { bytes, type: row.ext === 'png' ? 'image/png' : 'image/jpeg' } : null;
  }

  private async result(devSno: string, body: Buffer): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString('utf8'));
    } catch {
      process.emitWarning(`a result from ${devSno} is not JSON; ignored`);
      return;
    }
    const outcome = await applyResult(this.deps, devSno, raw);
    if (outcome === 'malformed') process.emitWarning(`a result from ${devSno} is not a §4.5 result object; ignored`);
    void this.serial(() => this.devices.seen(devSno)).catch(() => undefined);
    if (outcome === 'applied') this.changed('sync');
  }

  // ---- broker ----

  private async provision(d: DeviceRow): Promise<DeviceRow> {
    try {
      await this.provisioner.ensureBox(d.dev_sno, d.broker_password);
      await declareBoxResources(this.provisioner, d.dev_sno);
      await this.serial(() => this.devices.setBrokerState(d.dev_sno, 'ready', null));
    } catch (err) {
      await this.serial(() => this.devices.setBrokerState(d.dev_sno, 'failed', (err as Error).message));
    }
    return (await this.devices.get(d.dev_sno))!;
  }

  private async provisionAll(): Promise<void> {
    try {
      // the broker is started only for a site that has boxes
      if ((await this.devices.list()).length === 0) return;
      await this.provisioner.start();
      for (const d of await this.devices.list()) {
        if (this.closed) return;
        await this.provision(d);
        if (d.mac && this.deps.resultsMode() === 'queue') this.link.watch(d.dev_sno);
      }
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
    const devices = devSno ? [await this.devices.require(devSno)] : await this.devices.list();
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
      reports.push(await this.perBox(d.dev_sno, async () => syncBox(this.deps, d.dev_sno, { queueBusy: await this.queueBusy(d.dev_sno), force })));
    }
    this.changed('sync');
    return reports;
  }

  private async retryPending(): Promise<void> {
    if (this.closed) return;
    for (const d of await this.devices.list().catch(() => [])) {
      if (await this.queueBusy(d.dev_sno)) continue;
      await markUnanswered(this.deps, d.dev_sno).catch(() => undefined);
    }
    const due = await this.db
      .get<{ n: number }>(`SELECT count(*) AS n FROM box_people WHERE state IN ('noanswer', 'unsent') OR (state = 'failed' AND code IN (${RETRY_CODES.join(',')}) AND sent_at < ?)`, [
        Date.now() - this.deps.resendAfterMs,
      ])
      .catch(() => undefined);
    if (due && due.n > 0 && this.o.autoSync !== false) await this.sync(undefined, false).catch(() => undefined);
  }

  private async summaryOf(devSno: string): Promise<Record<string, number>> {
    const rows = await this.db.all<{ state: string; n: number }>('SELECT state, count(*) AS n FROM box_people WHERE dev_sno = ? GROUP BY state', [devSno]);
    const desired = await this.db.get<{ n: number }>(
      'SELECT count(DISTINCT pg.person_id) AS n FROM person_groups pg JOIN device_groups dg ON dg.group_id = pg.group_id WHERE dg.dev_sno = ?',
      [devSno],
    );
    const out: Record<string, number> = { assigned: desired?.n ?? 0 };
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  async syncSummary(): Promise<SyncSummary[]> {
    const out: SyncSummary[] = [];
    for (const d of await this.devices.list()) out.push({ devSno: d.dev_sno, name: d.name, mac: macForDisplay(d.mac), counts: await this.summaryOf(d.dev_sno) });
    return out;
  }

  async wipe(devSno: string, wipe: { users: boolean; events: boolean }) {
    await this.devices.require(devSno);
    if (!wipe.users && !wipe.events) throw new PlatformError('say what to wipe: users, events or both', 'bad_params', 400);
    const messageId = await this.perBox(devSno, () => sendWipe(this.deps, devSno, wipe));
    this.changed('sync');
    return { messageId };
  }

  loginRefusal(devSno: string) {
    return this.refusals.get(devSno) ?? null;
  }

  async brokerConsumers(devSno: string) {
    return (await this.provisioner.queueInfo(devSno).catch(() => null))?.consumers ?? null;
  }

  /** Commands still in the box's queue: they will be delivered, so nothing is re-sent meanwhile. */
  private async queueBusy(devSno: string): Promise<boolean> {
    const q = await this.provisioner.queueInfo(devSno).catch(() => null);
    return q !== null && q.depth > 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.syncTimer);
    clearInterval(this.retryTimer);
    await this.server?.close();
    await this.link?.close();
    await this.provisioner?.close();
    await this.chain.catch(() => undefined);
    await Promise.allSettled([...this.boxChains.values()]);
    await this.db.close();
  }
}

function o_provisioner(o: PlatformOptions): boolean {
  return typeof o.provisioner === 'function';
}
