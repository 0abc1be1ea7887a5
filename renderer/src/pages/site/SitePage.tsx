// The Site page: this site's boxes (authorisation codes) with online/offline, last login, the
// bound MAC, broker state, groups and a sync summary; issue codes, enable/disable, release a
// MAC, assign groups, sync, wipe (with a confirmation).
import { useState, type FormEvent } from 'react';
import type { DeviceView, ResultsMode } from '../../../../electron/api/platform';
import { api } from '../../api';
import { useConfirmFocus } from '../../confirm-focus';
import { BoxName } from './BoxName';
import { ago, useAction, usePlatform } from './usePlatform';
import './platform.css';

const RESULTS: Record<ResultsMode, string> = {
  queue: 'upload queue (recommended)',
  notify: 'HTTP notify_path',
  none: 'none (one-way: sent, not confirmed)',
};

function SyncCell({ d }: { d: DeviceView }) {
  const s = d.sync;
  const parts = [`${s.enrolled ?? 0} of ${s.assigned ?? 0} enrolled`];
  if (s.pending) parts.push(`${s.pending} waiting`);
  if (s.failed) parts.push(`${s.failed} refused`);
  if (s.noanswer || s.unsent) parts.push(`${(s.noanswer ?? 0) + (s.unsent ?? 0)} to resend`);
  if (s.sent) parts.push(`${s.sent} sent`);
  if (s.held) parts.push(`${s.held} not sent (photo fails the check)`);
  if (s.removing) parts.push(`${s.removing} being removed (photo now fails the check)`);
  if (s.removed) parts.push(`${s.removed} removed until the photo is replaced`);
  return <span>{parts.join(' · ')}</span>;
}

