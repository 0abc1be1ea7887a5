// Client connections: who (peer, user, vhost, the connection name the client set, else its
// product), how many channels, traffic.
import type { ConnectionStats } from '../../../../electron/api/broker';
import { count, duration, vhostLabel } from './format';
import { TableCard } from './TableCard';

export function ConnectionsTable({ connections, at }: { connections: ConnectionStats[]; at: number }) {
  return (
    <TableCard
      title="Connections"
      count={connections.length}
      empty="No box or app is connected."
      head={
        <>
          <th>Peer</th>
          <th>User</th>
          <th>Vhost</th>
          <th className="num">Channels</th>
          <th>Client</th>
          <th className="num">Published</th>
          <th className="num">Delivered</th>
          <th>Connected</th>
        </>
      }
    >
      {connections.map((c) => (
        <tr key={c.id} data-connection={c.id}>
          <td className="mono" data-col="peer">
            {c.peer}
            {c.tls && <span className="tag okay">TLS</span>}
            {c.blocked && <span className="tag warn-tag">blocked</span>}
          </td>
          <td data-col="user">{c.user}</td>
          <td className="mono" data-col="vhost">
            {vhostLabel(c.vhost)}
          </td>
          <td className="num" data-col="channels">
            {count(c.channels)}
          </td>
          <td data-col="client">
            <span className="ellipsis client-product" title={[c.connectionName, c.clientProduct].filter(Boolean).join(' — ')}>
              {c.connectionName ?? (c.clientProduct ? <span className="muted">{c.clientProduct}</span> : <span className="muted">unnamed</span>)}
            </span>
          </td>
          <td className="num" data-col="published">
            {count(c.published)}
          </td>
          <td className="num" data-col="delivered">
            {count(c.delivered)}
          </td>
          <td className="nowrap muted" data-col="since">
            {at - c.connectedAt < 5000 ? 'just now' : `${duration(at - c.connectedAt)} ago`}
          </td>
        </tr>
      ))}
    </TableCard>
  );
}
