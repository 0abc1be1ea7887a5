// Alerts (a box that missed three status periods …): the newest, read on open and re-read when
// one is raised or cleared (events.alerts.changed) or the event stream reconnects. The
// Devices page lists them; the sidebar badge counts the active ones.
import { useCallback, useEffect, useState } from 'react';
import type { AlertView } from '../../../../electron/api/events';
import { api } from '../../api';

export function useAlerts(limit = 50): { alerts: AlertView[] | null; error: string | null } {
  const [alerts, setAlerts] = useState<AlertView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      setAlerts(await api.call('events.alerts.list', { all: true, limit }));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [limit]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 100);
    };
    const offAlert = api.on('events.alerts.changed', soon);
    const offLink = api.onLinkState((s) => {
      if (s === 'live') soon();
    });
    void reload();
    return () => {
      clearTimeout(timer);
      offAlert();
      offLink();
    };
  }, [reload]);
  return { alerts, error };
}

/** The number of active alerts for the sidebar badge (null: none, or no platform here). */
export function useActiveAlertCount(): number | null {
  const [n, setN] = useState<number | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const read = () =>
      api.call('events.alerts.list', { limit: 1000 }).then(
        (a) => live && setN(a.filter((x) => x.active).length || null),
        () => live && setN(null),
      );
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void read(), 100);
    };
    const offAlert = api.on('events.alerts.changed', soon);
    const offLink = api.onLinkState((s) => {
      if (s === 'live') soon();
    });
    void read();
    return () => {
      live = false;
      clearTimeout(timer);
      offAlert();
      offLink();
    };
  }, []);
  return n;
}
