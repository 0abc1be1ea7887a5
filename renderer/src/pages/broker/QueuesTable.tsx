// Queues: depth (ready/unacked), consumers, publish/deliver rates, bytes on disk.
import type { QueueStats } from '../../../../electron/api/broker';
import { bytes, count, rate, vhostLabel } from './format';
import { Dotted } from './Dotted';
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
      stackCols={4}
      head={
        <>
          <th>Vhost</th>
          <th>Name</th>
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
          <td className="mono" data-col="vhost" data-label="Vhost">
            <Dotted text={vhostLabel(q.vhost)} />
          </td>
          <td className="stack-full stack-first" data-col="name" data-label="Name">
            <span className="queue-name">
              <Dotted text={q.name} />
            </span>
            <span className="queue-flags">
              {flags(q).map((f) => (
                <span key={f} className="tag source">
                  {f}
                </span>
              ))}
            </span>
          </td>
          <td className="num strong" data-col="ready" data-label="Ready">
            {count(q.messages)}
          </td>
          <td className="num" data-col="unacked" data-label="Unacked">
            {count(q.unacked)}
          </td>
          <td className="num" data-col="consumers" data-label="Consumers">
            {count(q.consumers)}
          </td>
          <td className="num" data-col="publish-rate" data-label="Publish /s">
            {rate(q.publishRate)}
          </td>
          <td className="num" data-col="deliver-rate" data-label="Deliver /s">
            {rate(q.deliverRate)}
          </td>
          <td className="num" data-col="disk" data-label="On disk">
            {bytes(q.diskBytes)}
          </td>
        </tr>
      ))}
    </TableCard>
  );
}
