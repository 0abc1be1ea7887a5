// "This is X" on an event: search the site's people, pick one → the spot picture is added to
// their photos (checked like any photo) and the event is marked with the correction.
import { useEffect, useState } from 'react';
import type { EventView } from '../../../../electron/api/events';
import type { PersonView, PhotoVerdictView } from '../../../../electron/api/platform';
import { api } from '../../api';
import { Verdict } from '../people/parts';
import { useAction } from '../site/usePlatform';

export function IdentifyPerson({ event, onDone, onClose }: { event: EventView; onDone(e: EventView): void; onClose(): void }) {
  const act = useAction();
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<PersonView[]>([]);
  const [done, setDone] = useState<{ person: PersonView; verdict: PhotoVerdictView } | null>(null);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      api.call('platform.people.list', { search: search.trim() || undefined, limit: 8 }).then(
        (r) => live && setFound(r.people),
        () => live && setFound([]),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [search]);
  const pick = async (p: PersonView) => {
    const r = await act.run(() => api.call('events.identify', { id: event.id, personId: p.id }));
    if (!r) return;
    setDone(r);
    const updated = await api.call('events.get', { id: event.id }).catch(() => null);
    if (updated) onDone(updated);
  };
  return (
    <div className="event-action" role="group" aria-label="This is…">
      <div className="inline-form">
        <input type="search" aria-label="Find the person" placeholder="search id or name" value={search} onChange={(e) => setSearch(e.target.value)} autoFocus />
        <button type="button" className="secondary small" onClick={onClose}>
          Close
        </button>
      </div>
      <ul className="person-picks">
        {found.map((p) => (
          <li key={p.id}>
            <button type="button" className="secondary small" disabled={act.busy} onClick={() => void pick(p)}>
              This is {p.name} <span className="mono muted">({p.id})</span>
            </button>
          </li>
        ))}
        {found.length === 0 && <li className="muted">No one found.</li>}
      </ul>
      {act.busy && <p className="muted">Checking the picture…</p>}
      {act.error && (
        <p className="error-text" role="alert">
          {act.error}
        </p>
      )}
      {done && (
        <div role="status" aria-label="Identify result">
          <span className="strong">Added the spot picture to {done.person.name}'s photos ({done.person.photos.length} now). </span>
          <Verdict v={done.verdict} />
        </div>
      )}
    </div>
  );
}
