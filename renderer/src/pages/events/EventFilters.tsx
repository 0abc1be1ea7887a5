// The Events page's filter bar: box, capture device, person, known/stranger, time range.
import { useEffect, useRef, useState } from 'react';
import type { DeviceStatusView } from '../../../../electron/api/events';
import type { PersonView } from '../../../../electron/api/platform';
import { api } from '../../api';
import { zoneName } from '../../time-format';
import { isFiltered, NO_FILTER, type FilterChoice } from './event-filter';

export function EventFilters({ value, onChange, devices }: { value: FilterChoice; onChange(f: FilterChoice): void; devices: DeviceStatusView[] }) {
  const set = (patch: Partial<FilterChoice>) => onChange({ ...value, ...patch });
  const box = devices.find((d) => d.devSno === value.devSno);
  const eps = (box ? [box] : devices).flatMap((d) => d.captureDevices.map((c) => ({ ...c, box: d.name || d.devSno })));
  const [person, setPerson] = useState(value.personId);
  // the person id is applied after typing pauses: against the filter as it is then, not as it was
  const latest = useRef({ value, onChange });
  latest.current = { value, onChange };
  const [people, setPeople] = useState<PersonView[]>([]);
  useEffect(() => setPerson(value.personId), [value.personId]);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      const cur = latest.current;
      if (person !== cur.value.personId) cur.onChange({ ...cur.value, personId: person });
      api.call('platform.people.list', { search: person.trim() || undefined, limit: 20 }).then(
        (r) => live && setPeople(r.people),
        () => undefined,
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [person]);
  return (
    <form className="event-filters" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
      <label>
        <span>Box</span>
        <select value={value.devSno} onChange={(e) => set({ devSno: e.target.value, epId: '' })}>
          <option value="">all boxes</option>
          {devices.map((d) => (
            <option key={d.devSno} value={d.devSno}>
              {d.name || d.devSno}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Capture device</span>
        <select value={value.epId} onChange={(e) => set({ epId: e.target.value })}>
          <option value="">all capture devices</option>
          {eps.map((c) => (
            <option key={c.epId} value={c.epId}>
              {c.name || c.epIp}
              {box ? '' : ` (${c.box})`}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Person id</span>
        <input type="search" list="event-filter-people" placeholder="any person" value={person} onChange={(e) => setPerson(e.target.value)} maxLength={64} />
      </label>
      {/* outside the label: inside, every suggested name became part of the field's accessible name */}
      <datalist id="event-filter-people">
        {people.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </datalist>
      <label>
        <span>Who</span>
        <select value={value.kind} onChange={(e) => set({ kind: e.target.value as FilterChoice['kind'] })}>
          <option value="all">known and strangers</option>
          <option value="known">known people</option>
          <option value="stranger">strangers</option>
        </select>
      </label>
      {/* one item of the row: From and To wrap together, never To alone */}
      <div className="time-range" role="group" aria-label="Time range">
        <label className="time">
          <span>From</span>
          <input type="datetime-local" value={value.since} onChange={(e) => set({ since: e.target.value })} />
        </label>
        <label className="time">
          <span>To</span>
          <input type="datetime-local" value={value.until} onChange={(e) => set({ until: e.target.value })} />
        </label>
      </div>
      <button type="button" className="secondary small" disabled={!isFiltered(value)} onClick={() => onChange(NO_FILTER)}>
        Clear filters
      </button>
      <p className="muted filter-zone">From, To and the events' times are in this browser's time zone, {zoneName()}.</p>
    </form>
  );
}
