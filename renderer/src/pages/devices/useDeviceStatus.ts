// Every box's reported status (events.devices.status), kept current by the pushed
// events.devices.status and re-read when the event stream reconnects. Used by the Devices page
// and the Events page's box / capture-device filters.
import { useCallback, useState } from 'react';
import type { DeviceStatusView } from '../../../../electron/api/events';
import { api } from '../../api';
import { useReread } from './useReread';

export function useDeviceStatus(): { devices: DeviceStatusView[] | null; error: string | null; reload(): Promise<void> } {
  const [devices, setDevices] = useState<DeviceStatusView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      setDevices(await api.call('events.devices.status', {}));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);
  useReread(reload, (soon) => [
    api.on('events.devices.status', (d) =>
      setDevices((cur) => {
        if (!cur) return cur;
        const i = cur.findIndex((x) => x.devSno === d.devSno);
        if (i < 0) return [...cur, d];
        const next = cur.slice();
        next[i] = d;
        return next;
      }),
    ),
    // devices added, renamed or removed on the Site page
    api.on('platform.changed', (e) => e.what === 'devices' && soon()),
  ], 150);
  return { devices, error, reload };
}
