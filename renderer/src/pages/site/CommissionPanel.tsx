// "Add to this site" for the boxes ticked on the Boxes page: one action issues a code per box,
// sets DevSno and LoginUrl, and shows each box until it has logged in with its broker channel
// up — a progress row per box, with the plain reason when it does not get there.
import { useEffect, useState } from 'react';
import type { CommissionProgress } from '../../../../electron/api/platform';
import { api } from '../../api';
import './platform.css';

const STEP: Record<CommissionProgress['step'], string> = {
  contacting: 'Contacting the box…',
  configuring: 'Setting DevSno and LoginUrl…',
  'logging-in': 'Waiting for the box to log in…',
  broker: 'Logged in; waiting for its broker channel…',
  done: 'On this site',
  failed: 'Failed',
};
const ORDER = ['contacting', 'configuring', 'logging-in', 'broker', 'done'];

export function CommissionPanel({ hosts }: { hosts: string[] }) {
  const [rows, setRows] = useState<Map<string, CommissionProgress>>(new Map());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(
    () =>
      api.on('platform.commission', (p) =>
        setRows((prev) => {
          if (!prev.has(p.host)) return prev;
          const next = new Map(prev);
          next.set(p.host, p);
          return next;
        }),
      ),
    [],
  );
  const start = async () => {
    setError(null);
    setBusy(true);
    setRows(new Map(hosts.map((h) => [h, { host: h, step: 'contacting', devSno: null, loginUrl: null, done: false, ok: false, message: 'queued' }])));
    try {
      const results = await api.call('platform.commission', { hosts });
      setRows(new Map(results.map((r) => [r.host, r])));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card platform-page" aria-label="Add to this site">
      <div className="section-head">
        <div>
          <h2>Add to this site</h2>
          <p className="muted">Gives each ticked box an authorisation code of this site and points it at this computer, then waits until it is connected.</p>
        </div>
        <button type="button" className="primary" disabled={busy || hosts.length === 0} onClick={() => void start()}>
          {busy ? 'Adding…' : `Add to this site${hosts.length ? ` (${hosts.length})` : ''}`}
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {rows.size > 0 && (
        <div className="table-wrap">
          <table className="compact-table">
            <tbody>
              {[...rows.values()].map((r) => (
                <tr key={r.host} data-commission={r.host}>
                  <td className="mono">{r.host}</td>
                  <td style={{ width: '30%' }}>
                    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={4} aria-valuenow={r.done ? 4 : ORDER.indexOf(r.step)} aria-label={`Progress of ${r.host}`}>
                      <div className="progress-fill" style={{ width: `${r.done ? 100 : (ORDER.indexOf(r.step) / 4) * 100}%` }} />
                    </div>
                  </td>
                  <td>
                    <span className={`tag ${r.done ? (r.ok ? 'ok' : 'bad') : 'warn'}`}>{r.done && !r.ok ? STEP.failed : STEP[r.step]}</span> {r.done && !r.ok ? r.message : ''}
                    {r.devSno && <div className="mono muted">{r.devSno}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
