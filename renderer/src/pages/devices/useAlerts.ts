// Alerts (a box that missed three status periods …): the newest, read on open and re-read when
// one is raised or cleared (events.alerts.changed) or the event stream reconnects. The
// Devices page lists them; the sidebar badge counts the active ones.
import { useCallback, useState } from 'react';
import type { AlertView } from '../../../../electron/api/events';
import { api } from '../../api';
import { useReread } from './useReread';

const onAlertChange = (soon: () => void) => [api.on('events.alerts.changed', soon)];

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
  useReread(reload, onAlertChange);
  return { alerts, error };
}

/** The number of active alerts for the sidebar badge (null: none, or no platform here). */
export function useActiveAlertCount(): number | null {
  const [n, setN] = useState<number | null>(null);
  const read = useCallback(
    () =>
      api.call('events.alerts.list', { limit: 1000 }).then(
        (a) => setN(a.filter((x) => x.active).length || null),
        () => setN(null),
      ),
    [],
  );
  useReread(read, onAlertChange);
  return n;
}
