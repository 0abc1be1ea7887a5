// One box on the Devices page: online/offline and last seen, CPU/memory/disk over time as small
// charts, and its capture devices.
import { useMemo } from 'react';
import type { DeviceStatusView, MetricPoint } from '../../../../electron/api/events';
import { MetricChart } from '../../components/MetricChart';
import { ago } from '../site/usePlatform';
import { useMetrics } from './useMetrics';

const EP_TYPES: Record<string, string> = { '0': 'gate', '1': 'snapshot camera', '2': 'IPC (static)', '3': 'IPC (dynamic)', '4': 'door access' };

function series(points: MetricPoint[]) {
  const times = points.map((p) => p.at);
  const cpu = points.map((p) => p.cpuUsage);
  const mem = points.map((p) => (p.memoryUsage === null ? null : p.memoryUsage * 100));
  const disk = points.map((p) => (p.diskSize && p.diskFreeSize !== null ? ((p.diskSize - p.diskFreeSize) / p.diskSize) * 100 : null));
  return { times, cpu, mem, disk };
}

export function DeviceCard({ d }: { d: DeviceStatusView }) {
  const m = useMetrics(d.devSno, d.latest);
  const s = useMemo(() => series(m.points), [m.points]);
  const l = d.latest;
  const title = d.name || d.devSno;
  return (
    <section className="card device-card" aria-label={`Box ${title}`} data-dev={d.devSno}>
      <div className="section-head">
        <div>
          <h2>
            {title} <span className={`tag ${d.online ? 'ok' : 'bad'}`}>{d.online ? 'online' : 'offline'}</span>
            {d.activeAlerts > 0 && <span className="tag bad">{d.activeAlerts === 1 ? '1 alert' : `${d.activeAlerts} alerts`}</span>}
          </h2>
          <p className="muted">
            <span className="mono">{d.devSno}</span> · last seen {ago(d.lastSeenAt)} · status {d.lastStatusAt ? ago(d.lastStatusAt) : 'never reported'} (every {d.periodS} s)
          </p>
          <p className="muted">
            {[d.gatewayIp, d.mac, d.swVersion && `agent ${d.swVersion}`, d.sdkVersion && `SDK ${d.sdkVersion}`].filter(Boolean).join(' · ') || 'No status report yet.'}
          </p>
        </div>
      </div>
      {m.error && <p className="error-text">Cannot read the history: {m.error}</p>}
      {m.points.length > 0 ? (
        <div className="device-charts">
          <MetricChart label="CPU" unit="%" max={100} times={s.times} values={s.cpu} />
          <MetricChart label={`Memory${l?.memorySize ? ` of ${l.memorySize.toFixed(1)} GB` : ''}`} unit="%" max={100} times={s.times} values={s.mem} color="#7c3aed" />
          <MetricChart label={`Disk${l?.diskSize ? ` of ${l.diskSize.toFixed(1)} GB` : ''}`} unit="%" max={100} times={s.times} values={s.disk} color="#0f766e" />
        </div>
      ) : (
        <p className="muted">No CPU, memory or disk figures yet: they come with the box's status reports.</p>
      )}
      <h3 className="sub-head">
        Capture devices <span className="count">{d.captureDevices.length}</span>
      </h3>
      {d.captureDevices.length === 0 ? (
        <p className="muted">None reported.</p>
      ) : (
        <div className="table-wrap flush">
          <table className="boxes compact">
            <thead>
              <tr>
                <th>Name</th>
                <th>Address</th>
                <th>Type</th>
                <th>State</th>
                <th>Location</th>
              </tr>
            </thead>
            <tbody>
              {d.captureDevices.map((c) => (
                <tr key={c.epId} data-ep={c.epId}>
                  <td>{c.name || <span className="muted">(no name)</span>}</td>
                  <td className="mono ellipsis" title={c.streamUrl || c.epId}>
                    {c.epIp}
                  </td>
                  <td>
                    {EP_TYPES[c.type] ?? `type ${c.type}`}
                    {c.direction === 0 ? ' · in' : c.direction === 1 ? ' · out' : ''}
                  </td>
                  <td>
                    <span className={`tag ${c.status === 'online' ? 'ok' : c.status === 'offline' ? 'bad' : 'off'}`}>{c.status}</span>
                  </td>
                  <td title={c.location}>
                    {c.location || <span className="muted">—</span>}
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
