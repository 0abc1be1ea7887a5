// The Events page's timeline: the newest page of events for the filter, events pushed live
// (events.new) put on top without a reload when they match, older pages on demand. The list in
// memory is bounded (MAX_KEPT): thousands of events never make the page slow — older ones are
// read again page by page.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventFilter, EventView } from '../../../../electron/api/events';
import { api } from '../../api';
import { matches } from './event-filter';

export const PAGE_SIZE = 50;
export const MAX_KEPT = 500;

export interface EventFeed {
  events: EventView[];
  /** Events matching the filter on the platform (all pages). */
  total: number;
  loading: boolean;
  error: string | null;
  /** More, older events exist than are shown. */
  more: boolean;
  /** Ids that arrived live since the page opened (highlighted). */
  fresh: ReadonlySet<string>;
  loadOlder(): Promise<void>;
  reload(): Promise<void>;
  /** Puts an updated event (after enrol / this-is-X) in place. */
  replace(e: EventView): void;
}

function newestFirst(a: EventView, b: EventView): number {
  return b.timestamp - a.timestamp || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function useEventFeed(filter: EventFilter): EventFeed {
  const [events, setEvents] = useState<EventView[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const [fresh, setFresh] = useState<Set<string>>(() => new Set());
  const key = JSON.stringify(filter);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const gen = useRef(0); // drops answers to an older filter

  const reload = useCallback(async () => {
    const g = ++gen.current;
    setLoading(true);
    try {
      const page = await api.call('events.list', { ...filterRef.current, limit: PAGE_SIZE });
      if (g !== gen.current) return;
      setEvents(page.events);
      setTotal(page.total);
      setMore(page.total > page.events.length);
      setError(null);
    } catch (err) {
      if (g === gen.current) setError((err as Error).message);
    } finally {
      if (g === gen.current) setLoading(false);
    }
  }, []);

  const eventsRef = useRef(events);
  eventsRef.current = events;
  const loadOlder = useCallback(async () => {
    const shown = eventsRef.current;
    const oldest = shown[shown.length - 1];
    if (!oldest) return;
    const g = gen.current;
    setLoading(true);
    try {
      // from the oldest shown, inclusive (other events may share its time): asks for the ones
      // already shown at that time on top of a page, and drops them by id
      const f = filterRef.current;
      const ties = shown.filter((e) => e.timestamp === oldest.timestamp).length;
      const page = await api.call('events.list', { ...f, until: Math.min(f.until ?? Infinity, oldest.timestamp + 1), limit: Math.min(1000, PAGE_SIZE + ties) });
      if (g !== gen.current) return;
      setEvents((cur) => {
        const have = new Set(cur.map((e) => e.id));
        const add = page.events.filter((e) => !have.has(e.id));
        const next = [...cur, ...add];
        // keep the list bounded: drop the newest beyond MAX_KEPT only if the user pages far back
        return next.length > MAX_KEPT ? next.slice(next.length - MAX_KEPT) : next;
      });
      setMore(page.events.length >= Math.min(1000, PAGE_SIZE + ties));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [key, reload]);

  useEffect(() => {
    const offNew = api.on('events.new', (e) => {
      if (!matches(e, filterRef.current)) return;
      setEvents((cur) => {
        if (cur.some((x) => x.id === e.id)) return cur;
        const next = [...cur, e].sort(newestFirst);
        if (next.length > MAX_KEPT) {
          setMore(true);
          return next.slice(0, MAX_KEPT);
        }
        return next;
      });
      setTotal((t) => t + 1);
      setFresh((s) => (s.size >= MAX_KEPT ? new Set([e.id]) : new Set(s).add(e.id)));
    });
    // events missed while the stream was down: read the newest page again
    const offLink = api.onLinkState((s) => {
      if (s === 'live') void reload();
    });
    return () => {
      offNew();
      offLink();
    };
  }, [reload]);

  const replace = useCallback((e: EventView) => setEvents((cur) => cur.map((x) => (x.id === e.id ? e : x))), []);

  return { events, total, loading, error, more, fresh, loadOlder, reload, replace };
}
