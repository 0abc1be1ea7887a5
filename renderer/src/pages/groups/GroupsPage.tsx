// The Groups page: permission groups with their member and box counts; add, rename, delete
// (with a confirmation: the members leave the boxes the group was assigned to). Each shows its
// permission id: what the boxes hold (a capture device's permission_ids, a recognised person's
// group in their events), as `se3kit platform groups list` shows it. Rows stack below 900 px.
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useAction, usePlatform } from '../site/usePlatform';
import '../site/platform.css';

function GroupRow({ g, act }: { g: { id: number; name: string; members: number; devices: number }; act: ReturnType<typeof useAction> }) {
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [to, setTo] = useState(g.name);
  return (
    <tr data-group={g.name}>
      <td data-label="Group" className="stack-first">
        {mode === 'rename' ? (
          <form
            className="rename-form"
            onSubmit={(e) => {
              e.preventDefault();
              void act.run(() => api.call('platform.groups.rename', { name: g.name, to: to.trim() })).then((r) => r && setMode('view'));
            }}
          >
            <input aria-label={`New name for ${g.name}`} value={to} onChange={(e) => setTo(e.target.value)} maxLength={64} />
            <button type="submit" className="primary small">
              Save
            </button>
            <button type="button" className="secondary small" onClick={() => setMode('view')}>
              Cancel
            </button>
          </form>
        ) : (
          <span className="strong">{g.name}</span>
        )}
      </td>
      <td data-label="Permission id" className="mono" data-permission-id={g.id}>
        {g.id}
      </td>
      <td data-label="People">{g.members}</td>
      <td data-label="Boxes">{g.devices}</td>
      <td className="stack-full">
        <div className="row-actions">
          {mode === 'view' && (
            <>
              <button type="button" className="secondary small" onClick={() => setMode('rename')}>
                Rename
              </button>{' '}
              <button type="button" className="secondary small" onClick={() => setMode('delete')}>
                Delete
              </button>
            </>
          )}
          {mode === 'delete' && (
            <>
              {g.members > 0 && g.devices > 0 ? `${g.members} people leave ${g.devices} boxes. ` : ''}
              <button type="button" className="danger small" onClick={() => void act.run(() => api.call('platform.groups.delete', { name: g.name }))}>
                Yes, delete
              </button>{' '}
              <button type="button" className="secondary small" onClick={() => setMode('view')}>
                Keep
              </button>
            </>
          )}
        </div>
      </td>
    </tr>
  );
}

export function GroupsPage() {
  const groups = usePlatform(() => api.call('platform.groups.list', {}), ['groups', 'people', 'devices']);
  const act = useAction();
  const [name, setName] = useState('');
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await act.run(() => api.call('platform.groups.add', { name: name.trim() }))) setName('');
  };
  return (
    <div className="page platform-page">
      {(groups.error || act.error) && (
        <div className="banner error" role="alert">
          {groups.error ?? act.error}
        </div>
      )}
      <section className="card" aria-label="Groups">
        <div className="section-head">
          <h2>
            Permission groups <span className="count">{groups.data?.length ?? 0}</span>
          </h2>
          <form className="inline-form" onSubmit={(e) => void add(e)}>
            <input aria-label="New group name" placeholder="group name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} required />
            <button type="submit" className="primary" disabled={act.busy}>
              Add group
            </button>
          </form>
        </div>
        <p className="muted table-note">A box holds the members of the groups assigned to it (Site page). A person's groups are sent to the box as its permission ids (the Permission id column; a capture device's permission_ids names them).</p>
        {groups.data && groups.data.length === 0 ? (
          <p className="muted">No groups yet. Add one (e.g. staff), assign it to a box on the Site page, then tick it for people on the People page.</p>
        ) : (
          <div className="table-wrap stack-wrap">
            <table className="compact-table">
              <thead>
                <tr>
                  <th>Group</th>
                  <th>Permission id</th>
                  <th>People</th>
                  <th>Boxes</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {groups.data?.map((g) => (
                  <GroupRow key={g.name} g={g} act={act} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
