// Devices (boxes) of this site: authorisation codes (dev_sno) issued here, enabled or not,
// the MAC that holds each code (bound at the first login, released by the operator), the
// current login token (only its hash is stored, a new one on every login) and the box's broker
// credentials.
import { macForDisplay, newBrokerPassword, newDevSno, hashToken, newToken, boxBrokerNames } from './names';
import type { PlatformDb } from './db';
import { PlatformError } from './errors';

export interface DeviceRow {
  dev_sno: string;
  name: string;
  enabled: number;
  mac: string | null;
  token_hash: string | null;
  last_login_at: number | null;
  last_login_addr: string | null;
  last_seen_at: number | null;
  broker_user: string;
  broker_password: string;
  broker_state: string;
  broker_error: string | null;
  created_at: number;
}

export type LoginOutcome =
  | { ok: true; device: DeviceRow; token: string }
  | { ok: false; status: number; code: number; message: string };

export class DeviceStore {
  constructor(private readonly db: PlatformDb) {}

  async add(name = ''): Promise<DeviceRow> {
    for (let i = 0; i < 5; i++) {
      const devSno = newDevSno();
      if (await this.get(devSno)) continue;
      await this.db.run(
        'INSERT INTO devices (dev_sno, name, enabled, broker_user, broker_password, created_at) VALUES (?, ?, 1, ?, ?, ?)',
        [devSno, name, boxBrokerNames(devSno).user, newBrokerPassword(), Date.now()],
      );
      return (await this.get(devSno))!;
    }
    throw new PlatformError('could not issue a unique authorisation code; try again', 'internal', 500);
  }

  get(devSno: string): Promise<DeviceRow | undefined> {
    return this.db.get<DeviceRow>('SELECT * FROM devices WHERE dev_sno = ?', [devSno]);
  }

  async require(devSno: string): Promise<DeviceRow> {
    const d = await this.get(devSno);
    if (!d) throw new PlatformError(`no device with the authorisation code ${devSno} on this site (see \`se3kit platform devices list\`)`, 'no_device', 404);
    return d;
  }

  list(): Promise<DeviceRow[]> {
    return this.db.all<DeviceRow>('SELECT * FROM devices ORDER BY created_at, dev_sno');
  }

  async setEnabled(devSno: string, enabled: boolean): Promise<DeviceRow> {
    await this.require(devSno);
    // disabling also ends the current token: the box must log in again (and is refused)
    await this.db.run(`UPDATE devices SET enabled = ?${enabled ? '' : ', token_hash = NULL'} WHERE dev_sno = ?`, [enabled ? 1 : 0, devSno]);
    return (await this.get(devSno))!;
  }

  async rename(devSno: string, name: string): Promise<DeviceRow> {
    await this.require(devSno);
    await this.db.run('UPDATE devices SET name = ? WHERE dev_sno = ?', [name, devSno]);
    return (await this.get(devSno))!;
  }

  /** Releases the MAC binding: the next box to log in with this code binds it. */
  async release(devSno: string): Promise<DeviceRow> {
    await this.require(devSno);
    await this.db.run('UPDATE devices SET mac = NULL, token_hash = NULL WHERE dev_sno = ?', [devSno]);
    return (await this.get(devSno))!;
  }

  async remove(devSno: string): Promise<void> {
    await this.require(devSno);
    await this.db.run('DELETE FROM devices WHERE dev_sno = ?', [devSno]);
  }

  async setBrokerState(devSno: string, state: string, error: string | null): Promise<void> {
    await this.db.run('UPDATE devices SET broker_state = ?, broker_error = ? WHERE dev_sno = ?', [state, error, devSno]);
  }

  async seen(devSno: string): Promise<void> {
    await this.db.run('UPDATE devices SET last_seen_at = ? WHERE dev_sno = ?', [Date.now(), devSno]);
  }

  /** §2 login: only enabled codes; the first MAC binds; another MAC is refused until released. */
  async login(devSno: string, hexMac: string, addr: string): Promise<LoginOutcome> {
    const d = await this.get(devSno);
    if (!d) return { ok: false, status: 403, code: 40003, message: 'unknown dev_sno: this authorisation code was not issued by this platform' };
    if (!d.enabled) return { ok: false, status: 403, code: 40003, message: 'this authorisation code is disabled on the platform' };
    if (d.mac && d.mac !== hexMac) {
      return {
        ok: false,
        status: 403,
        code: 40003,
        message: `this authorisation code is bound to another box (MAC ${macForDisplay(d.mac)}); release it on the platform first`,
      };
    }
    const token = newToken();
    const now = Date.now();
    // the MAC check above and this update must not race another login: bind only if still free
    const r = await this.db.run(
      'UPDATE devices SET mac = ?, token_hash = ?, last_login_at = ?, last_login_addr = ?, last_seen_at = ? WHERE dev_sno = ? AND enabled = 1 AND (mac IS NULL OR mac = ?)',
      [hexMac, hashToken(token), now, addr, now, devSno, hexMac],
    );
    if (r.changes !== 1) return { ok: false, status: 403, code: 40003, message: 'this authorisation code was just bound to another box; release it on the platform first' };
    return { ok: true, device: (await this.get(devSno))!, token };
  }

  /** The device whose current token this is, or null. */
  async authenticate(devSno: string, token: string): Promise<DeviceRow | null> {
    const d = await this.get(devSno);
    if (!d || !d.enabled || !d.token_hash) return null;
    return d.token_hash === hashToken(token) ? d : null;
  }
}