/** Where boxes log in: the LoginUrl to give a box, one per address of this machine. */
function LoginUrls({ urls }: { urls: string[] }) {
  return (
    <div className="login-urls" aria-label="LoginUrl for the boxes">
      <span className="muted">LoginUrl for the boxes (the address the box reaches this computer on):</span>
      <ul>
        {urls.map((u) => (
          <li key={u} className="mono">
            {u}
            {u.startsWith('http://127.0.0.1:') ? <span className="muted"> (a virtual box on this computer)</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

function DeviceRow({ d, groups, act }: { d: DeviceView; groups: string[]; act: ReturnType<typeof useAction> }) {
  const [confirm, setConfirm] = useState<null | 'release' | 'wipe' | 'remove'>(null);
  const [wipeUsers, setWipeUsers] = useState(true);
  const [wipeEvents, setWipeEvents] = useState(false);
  const keys = useConfirmFocus<HTMLDivElement, 'release' | 'wipe' | 'remove'>(confirm, () => setConfirm(null));
  const free = groups.filter((g) => !d.groups.includes(g));
  return (
    <tr data-dev={d.devSno}>
      <td data-label="Box">
        <BoxName d={d} />
        <div className="mono muted">{d.devSno}</div>
      </td>
      <td data-label="State">
        <span className={`tag ${!d.enabled ? 'off' : d.online ? 'ok' : 'warn'}`}>{!d.enabled ? 'disabled' : d.online ? 'online' : 'offline'}</span>
        <div className="muted">login {ago(d.lastLoginAt)}</div>
        {d.lastLoginAddr && <div className="muted mono">{d.lastLoginAddr}</div>}
      </td>
      <td className="mono" data-label="MAC">
        {d.mac ?? <span className="muted">not bound</span>}
      </td>
      <td data-label="Broker">
        {d.brokerState === 'ready' ? (
          <span title="login ready: the box's broker login and queues exist, so it can connect; connected: it holds its broker connection now, so commands reach it">
            login ready · <span className={d.brokerConnected ? 'strong' : 'muted'}>{d.brokerConnected ? 'box connected' : 'box not connected'}</span>
          </span>
        ) : (
          <span className="error-text">
            {d.brokerState}
            {d.brokerError ? `: ${d.brokerError}` : ''}
          </span>
        )}
      </td>
      <td data-label="Groups">
        {d.groups.map((g) => (
          <span key={g} className="tag group-tag">
            {g}{' '}
            <button type="button" className="link-button" aria-label={`Remove group ${g} from ${d.name || d.devSno}`} onClick={() => void act.run(() => api.call('platform.devices.unassign', { devSno: d.devSno, group: g }))}>
              ×
            </button>
          </span>
        ))}
        {free.length > 0 && (
          <select
            aria-label={`Assign a group to ${d.name || d.devSno}`}
            value=""
            onChange={(e) => e.target.value && void act.run(() => api.call('platform.devices.assign', { devSno: d.devSno, group: e.target.value }))}
          >
            <option value="">+ group…</option>
            {free.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        )}
      </td>
      <td data-label="People">
        <SyncCell d={d} />
      </td>
      <td className="row-actions-cell stack-full">
        <div className="row-actions" ref={keys.ref} onKeyDown={keys.onKeyDown}>
          {confirm === null && (
            <>
              <button type="button" className="secondary small" onClick={() => void act.run(() => api.call('platform.sync', { devSno: d.devSno }))}>
                Sync
              </button>{' '}
              <button type="button" className="secondary small" onClick={() => void act.run(() => api.call('platform.devices.enable', { devSno: d.devSno, enabled: !d.enabled }))}>
                {d.enabled ? 'Disable' : 'Enable'}
              </button>{' '}
              {d.mac && (
                <button type="button" className="secondary small" data-opens="release" onClick={() => setConfirm('release')}>
                  Release MAC
                </button>
              )}{' '}
              <button type="button" className="secondary small" data-opens="wipe" onClick={() => setConfirm('wipe')}>
                Wipe…
              </button>{' '}
              <button type="button" className="secondary small" data-opens="remove" onClick={() => setConfirm('remove')}>
                Remove
              </button>
            </>
          )}
          {confirm === 'release' && (
            <span role="group" aria-label="Confirm release">
              Another box may then take this code.{' '}
              <button type="button" className="danger small" onClick={() => void act.run(() => api.call('platform.devices.release', { devSno: d.devSno })).then(() => setConfirm(null))}>
                Yes, release
              </button>{' '}
              <button type="button" className="secondary small" data-safe onClick={() => setConfirm(null)}>
                Keep
              </button>
            </span>
          )}
          {confirm === 'wipe' && (
            <span role="group" aria-label="Confirm wipe">
              <label>
                <input type="checkbox" checked={wipeUsers} onChange={(e) => setWipeUsers(e.target.checked)} /> enrolled people
              </label>{' '}
              <label>
                <input type="checkbox" checked={wipeEvents} onChange={(e) => setWipeEvents(e.target.checked)} /> events
              </label>{' '}
              <button
                type="button"
                className="danger small"
                disabled={!wipeUsers && !wipeEvents}
                onClick={() => void act.run(() => api.call('platform.wipe', { devSno: d.devSno, users: wipeUsers, events: wipeEvents })).then(() => setConfirm(null))}
              >
                Yes, wipe the box
              </button>{' '}
              <button type="button" className="secondary small" data-safe onClick={() => setConfirm(null)}>
                Cancel
              </button>
            </span>
          )}
          {confirm === 'remove' && (
            <span role="group" aria-label="Confirm remove">
              The code stops working and its broker user is deleted.{' '}
              <button type="button" className="danger small" onClick={() => void act.run(() => api.call('platform.devices.remove', { devSno: d.devSno })).then(() => setConfirm(null))}>
                Yes, remove
              </button>{' '}
              <button type="button" className="secondary small" data-safe onClick={() => setConfirm(null)}>
                Keep
              </button>
            </span>
          )}
        </div>
      </td>
    </tr>
  );
}

export function SitePage() {
  const status = usePlatform(() => api.call('platform.status', {}), ['devices', 'people', 'sync']);
  const devices = usePlatform(() => api.call('platform.devices.list', {}), ['devices', 'sync', 'groups', 'people']);
  const groups = usePlatform(() => api.call('platform.groups.list', {}), ['groups']);
  const act = useAction();
  const [name, setName] = useState('');
  const [issued, setIssued] = useState<DeviceView | null>(null);
  const [syncNote, setSyncNote] = useState<string | null>(null);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const d = await act.run(() => api.call('platform.devices.add', { name }));
    if (d) {
      // the list is read again before the code shows: the code never sits above "No boxes yet"
      // (the platform.changed event alone refreshes it only ~150 ms later, or not while the stream is down)
      await devices.reload();
      setIssued(d);
      setName('');
    }
  };
  const syncAll = async () => {
    const r = await act.run(() => api.call('platform.sync', {}));
    const names = new Map(devices.data?.map((d) => [d.devSno, d.name]) ?? []);
    if (r) setSyncNote(r.map((x) => `${names.get(x.devSno) || `${x.devSno.slice(0, 8)}…`}: ${x.added} to add, ${x.deleted} to delete${x.error ? ` — ${x.error}` : ''}`).join('; ') || 'No boxes to sync.');
  };
  const st = status.data;
  const err = status.error ?? devices.error;
  return (
    <div className="page platform-page">
      {err && (
        <div className="banner error" role="alert">
          {err}
        </div>
      )}
      {act.error && (
        <div className="banner error" role="alert">
          {act.error}
        </div>
      )}
      <section className="card" aria-label="This site">
        <div className="section-head">
          <div>
            <h2>This site</h2>
            {st && (
              <>
                <p className="muted">
                  Broker: {st.broker.kind === 'embedded' ? 'embedded' : 'external RabbitMQ'}, port {st.broker.port} · {st.people} people
                </p>
                <LoginUrls urls={st.loginUrls} />
              </>
            )}
          </div>
          <button type="button" className="primary" disabled={act.busy} onClick={() => void syncAll()}>
            Sync all boxes
          </button>
        </div>
        {st && (
          <label className="field">
            Results from the boxes{' '}
            <select value={st.resultsMode} onChange={(e) => void act.run(() => api.call('platform.settings', { resultsMode: e.target.value as ResultsMode })).then(() => status.reload())}>
              {(Object.keys(RESULTS) as ResultsMode[]).map((m) => (
                <option key={m} value={m}>
                  {RESULTS[m]}
                </option>
              ))}
            </select>
          </label>
        )}
        {syncNote && <p role="status">{syncNote}</p>}
      </section>
      <section className="card" aria-label="Devices">
        <div className="section-head">
          <h2>
            Devices <span className="count">{devices.data?.length ?? 0}</span>
          </h2>
          <form onSubmit={(e) => void add(e)} className="inline-form">
            <input aria-label="Name of the new box" placeholder="name (e.g. front gate)" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
            <button type="submit" className="primary" disabled={act.busy}>
              Issue a code
            </button>
          </form>
        </div>
        {issued && (
          <p className="banner ok" role="status">
            New authorisation code for {issued.name || 'the box'}: <span className="mono strong">{issued.devSno}</span> — set it as the box's DevSno on the Boxes page, with
            LoginUrl <span className="mono">{st?.loginUrls[0] ?? 'one of the addresses above'}</span>
            {st && st.loginUrls.length > 1 ? ' (or another address above the box can reach)' : ''}.
          </p>
        )}
        {devices.data && devices.data.length === 0 ? (
          <p className="muted">No boxes yet. Issue a code, or commission boxes from the Boxes page.</p>
        ) : (
          <div className="table-wrap stack-wrap">
            <table className="compact-table devices-table">
              <thead>
                <tr>
                  <th>Box</th>
                  <th>State</th>
                  <th>MAC</th>
                  <th>Broker</th>
                  <th>Groups</th>
                  <th>People</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {devices.data?.map((d) => (
                  <DeviceRow key={d.devSno} d={d} groups={groups.data?.map((g) => g.name) ?? []} act={act} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
