// Editing one person: name, type, further details and groups (saved together), and photos —
// a photo added is checked by the face engine at once and its verdict shown; a photo can be
// removed (with a confirmation). The box gets the best photo; any change is synced.
import { useEffect, useState, type FormEvent } from 'react';
import type { PersonView, PhotoVerdictView } from '../../../../electron/api/platform';
import { api } from '../../api';
import { useAction } from '../site/usePlatform';
import { detailsText, parseDetails } from './details';
import { PERSON_TYPES, Thumb, toBase64, Verdict } from './parts';

function PhotoTile({ id, photo, onChanged }: { id: string; photo: PersonView['photos'][number]; onChanged(p: PersonView): void }) {
  const act = useAction();
  const [confirm, setConfirm] = useState(false);
  const remove = async () => {
    const p = await act.run(() => api.call('platform.people.removePhoto', { id, sha256: photo.sha256 }));
    if (p) onChanged(p);
  };
  return (
    <div className="photo-tile" data-photo={photo.sha256} role="group" aria-label={`Photo ${photo.sha256.slice(0, 8)}`}>
      <Thumb sha256={photo.sha256} large />
      {photo.best && (photo.verdict.passed ? <span className="tag ok">best: sent to the boxes</span> : <span className="tag bad">best, but fails the check: not sent</span>)}
      <Verdict v={photo.verdict} sent={photo.best} />
      {confirm ? (
        <div className="actions">
          <button type="button" className="danger small" disabled={act.busy} onClick={() => void remove()}>
            Yes, remove
          </button>
          <button type="button" className="secondary small" onClick={() => setConfirm(false)}>
            Keep
          </button>
        </div>
      ) : (
        <button type="button" className="secondary small" onClick={() => setConfirm(true)}>
          Remove photo
        </button>
      )}
      {act.error && (
        <p className="error-text" role="alert">
          {act.error}
        </p>
      )}
    </div>
  );
}

export function PersonEditor({ person, groups, onClose }: { person: PersonView; groups: string[]; onClose(): void }) {
  const save = useAction();
  const upload = useAction();
  const [name, setName] = useState(person.name);
  const [type, setType] = useState(person.type);
  const [chosen, setChosen] = useState<string[]>(person.groups);
  const [details, setDetails] = useState(detailsText(person.info));
  const [problem, setProblem] = useState<string | null>(null);
  const [photos, setPhotos] = useState(person.photos);
  const [checked, setChecked] = useState<PhotoVerdictView | null>(null);
  // the list re-reads after every change (and after sync results): keep the photos current
  useEffect(() => setPhotos(person.photos), [person.photos]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let info: Record<string, unknown>;
    try {
      info = parseDetails(details, person.info);
    } catch (err) {
      setProblem((err as Error).message);
      return;
    }
    setProblem(null);
    const p = await save.run(() => api.call('platform.people.update', { id: person.id, name: name.trim(), type, groups: chosen, info }));
    if (p) onClose();
  };
  const addPhotos = async (files: File[]) => {
    for (const f of files) {
      const r = await upload.run(async () => api.call('platform.people.addPhoto', { id: person.id, photo: await toBase64(f) }));
      if (!r) return;
      setPhotos(r.person.photos);
      setChecked(r.verdict);
    }
  };
  const error = problem ?? save.error;
  return (
    <form className="person-editor" aria-label={`Edit ${person.name}`} onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="inline-form">
        <span className="mono muted">{person.id}</span>
        <input aria-label="Name" className="person-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
        <select aria-label="Type" value={type} onChange={(e) => setType(Number(e.target.value))}>
          {PERSON_TYPES.map(([n, label]) => (
            <option key={n} value={n}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <fieldset>
        <legend>Groups (the boxes of these groups hold this person)</legend>
        {groups.length === 0 && <span className="muted">no groups yet: add them on the Groups page</span>}
        {groups.map((g) => (
          <label key={g}>
            <input type="checkbox" checked={chosen.includes(g)} onChange={(e) => setChosen(e.target.checked ? [...chosen, g] : chosen.filter((x) => x !== g))} /> {g}
          </label>
        ))}
      </fieldset>
      <label>
        Details (one "key: value" per line; sent to the boxes with the person)
        <textarea aria-label="Details" value={details} onChange={(e) => setDetails(e.target.value)} placeholder="department: sales" />
      </label>
      <fieldset>
        <legend>Photos ({photos.length}; the best one is sent)</legend>
        <div className="photo-tiles">
          {photos.length === 0 && <span className="tag warn">no photo: this person is not sent to the boxes</span>}
          {photos.map((ph) => (
            <PhotoTile key={ph.sha256} id={person.id} photo={ph} onChanged={(p) => setPhotos(p.photos)} />
          ))}
        </div>
        <div className="inline-form">
          <label>
            Add photos{' '}
            <input
              aria-label="Add photos"
              type="file"
              accept="image/jpeg,image/png"
              multiple
              disabled={upload.busy}
              onChange={(e) => {
                const files = [...(e.target.files ?? [])];
                e.target.value = '';
                void addPhotos(files);
              }}
            />
          </label>
          {upload.busy && <span className="muted">Checking the photo…</span>}
        </div>
        {checked && !upload.busy && (
          <div role="status" aria-label="Photo checked">
            Photo added. <Verdict v={checked} sent={photos[0]?.verdict.passed === false} />
          </div>
        )}
        {upload.error && (
          <p className="error-text" role="alert">
            {upload.error}
          </p>
        )}
      </fieldset>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </form>
  );
}
