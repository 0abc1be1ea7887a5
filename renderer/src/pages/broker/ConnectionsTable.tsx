// Client connections: who (peer, user, vhost, the connection name the client set, else its
// product), how many channels, traffic.
import type { ConnectionStats } from '../../../../electron/api/broker';
import { count, duration, vhostLabel } from './format';
import { Dotted } from './Dotted';
import { TableCard } from './TableCard';

export function ConnectionsTable({ connections, at }: { connections: ConnectionStats[]; at: number }) {
  return (
    <TableCard
      title="Connections"
      count={connections.length}
      empty="No box or app is connected."
      stackCols={4}
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
          <td className="mono" data-col="peer" data-label="Peer">
            {c.peer}
            {c.tls && <span className="tag okay">TLS</span>}
            {c.blocked && <span className="tag warn-tag">blocked</span>}
          </td>
          <td data-col="user" data-label="User">{c.user}</td>
          <td className="mono" data-col="vhost" data-label="Vhost">
            <Dotted text={vhostLabel(c.vhost)} />
          </td>
          <td className="num" data-col="channels" data-label="Channels">
            {count(c.channels)}
          </td>
          <td data-col="client" data-label="Client">
            <span className="client-product" title={[c.connectionName, c.clientProduct].filter(Boolean).join(' — ')}>
              {c.connectionName ?? (c.clientProduct ? <span className="muted">{c.clientProduct}</span> : <span className="muted">unnamed</span>)}
            </span>
          </td>
          <td className="num" data-col="published" data-label="Published">
            {count(c.published)}
          </td>
          <td className="num" data-col="delivered" data-label="Delivered">
            {count(c.delivered)}
          </td>
          <td className="nowrap muted" data-col="since" data-label="Connected">
            {at - c.connectedAt < 5000 ? 'just now' : `${duration(at - c.connectedAt)} ago`}
          </td>
        </tr>
      ))}
    </TableCard>
  );
}
