// The Devices page: the alerts (a box that missed three status periods), then every box with
// online/offline, last seen, CPU/memory/disk charts (uPlot) and its capture devices — all kept
// current by the pushed events.devices.status / events.alerts.changed.
import { useEffect, useState } from 'react';
import { ago } from '../site/usePlatform';
import { clock } from '../../time-format';
import { alertWords } from './alert-words';
import { DeviceCard } from './DeviceCard';
import { useAlerts } from './useAlerts';
import { useDeviceStatus } from './useDeviceStatus';
import '../site/platform.css';
import './devices.css';

/** Re-renders every few seconds so "last seen … ago" stays true between reports. */
function useTick(ms: number): void {
  const [, setN] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setN((n) => n + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
}

function AlertText({ message, name, devSno }: { message: string; name: string; devSno: string }) {
  const { who, rest } = alertWords(message, name, devSno);
  return (
    <>
      <span className="strong">{who}</span>
      {rest.startsWith(':') ? rest : ` ${rest}`}
    </>
  );
}

export function DevicesPage() {
  useTick(5000);
  const status = useDeviceStatus();
  const alerts = useAlerts(50);
  const names = new Map((status.devices ?? []).map((d) => [d.devSno, d.name || d.devSno]));
  const active = (alerts.alerts ?? []).filter((a) => a.active);
  const cleared = (alerts.alerts ?? []).filter((a) => !a.active).slice(0, 5);
  const err = status.error ?? alerts.error;
  const online = (status.devices ?? []).filter((d) => d.online).length;
  return (
    <div className="page platform-page devices-page">
      {err && (
        <div className="banner error" role="alert">
          {err}
        </div>
      )}
      <section className="card" aria-label="Alerts">
        <div className="section-head">
          <h2>
            Alerts <span className={`count${active.length ? ' alert-count' : ''}`}>{active.length}</span>
          </h2>
          {status.devices && (
            <p className="muted">
              {online} of {status.devices.length} boxes online
            </p>
          )}
        </div>
        {active.length === 0 ? (
          <p className="muted">No active alerts.</p>
        ) : (
          <ul className="alert-list">
            {active.map((a) => (
              <li key={a.id} className="banner error" data-alert={a.kind} data-dev={a.devSno}>
                <AlertText message={a.message} name={names.get(a.devSno) ?? ''} devSno={a.devSno} /> <span className="muted">— since {ago(a.raisedAt)}</span>
              </li>
            ))}
          </ul>
        )}
        {cleared.length > 0 && (
          <details className="cleared-alerts">
            <summary>Recently cleared ({cleared.length})</summary>
            <ul>
              {cleared.map((a) => (
                <li key={a.id}>
                  <AlertText message={a.message} name={names.get(a.devSno) ?? ''} devSno={a.devSno} /> <span className="muted">— {clock(a.raisedAt)} to {a.clearedAt ? clock(a.clearedAt) : '?'}</span>
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>
      {status.devices && status.devices.length === 0 && (
        <section className="card">
          <p className="muted">No boxes on this site yet. Issue a code on the Site page, or commission boxes from the Boxes page.</p>
        </section>
      )}
      {status.devices?.map((d) => (
        <DeviceCard key={d.devSno} d={d} />
      ))}
    </div>
  );
}
