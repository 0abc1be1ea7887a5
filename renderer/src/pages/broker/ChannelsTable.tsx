// Channels of every connection: consumers, unacked deliveries, prefetch, confirm mode.
import type { ChannelStats, ConnectionStats } from '../../../../electron/api/broker';
import { count } from './format';
import { TableCard } from './TableCard';

export function ChannelsTable({ channels, connections }: { channels: ChannelStats[]; connections: ConnectionStats[] }) {
  const peer = new Map(connections.map((c) => [c.id, `${c.peer} (${c.user})`]));
  return (
    <TableCard
      title="Channels"
      count={channels.length}
      empty="No open channels."
      head={
        <>
          <th>Connection</th>
          <th className="num">Channel</th>
          <th className="num">Consumers</th>
          <th className="num">Unacked</th>
          <th className="num">Prefetch</th>
          <th>Mode</th>
        </>
      }
    >
      {channels.map((ch) => (
        <tr key={`${ch.connection}:${ch.number}`} data-channel={`${ch.connection}:${ch.number}`}>
          <td className="mono" data-col="connection" data-label="Connection">
            {peer.get(ch.connection) ?? `#${ch.connection}`}
          </td>
          <td className="num" data-col="number" data-label="Channel">
            {ch.number}
          </td>
          <td className="num" data-col="consumers" data-label="Consumers">
            {count(ch.consumers)}
          </td>
          <td className="num" data-col="unacked" data-label="Unacked">
            {count(ch.unacked)}
          </td>
          <td className="num" data-col="prefetch" data-label="Prefetch">
            {ch.prefetch === 0 ? <span className="muted">unlimited</span> : count(ch.prefetch)}
            {ch.globalPrefetch > 0 && <span className="muted"> · {count(ch.globalPrefetch)} shared</span>}
          </td>
          <td data-col="mode" data-label="Mode">{ch.confirm ? <span className="tag agent">confirm</span> : <span className="muted">plain</span>}</td>
        </tr>
      ))}
    </TableCard>
  );
}
