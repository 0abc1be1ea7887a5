// Reads something from the platform area and reads it again whenever the platform says it
// changed (platform.changed) or the event stream reconnects. Shared by the Site, People and
// Groups pages.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../../api';
import { clock } from '../../time-format';

export function usePlatform<T>(load: () => Promise<T>, kinds: string[]): { data: T | null; error: string | null; reload(): Promise<void> } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    try {
      setData(await loadRef.current());
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
    const off = api.on('platform.changed', (e) => {
      if (kinds.includes(e.what)) soon();
    });
    const offLink = api.onLinkState((s) => {
      if (s === 'live') soon();
    });
    void reload();
    return () => {
      clearTimeout(timer);
      off();
      offLink();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reload, kinds.join(',')]);
  return { data, error, reload };
}

/** Runs an action, keeping its error message for the page. */
export function useAction(): { busy: boolean; error: string | null; run<T>(fn: () => Promise<T>): Promise<T | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return {
    busy,
    error,
    clear: () => setError(null),
    async run(fn) {
      setBusy(true);
      setError(null);
      try {
        return await fn();
      } catch (err) {
        setError((err as Error).message);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
  };
}


export function ago(ms: number | null): string {
  if (ms === null) return 'never';
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return clock(ms);
}

export const STATE_WORDS: Record<string, string> = {
  pending: 'sent, waiting for the box',
  enrolled: 'enrolled',
  failed: 'refused by the box',
  noanswer: 'no answer yet (sent again)',
  sent: 'sent (no results in one-way mode)',
  deleting: 'being deleted',
  unsent: 'not sent (broker unreachable)',
  held: 'not sent: photo would be refused',
  removing: 'held: being removed from the box (photo would be refused)',
  removed: 'held: removed from the box until the photo is replaced',
};
