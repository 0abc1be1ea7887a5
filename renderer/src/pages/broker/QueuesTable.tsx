// Queues: depth (ready/unacked), consumers, publish/deliver rates, bytes on disk.
import type { QueueStats } from '../../../../electron/api/broker';
import { bytes, count, rate, vhostLabel } from './format';
import { TableCard } from './TableCard';

function flags(q: QueueStats): string[] {
  const f: string[] = [];
  if (q.durable) f.push('durable');
  if (q.exclusive) f.push('exclusive');
  if (q.autoDelete) f.push('auto-delete');
  return f;
}

export function QueuesTable({ queues }: { queues: QueueStats[] }) {
  const rows = [...queues].sort((a, b) => a.vhost.localeCompare(b.vhost) || a.name.localeCompare(b.name));
  return (
    <TableCard
      title="Queues"
      count={rows.length}
      empty="No queues yet. They appear when a box or app declares one."
      tableClass="queues-table"
      head={
        <>
          <th className="col-vhost">Vhost</th>
          <th className="col-name">Name</th>
          <th className="num">Ready</th>
          <th className="num">Unacked</th>
          <th className="num">Consumers</th>
          <th className="num">Publish /s</th>
          <th className="num">Deliver /s</th>
          <th className="num">On disk</th>
        </>
      }
    >
      {rows.map((q) => (
        <tr key={`${q.vhost}\u0000${q.name}`} data-queue={q.name}>
          <td className="mono" data-col="vhost">
            {vhostLabel(q.vhost)}
          </td>
          <td data-col="name">
            <span className="queue-name ellipsis" title={q.name}>
              {q.name}
            </span>
            <span className="queue-flags">
              {flags(q).map((f) => (
                <span key={f} className="tag source">
                  {f}
                </span>
              ))}
            </span>
          </td>
          <td className="num strong" data-col="ready">
            {count(q.messages)}
          </td>
          <td className="num" data-col="unacked">
            {count(q.unacked)}
          </td>
          <td className="num" data-col="consumers">
            {count(q.consumers)}
          </td>
          <td className="num" data-col="publish-rate">
            {rate(q.publishRate)}
          </td>
          <td className="num" data-col="deliver-rate">
            {rate(q.deliverRate)}
          </td>
          <td className="num" data-col="disk">
            {bytes(q.diskBytes)}
          </td>
        </tr>
      ))}
    </TableCard>
  );
}
