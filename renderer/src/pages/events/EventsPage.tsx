// The Events page: the live timeline of what the boxes saw (PROTOCOL §6.3) — new events appear
// on top without a reload — with filters by box, capture device, person, known/stranger and
// time, the spot picture beside the registration photo, the score, and "Enrol this stranger" /
// "This is…" on an event. The list is paged and bounded (useEventFeed).
import { useMemo } from 'react';
import { api } from '../../api';
import { createPageStore, usePageStore } from '../../page-store';
import { useDeviceStatus } from '../devices/useDeviceStatus';
import { usePlatform } from '../site/usePlatform';
import { isFiltered, NO_FILTER, toApiFilter, type FilterChoice } from './event-filter';
import { EventFilters } from './EventFilters';
import { EventRow } from './EventRow';
import { MAX_KEPT, useEventFeed } from './useEventFeed';
import '../site/platform.css';
import './events.css';

const store = createPageStore<{ filter: FilterChoice }>({ filter: NO_FILTER }, { key: 'se3kit.events.page', remember: [] });

export function EventsPage() {
  const { filter } = usePageStore(store);
  const apiFilter = useMemo(() => toApiFilter(filter), [filter]);
  const feed = useEventFeed(apiFilter);
  const status = useDeviceStatus();
  const groups = usePlatform(() => api.call('platform.groups.list', {}), ['groups']);
  const epNames = useMemo(() => {
    const m = new Map<string, string>();
    for (const d of status.devices ?? []) for (const c of d.captureDevices) m.set(c.epId, c.name || c.epIp);
    return m;
  }, [status.devices]);
  const groupNames = groups.data?.map((g) => g.name) ?? [];
  const err = feed.error ?? status.error;
  return (
    <div className="page platform-page events-page">
      {err && (
        <div className="banner error" role="alert">
          {err}
        </div>
      )}
      <section className="card" aria-label="Filters">
        <EventFilters value={filter} onChange={(f) => store.set({ filter: f })} devices={status.devices ?? []} />
      </section>
      <section className="card" aria-label="Timeline">
        <div className="section-head">
          <h2>
            Events <span className="count" aria-label="events matching">{feed.total}</span>
          </h2>
          <p className="muted">
            {isFiltered(filter) ? 'Filtered. ' : ''}New events appear on top as the boxes report them.
          </p>
        </div>
        {feed.events.length === 0 && !feed.loading ? (
          <p className="muted empty-line">{isFiltered(filter) ? 'No events match these filters.' : 'No events yet. They appear here as soon as a box reports one.'}</p>
        ) : (
          <ol className="event-list" aria-label="Events">
            {feed.events.map((e) => (
              <EventRow key={e.id} e={e} fresh={feed.fresh.has(e.id)} epName={epNames.get(e.epId) ?? ''} groups={groupNames} onChanged={feed.replace} />
            ))}
          </ol>
        )}
        <div className="event-foot">
          <span className="muted">
            Showing {feed.events.length} of {feed.total}
            {feed.events.length >= MAX_KEPT ? ` (at most ${MAX_KEPT} at a time; narrow the filters or the time range for older ones)` : ''}
          </span>
          {feed.more && (
            <button type="button" className="secondary small" disabled={feed.loading} onClick={() => void feed.loadOlder()}>
              {feed.loading ? 'Loading…' : 'Show older events'}
            </button>
          )}
        </div>
      </section>
    </div>
  );
}
