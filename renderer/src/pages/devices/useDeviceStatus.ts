// Every box's reported status (events.devices.status), kept current by the pushed
// events.devices.status and re-read when the event stream reconnects. Used by the Devices page
// and the Events page's box / capture-device filters.
import { useCallback, useEffect, useState } from 'react';
import type { DeviceStatusView } from '../../../../electron/api/events';
import { api } from '../../api';

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
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 150);
    };
    const offStatus = api.on('events.devices.status', (d) => {
      setDevices((cur) => {
        if (!cur) return cur;
        const i = cur.findIndex((x) => x.devSno === d.devSno);
        if (i < 0) return [...cur, d];
        const next = cur.slice();
        next[i] = d;
        return next;
      });
    });
    // devices added, renamed or removed on the Site page
    const offChanged = api.on('platform.changed', (e) => {
      if (e.what === 'devices') soon();
    });
    const offLink = api.onLinkState((s) => {
      if (s === 'live') soon();
    });
    void reload();
    return () => {
      clearTimeout(timer);
      offStatus();
      offChanged();
      offLink();
    };
  }, [reload]);
  return { devices, error, reload };
}
