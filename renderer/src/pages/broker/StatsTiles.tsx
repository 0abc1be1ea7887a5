// The broker's totals and rates at a glance.
import type { BrokerStats } from '../../../../electron/api/broker';
import { bytes, count, plural, rate } from './format';

export function StatsTiles({ stats }: { stats: BrokerStats }) {
  const t = stats.totals;
  const tiles: Array<{ label: string; value: string; sub?: string; id: string }> = [
    { id: 'connections', label: 'Connections', value: count(stats.connections.length), sub: plural(stats.channels.length, 'channel') },
    { id: 'queues', label: 'Queues', value: count(stats.queues.length), sub: plural(stats.queues.reduce((n, q) => n + q.consumers, 0), 'consumer') },
    { id: 'ready', label: 'Ready', value: count(t.messagesReady), sub: `${count(t.messagesUnacked)} unacked` },
    { id: 'publish', label: 'Publish', value: `${rate(t.publishRate)}/s`, sub: `${count(t.published)} in total` },
    { id: 'deliver', label: 'Deliver', value: `${rate(t.deliverRate)}/s`, sub: `${count(t.delivered)} in total` },
    { id: 'ack', label: 'Ack', value: `${rate(t.ackRate)}/s`, sub: `${count(t.acked)} in total` },
    { id: 'memory', label: 'Memory', value: bytes(t.memoryBytes), sub: 'message bodies' },
  ];
  return (
    <section className="broker-tiles" aria-label="Totals">
      {tiles.map((x) => (
        <div className="tile" key={x.id} data-tile={x.id}>
          <span className="tile-label">{x.label}</span>
          <span className="tile-value">{x.value}</span>
          {x.sub && <span className="tile-sub">{x.sub}</span>}
        </div>
      ))}
    </section>
  );
}
