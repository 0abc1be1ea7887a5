// "Enrol this stranger" on an event: name and optional id and groups → the platform checks the
// spot picture (FIQA) and creates the person (register_type 2) only if it passes; a refusal
// shows the check's reasons.
import { useState, type FormEvent } from 'react';
import type { EnrolStrangerResult, EventView } from '../../../../electron/api/events';
import { api } from '../../api';
import { Verdict } from '../people/parts';
import { useAction } from '../site/usePlatform';

export function EnrolStranger({ event, groups, onDone, onClose }: { event: EventView; groups: string[]; onDone(e: EventView): void; onClose(): void }) {
  const act = useAction();
  const [name, setName] = useState('');
  const [personId, setPersonId] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [result, setResult] = useState<EnrolStrangerResult | null>(null);
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setResult(null);
    const r = await act.run(() =>
      api.call('events.enrolStranger', { id: event.id, name: name.trim(), personId: personId.trim() || undefined, groups: chosen.length ? chosen : undefined }),
    );
    if (!r) return;
    setResult(r);
    if (r.created) {
      const updated = await api.call('events.get', { id: event.id }).catch(() => null);
      if (updated) onDone(updated);
    }
  };
  return (
    <div className="event-action" role="group" aria-label="Enrol this stranger">
      {!result?.created && (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <input aria-label="Name of the new person" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} autoFocus />
          <input aria-label="Id of the new person" placeholder="id (optional)" value={personId} onChange={(e) => setPersonId(e.target.value)} maxLength={64} />
          {groups.map((g) => (
            <label key={g}>
              <input type="checkbox" checked={chosen.includes(g)} onChange={(e) => setChosen(e.target.checked ? [...chosen, g] : chosen.filter((x) => x !== g))} /> {g}
            </label>
          ))}
          <button type="submit" className="primary small" disabled={act.busy || !name.trim()}>
            {act.busy ? 'Checking the picture…' : 'Enrol'}
          </button>
          <button type="button" className="secondary small" onClick={onClose}>
            Close
          </button>
        </form>
      )}
      {!result?.created && groups.length > 0 && chosen.length === 0 && <p className="muted small">No group ticked: the person joins the groups of this event's box, so it recognises them next time.</p>}
      {act.error && (
        <p className="error-text" role="alert">
          {act.error}
        </p>
      )}
      {result && (
        <div role="status" aria-label="Enrol result">
          {result.created && result.person ? (
            <span className="strong">
              Enrolled {result.person.name} ({result.person.id}).{' '}
            </span>
          ) : (
            <span className="error-text strong">Not enrolled: the spot picture fails the photo check. </span>
          )}
          <Verdict v={result.verdict} />
          {result.created && (
            <button type="button" className="secondary small" onClick={onClose}>
              Close
            </button>
          )}
        </div>
      )}
    </div>
  );
}
