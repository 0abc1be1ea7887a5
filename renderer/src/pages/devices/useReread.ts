// Reads once on mount, then again shortly after each pushed event that says the data changed
// (several in a burst make one read) and whenever the event stream reconnects (events may
// have been missed). The Devices page's status and alert hooks share it.
import { useEffect } from 'react';
import { api } from '../../api';

/**
 * `subscribe(soon)` registers the pushed events that should cause a re-read (calling `soon`)
 * and returns their unsubscribers. `read` must be stable (useCallback): a new one re-subscribes.
 */
export function useReread(read: () => Promise<unknown>, subscribe: (soon: () => void) => Array<() => void>, delayMs = 100): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void read(), delayMs);
    };
    const offs = [...subscribe(soon), api.onLinkState((s) => s === 'live' && soon())];
    void read();
    return () => {
      clearTimeout(timer);
      for (const off of offs) off();
    };
    // subscribe is read once per `read`: callers pass an inline function
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [read, delayMs]);
}
