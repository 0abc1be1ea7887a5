// What the box-facing endpoints do (box-http.ts parses and answers): §2 login (first MAC
// binds, a new token each time, the broker block), token checks, §5 user details and photos
// (only the box's own people), and §4.5 results from the upload queue or notify_path.
import { loginSuccessBody } from '../../agent/protocol/login';
import { userDetailsResponse } from '../../agent/protocol/user-details';
import type { PlatformEvents } from './events';
import { BoxHttpError, FORBIDDEN, UNAUTHORISED, type BoxHandlers as BoxHttpHandlers, type Reached } from './box-http';
import { exchangeSpec } from './broker-provision';
import type { PlatformCore } from './core';
import { boxBrokerNames, DEV_SNO_RE, normaliseHexMac } from './names';
import { desiredFor } from './people';
import { applyResult, retryAfterStart } from './sync';
import type { SyncRunner } from './sync-runner';

export class BoxHandlers {
  private readonly refusals = new Map<string, { at: number; message: string }>();
  /** The §6 reports side (events/); set by the service before the box port opens. */
  reports: PlatformEvents | null = null;

  constructor(
    private readonly core: PlatformCore,
    private readonly runner: SyncRunner,
  ) {}

  /** The handlers box-http.ts calls. */
  http(): BoxHttpHandlers {
    return {
      login: (p, reached) => this.login(p.dev_sno, p.hex_mac, reached),
      auth: (devSno, token) => this.auth(devSno, token),
      userDetails: (box, ids, _reached, token) => this.userDetails(box.devSno, ids, token),
      photo: (box, sha) => this.boxPhoto(box.devSno, sha),
      result: async (box, body) => {
        await this.result(box.devSno, Buffer.from(JSON.stringify(body)));
      },
      ...(this.reports ? reportHandlers(this.reports) : {}),
    };
  }

  /** The last refused login (or broker failure at login) of a code, while this process runs. */
  loginRefusal(devSno: string): { at: number; message: string } | null {
    return this.refusals.get(devSno) ?? null;
  }

  private async login(devSno: string, hexMacRaw: string, reached: Reached): Promise<unknown> {
    const { core } = this;
    if (!DEV_SNO_RE.test(devSno)) throw new BoxHttpError(400, 40091, 'dev_sno must be 1–64 letters, digits, _ or -');
    const hexMac = normaliseHexMac(hexMacRaw);
    if (!hexMac) throw new BoxHttpError(400, 40091, 'hex_mac must be 0x followed by 12 hex digits, e.g. 0xe0a50900062b');
    const out = await core.serial(() => core.devices.login(devSno, hexMac, reached.host));
    if (!out.ok) {
      this.refusals.set(devSno, { at: Date.now(), message: out.message });
      core.changed('devices');
      throw new BoxHttpError(out.status, out.code, out.message, 'PARAM_ERROR');
    }
    let d = out.device;
    if (d.broker_state !== 'ready') {
      d = await this.runner.provision(d);
      if (d.broker_state !== 'ready') {
        const message = `broker refused: the platform's broker is not ready for this box (${d.broker_error ?? 'unknown reason'}); the box retries`;
        this.refusals.set(devSno, { at: Date.now(), message });
        throw new BoxHttpError(503, 50072, message);
      }
    }
    this.refusals.delete(devSno);
    const n = boxBrokerNames(devSno);
    const mode = core.deps.resultsMode();
    if (mode === 'queue') core.link.watch(devSno);
    const ep = core.provisioner.boxEndpoint();
    const body = loginSuccessBody({
      token: out.token,
      ...this.reports?.loginFields(),
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
    core.changed('devices');
    // a box that returns is brought up to date
    if (core.autoSync) setTimeout(() => void this.runner.sync(devSno).catch(() => undefined), 200).unref();
    return body;
  }

  private async auth(devSno: string, token: string): Promise<{ devSno: string }> {
    const { core } = this;
    const d = await core.read((s) => s.devices.authenticate(devSno, token));
    if (!d) {
      const known = await core.read((s) => s.devices.get(devSno));
      if (!known || !known.enabled) throw FORBIDDEN('this dev_sno is not an enabled device of this platform');
      throw UNAUTHORISED('the token is not the current one for this dev_sno; log in again');
    }
    void core.serial(() => core.devices.seen(devSno)).catch(() => undefined);
    return { devSno };
  }

  private async userDetails(devSno: string, ids: string[], token: string): Promise<unknown> {
    const desired = await this.core.read((s) => desiredFor(s.db, devSno));
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
    const { core } = this;
    // only a photo of a person this box holds
    const row = await core.read((s) =>
      s.db.get<{ ext: string }>(
      `SELECT ph.ext FROM photos ph WHERE ph.sha256 = ? AND EXISTS (
         SELECT 1 FROM person_groups pg JOIN device_groups dg ON dg.group_id = pg.group_id WHERE pg.person_id = ph.person_id AND dg.dev_sno = ?) LIMIT 1`,
      [sha256, devSno],
      ),
    );
    if (!row) return null;
    const bytes = await core.photos.read(sha256, row.ext);
    return bytes ? { bytes, type: row.ext === 'png' ? 'image/png' : 'image/jpeg' } : null;
  }

  /** One §4.5 result of a box (from its upload queue or its notify_path). */
  async result(devSno: string, body: Buffer): Promise<void> {
    const { core } = this;
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString('utf8'));
    } catch {
      process.emitWarning(`a result from ${devSno} is not JSON; ignored`);
      return;
    }
    const outcome = await applyResult(core.deps, devSno, raw);
    if (outcome === 'malformed') process.emitWarning(`a result from ${devSno} is not a §4.5 result object; ignored`);
    void core.serial(() => core.devices.seen(devSno)).catch(() => undefined);
    // people the box could not fetch while this platform was down: sent again (a second later, once for them all)
    if (outcome === 'applied') core.changed('sync', await retryAfterStart(core.deps, devSno).catch(() => false));
  }
}

function reportHandlers(r: PlatformEvents): Pick<BoxHttpHandlers, 'record' | 'deviceStatus' | 'deviceInfo'> {
  return {
    record: (box, body) => r.record(box.devSno, body),
    deviceStatus: (box, body) => r.deviceStatus(box.devSno, body),
    deviceInfo: (box, body) => r.deviceInfo(box.devSno, body),
  };
}
