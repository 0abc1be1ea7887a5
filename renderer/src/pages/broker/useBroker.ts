// The Broker panel's live state: status (broker.status + its event), stats (fetched on open,
// then the broker.stats event about once a second while running) and the actions.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BrokerStats, BrokerStatus, BrokerStartRequest } from '../../../../electron/api/broker';
import { api } from '../../api';

export type BrokerAction = 'start' | 'stop' | 'addUser' | 'deleteUser' | 'setPassword';

export interface BrokerPanelState {
  status: BrokerStatus | null;
  stats: BrokerStats | null;
  /** The action running now, if any. */
  busy: BrokerAction | null;
  /** Why the last action failed (plain language, from the service), and which action it was. */
  failure: { action: BrokerAction; message: string } | null;
  /** Why the state could not be read (e.g. the server is unreachable). */
  loadError: string | null;
  start(request: BrokerStartRequest): Promise<boolean>;
  stop(): Promise<boolean>;
  addUser(name: string, password: string): Promise<boolean>;
  deleteUser(name: string): Promise<boolean>;
  setPassword(name: string, password: string): Promise<boolean>;
}

export function useBroker(): BrokerPanelState {
  const [status, setStatusState] = useState<BrokerStatus | null>(null);
  const [stats, setStats] = useState<BrokerStats | null>(null);
  const [busy, setBusy] = useState<BrokerAction | null>(null);
  const [failure, setFailure] = useState<{ action: BrokerAction; message: string } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const running = useRef(false);

  const setStatus = useCallback((s: BrokerStatus) => {
    running.current = s.state === 'running';
    setStatusState(s);
    if (!running.current) setStats(null);
  }, []);

  const refresh = useCallback(async () => {
    try {
      setStatus(await api.call('broker.status', {}));
      const s = await api.call('broker.stats', {});
      if (s && running.current) setStats(s);
      setLoadError(null);
    } catch (err) {
      setLoadError((err as Error).message);
    }
  }, [setStatus]);

  useEffect(() => {
    const offStatus = api.on('broker.status', setStatus);
    const offStats = api.on('broker.stats', (s) => {
      if (running.current) setStats(s);
    });
    // After the event stream reconnects, events may have been missed: read the state again.
    const offLink = api.onLinkState((s) => {
      if (s === 'live') void refresh();
    });
    void refresh();
    return () => {
      offStatus();
      offStats();
      offLink();
    };
  }, [refresh, setStatus]);

  const act = useCallback(
    async (name: BrokerAction, run: () => Promise<BrokerStatus>): Promise<boolean> => {
      setBusy(name);
      setFailure(null);
      try {
        setStatus(await run());
        return true;
      } catch (err) {
        setFailure({ action: name, message: (err as Error).message });
        return false;
      } finally {
        setBusy(null);
      }
    },
    [setStatus],
  );

  return {
    status,
    stats,
    busy,
    failure,
    loadError,
    start: useCallback((r: BrokerStartRequest) => act('start', () => api.call('broker.start', r)), [act]),
    stop: useCallback(() => act('stop', () => api.call('broker.stop', {})), [act]),
    addUser: useCallback((name: string, password: string) => act('addUser', () => api.call('broker.addUser', { name, password })), [act]),
    deleteUser: useCallback((name: string) => act('deleteUser', () => api.call('broker.deleteUser', { name })), [act]),
    setPassword: useCallback((name: string, password: string) => act('setPassword', () => api.call('broker.setPassword', { name, password })), [act]),
  };
}
