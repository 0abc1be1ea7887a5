// Database rows → the API's views (electron/api/platform.ts).
import type { DeviceView, PersonView } from '../api/platform';
import type { DeviceRow } from './devices';
import { macForDisplay } from './names';
import type { GroupRow, PersonRow, PhotoRow } from './people';

export type { DeviceView, PersonView, PlatformStatus, SyncSummary } from '../api/platform';

/**
 * `connected`: the box consumes its command queue right now. Otherwise it is online while its
 * last contact (a request on the box port, or its last status report) is more recent than
 * `offlineAfterMs` — the window after which the Devices page shows it offline and raises the
 * alert, so the Site page, `devices list` and `devices status` agree.
 */
export function deviceView(
  d: DeviceRow,
  groups: GroupRow[],
  sync: Record<string, number>,
  o: { connected: boolean; lastStatusAt: number | null; offlineAfterMs: number; queueExists?: boolean },
): DeviceView {
  // 'ready' is shown only while it is true: the box's queue exists on the running broker now
  const stale = d.broker_state === 'ready' && o.queueExists === false;
  const lastContact = Math.max(d.last_seen_at ?? 0, o.lastStatusAt ?? 0);
  return {
    devSno: d.dev_sno,
    name: d.name,
    enabled: d.enabled === 1,
    mac: macForDisplay(d.mac),
    lastLoginAt: d.last_login_at,
    lastLoginAddr: d.last_login_addr,
    lastSeenAt: d.last_seen_at,
    online: o.connected || (lastContact > 0 && Date.now() - lastContact <= o.offlineAfterMs),
    brokerState: stale ? 'not ready' : d.broker_state,
    brokerError: stale ? "the broker is not running, or the box's queue is gone; it is made again when the box logs in (or at the next platform start)" : d.broker_error,
    brokerConnected: o.connected,
    groups: groups.map((g) => g.name),
    sync,
  };
}

export function personView(
  p: PersonRow,
  groups: GroupRow[],
  photos: PhotoRow[],
  boxes: Array<{ dev_sno: string; name: string | null; state: string; code: number | null; message: string | null }>,
): PersonView {
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    registerType: p.register_type,
    info: JSON.parse(p.info_json) as Record<string, unknown>,
    groups: groups.map((g) => g.name),
    photos: photos.map((ph, i) => ({ sha256: ph.sha256, bytes: ph.bytes, best: i === 0, verdict: JSON.parse(ph.verdict_json) })),
    boxes: boxes.map((b) => ({ devSno: b.dev_sno, name: b.name ?? '', state: b.state, code: b.code, message: b.message })),
    updatedAt: p.updated_at,
  };
}
