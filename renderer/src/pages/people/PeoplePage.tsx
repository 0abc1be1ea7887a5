// The People page: search, photo thumbnails, the FIQA verdict of each person's best photo
// (checked when it arrived), groups and the state on every box; add a person with photos (the
// verdict shows at once), edit one (name, type, details, groups, add and remove photos:
// PersonEditor), delete, and import a CSV with a photo folder.
import { Fragment, useEffect, useState, type FormEvent } from 'react';
import type { ImportReport, PersonView } from '../../../../electron/api/platform';
import { api } from '../../api';
import { STATE_WORDS, useAction, usePlatform } from '../site/usePlatform';
import { Thumb, toBase64, Verdict } from './parts';
import { PersonEditor } from './PersonEditor';
import { returnFocus, useConfirmFocus } from '../../confirm-focus';
import '../site/platform.css';
import './people.css';

/** States of a person held back on the platform (the photo fails the check): the reason is the tag's title. */
const HELD = ['held', 'removing', 'removed'];

function PersonRow({ p, act, editing, onEdit }: { p: PersonView; act: ReturnType<typeof useAction>; editing: boolean; onEdit(): void }) {
  const [confirm, setConfirm] = useState(false);
  const keys = useConfirmFocus<HTMLTableCellElement, 'delete'>(confirm ? 'delete' : null, () => setConfirm(false));
  return (
    <tr data-person={p.id}>
      <td>
        <Thumb sha256={p.photos[0]?.sha256} />
      </td>
      <td data-label="Person">
        <div className="strong">{p.name}</div>
        <div className="mono muted">{p.id}</div>
      </td>
      <td data-label="Groups">{p.groups.join(', ') || <span className="muted">no group</span>}</td>
      <td data-label="Photo check">
        <Verdict v={p.photos[0]?.verdict} sent />
        {p.photos.length > 1 && <div className="muted">{p.photos.length} photos; the best is sent</div>}
      </td>
      <td data-label="On the boxes">
        <div className="box-states">
          {p.boxes.length === 0 && <span className="muted">on no box</span>}
          {p.boxes.map((b) => (
            <div key={b.devSno} className="box-state" data-box={b.devSno}>
              <span
                className={`tag ${b.state === 'enrolled' ? 'ok' : b.state === 'failed' || HELD.includes(b.state) ? 'bad' : 'warn'}`}
                title={`${b.name || 'box'} ${b.devSno}${HELD.includes(b.state) && b.message ? `: ${b.message}` : ''}`}
              >
                {b.name || `${b.devSno.slice(0, 6)}…`}: {STATE_WORDS[b.state] ?? b.state}
              </span>
              {b.state === 'failed' && b.message && (
                <div className="box-state-reason">
                  {b.message} <span className="muted">(code {b.code})</span>
                </div>
              )}
            </div>
          ))}
        </div>
      </td>
      <td className="nowrap" ref={keys.ref} onKeyDown={keys.onKeyDown}>
        <button type="button" className="secondary small" aria-expanded={editing} onClick={onEdit}>
          {editing ? 'Editing' : 'Edit'}
        </button>{' '}
        {confirm ? (
          <>
            <button type="button" className="danger small" onClick={() => void act.run(() => api.call('platform.people.delete', { id: p.id }))}>
              Yes, delete
            </button>{' '}
            <button type="button" className="secondary small" data-safe onClick={() => setConfirm(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="secondary small" data-opens="delete" onClick={() => setConfirm(true)}>
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

function AddPerson({ groups }: { groups: string[] }) {
  const act = useAction();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [files, setFiles] = useState<File[]>([]);
  const [added, setAdded] = useState<PersonView | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const photos = await Promise.all(files.map(toBase64));
    const p = await act.run(() => api.call('platform.people.add', { id: id.trim(), name: name.trim(), groups: chosen, photos }));
    if (p) {
      setAdded(p);
      setId('');
      setName('');
      setFiles([]);
    }
  };
  return (
    <section className="card" aria-label="Add a person">
      <h2>Add a person</h2>
      <form onSubmit={(e) => void submit(e)} className="inline-form">
        <input aria-label="Person id" placeholder="id (the box key)" value={id} onChange={(e) => setId(e.target.value)} required maxLength={64} />
        <input aria-label="Person name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={128} />
        {groups.length === 0 && (
          <span className="muted" role="note">
            No groups yet: a person reaches the boxes only through a group. <a href="#/groups">Add a group on the Groups page</a>
          </span>
        )}
        {groups.map((g) => (
          <label key={g}>
            <input type="checkbox" checked={chosen.includes(g)} onChange={(e) => setChosen(e.target.checked ? [...chosen, g] : chosen.filter((x) => x !== g))} /> {g}
          </label>
        ))}
        <input aria-label="Photos" type="file" accept="image/jpeg,image/png" multiple onChange={(e) => setFiles([...(e.target.files ?? [])])} />
        <button type="submit" className="primary" disabled={act.busy}>
          {act.busy ? 'Checking the photo…' : 'Add'}
        </button>
      </form>
      {act.error && (
        <p className="error-text" role="alert">
          {act.error}
        </p>
      )}
      {added && (
        <div role="status" aria-label="Added">
          Added {added.name} ({added.id}). <Verdict v={added.photos[0]?.verdict} sent />
        </div>
      )}
    </section>
  );
}

function ImportCsv() {
  const act = useAction();
  const [csv, setCsv] = useState<File | null>(null);
  const [dir, setDir] = useState('');
  const [report, setReport] = useState<ImportReport | null>(null);
  const [progress, setProgress] = useState<{ id: string; done: number; total: number } | null>(null);
  useEffect(() => api.on('platform.import', (p) => setProgress((cur) => (cur && cur.id === p.progressId ? { ...cur, done: p.done, total: p.total } : cur))), []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!csv) return;
    const text = await csv.text();
    const id = `import-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    setReport(null);
    setProgress({ id, done: 0, total: 0 });
    try {
      const r = await act.run(() => api.call('platform.people.import', { csv: text, photosDir: dir.trim() || undefined, progressId: id }));
      if (r) setReport(r);
    } finally {
      setProgress(null);
    }
  };
  return (
    <section className="card" aria-label="Import people">
      <h2>Import from CSV</h2>
      <p className="muted">Columns: id, name, and optionally groups (separated by ;), photo (file names in the photo folder), type. The photo folder is on the computer running Field Kit.</p>
      <form onSubmit={(e) => void submit(e)} className="inline-form">
        <input aria-label="CSV file" type="file" accept=".csv,text/csv" onChange={(e) => setCsv(e.target.files?.[0] ?? null)} />
        <input aria-label="Photo folder" placeholder="/path/to/photos" value={dir} onChange={(e) => setDir(e.target.value)} />
        <button type="submit" className="primary" disabled={act.busy || !csv}>
          {act.busy ? 'Importing and checking photos…' : 'Import'}
        </button>
      </form>
      {act.error && <p className="error-text">{act.error}</p>}
      {progress && (
        <div className="import-progress">
          <div className="progress" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={progress.total || undefined} aria-valuenow={progress.done}>
            <div className="progress-fill" style={{ width: `${progress.total ? (progress.done / progress.total) * 100 : 0}%` }} />
          </div>
          <span className="muted">{progress.total ? `${progress.done} of ${progress.total} rows imported (each photo checked)` : 'Reading the CSV…'}</span>
        </div>
      )}
      {report && (
        <div role="status" aria-label="Import report">
          {report.summary}.
          <ul>
            {report.failed.map((f, i) => (
              <li key={i}>
                line {f.line}
                {f.id ? ` (${f.id})` : ''}: {f.error}
              </li>
            ))}
            {report.photoFailed.map((f) => (
              <li key={f.id}>
                {f.id}: {f.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

export function PeoplePage() {
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setQuery(search), 250);
    return () => clearTimeout(t);
  }, [search]);
  const people = usePlatform(() => api.call('platform.people.list', { search: query || undefined, limit: 200 }), ['people', 'sync', 'groups', query]);
  const groups = usePlatform(() => api.call('platform.groups.list', {}), ['groups']);
  const act = useAction();
  const [editing, setEditing] = useState<string | null>(null);
  const groupNames = groups.data?.map((g) => g.name) ?? [];
  return (
    <div className="page platform-page">
      {(people.error || act.error) && (
        <div className="banner error" role="alert">
          {people.error ?? act.error}
        </div>
      )}
      <AddPerson groups={groupNames} />
      <section className="card" aria-label="People">
        <div className="section-head">
          <h2>
            People <span className="count">{people.data?.total ?? 0}</span>
          </h2>
          <input aria-label="Search people" type="search" placeholder="search id or name" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        {people.data && people.data.people.length === 0 ? (
          <p className="muted">
            {query ? `Nobody matches "${query}".` : 'No people yet. Add a person above, or import a CSV with a photo folder below.'}
          </p>
        ) : (
          <div className="table-wrap stack-wrap">
            <table className="compact-table">
              <thead>
                <tr>
                  <th />
                  <th>Person</th>
                  <th>Groups</th>
                  <th>Photo check</th>
                  <th>On the boxes</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {people.data?.people.map((p) => (
                  <Fragment key={p.id}>
                    <PersonRow p={p} act={act} editing={editing === p.id} onEdit={() => setEditing(editing === p.id ? null : p.id)} />
                    {editing === p.id && (
                      <tr className="editor-row">
                        <td colSpan={6} className="stack-full">
                          <PersonEditor
                            person={p}
                            groups={groupNames}
                            onClose={() => {
                              // back to the person's Edit button, not the top of the page
                              returnFocus(document.querySelector('tr.editor-row'), `tr[data-person="${CSS.escape(p.id)}"] button[aria-expanded]`);
                              setEditing(null);
                            }}
                          />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {people.data && !query && people.data.people.length < people.data.total && <p className="muted">Showing the first {people.data.people.length}; search to narrow down.</p>}
      </section>
      <ImportCsv />
    </div>
  );
}
