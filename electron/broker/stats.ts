// Broker statistics for the UI's Broker panel: connections, channels, queues, rates.
import type { Connection } from './connection';
import type { RefusedLogin } from './core';
import type { Queue } from './queue';
import type { Vhost } from './vhost';

export interface ConnectionStats {
  id: number;
  peer: string; // "address:port" of the client
  user: string;
  vhost: string;
  tls: boolean;
  state: string;
  channels: number;
  connectedAt: number; // epoch ms
  clientProduct: string | null;
  /** The connection name the client set (client property connection_name), if any. */
  connectionName: string | null;
  heartbeat: number; // seconds, 0 = off
  blocked: boolean;
  published: number;
  delivered: number;
}

export interface ChannelStats {
  connection: number; // ConnectionStats.id
  number: number;
  consumers: number;
  unacked: number;
  prefetch: number;
  globalPrefetch: number;
  confirm: boolean;
}

export interface QueueStats {
  vhost: string;
  name: string;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  messages: number; // ready
  unacked: number;
  consumers: number;
  publishRate: number; // msg/s, last sample window
  deliverRate: number;
  diskBytes: number; // size of its log segments
}

export interface BrokerStats {
  at: number; // epoch ms
  uptimeMs: number;
  port: number;
  tlsPort: number | null;
  blocked: string | null;
  vhosts: string[];
  users: string[];
  connections: ConnectionStats[];
  channels: ChannelStats[];
  queues: QueueStats[];
  /** Recent refused logins (newest last, at most 50): peer, user, reason. */
  refusedLogins: RefusedLogin[];
  totals: {
    published: number;
    delivered: number;
    acked: number;
    publishRate: number; // msg/s
    deliverRate: number;
    ackRate: number;
    messagesReady: number;
    messagesUnacked: number;
    memoryBytes: number; // message bodies held in memory
  };
}

export interface StatsSource {
  readonly startedAt: number;
  readonly port: number;
  readonly tlsPort: number | null;
  readonly blockedReason: string | null;
  readonly connections: Set<Connection>;
  readonly vhosts: Map<string, Vhost>;
  readonly users: Map<string, unknown>;
  readonly memory: { bytes: number };
  readonly retired: { published: number; delivered: number; acked: number };
  readonly rates: RateSampler;
  refusedLogins(): RefusedLogin[];
}

function totals(src: StatsSource): { published: number; delivered: number; acked: number } {
  const t = { ...src.retired };
  for (const c of src.connections) {
    t.published += c.counters.published;
    t.delivered += c.counters.delivered;
    t.acked += c.counters.acked;
  }
  return t;
}

/** Per-second rates from counter differences between samples (taken once a second). */
export class RateSampler {
  private last: { at: number; published: number; delivered: number; acked: number } | null = null;
  private lastQueue = new WeakMap<Queue, { p: number; d: number }>();
  rates = { publish: 0, deliver: 0, ack: 0 };
  queueRates = new WeakMap<Queue, { publish: number; deliver: number }>();

  sample(src: StatsSource): void {
    const now = Date.now();
    const t = totals(src);
    if (this.last) {
      const dt = Math.max(0.001, (now - this.last.at) / 1000);
      this.rates = {
        publish: (t.published - this.last.published) / dt,
        deliver: (t.delivered - this.last.delivered) / dt,
        ack: (t.acked - this.last.acked) / dt,
      };
      for (const vh of src.vhosts.values()) {
        for (const q of vh.queues.values()) {
          const prev = this.lastQueue.get(q);
          if (prev) this.queueRates.set(q, { publish: (q.publishCount - prev.p) / dt, deliver: (q.deliverCount - prev.d) / dt });
        }
      }
    }
    for (const vh of src.vhosts.values()) for (const q of vh.queues.values()) this.lastQueue.set(q, { p: q.publishCount, d: q.deliverCount });
    this.last = { at: now, ...t };
  }
}

export function collectStats(src: StatsSource): BrokerStats {
  const connections: ConnectionStats[] = [];
  const channels: ChannelStats[] = [];
  for (const c of src.connections) {
    connections.push({
      id: c.id,
      peer: c.peer,
      user: c.user,
      vhost: c.vhostName,
      tls: c.tls,
      state: c.state,
      channels: c.channels.size,
      connectedAt: c.connectedAt,
      clientProduct: typeof c.clientProperties.product === 'string' ? c.clientProperties.product : null,
      connectionName: typeof c.clientProperties.connection_name === 'string' ? c.clientProperties.connection_name : null,
      heartbeat: c.heartbeat,
      blocked: c.blockedNotified,
      published: c.counters.published,
      delivered: c.counters.delivered,
    });
    for (const ch of c.channels.values()) {
      channels.push({
        connection: c.id,
        number: ch.number,
        consumers: ch.consumers.size,
        unacked: ch.unacked.size,
        prefetch: ch.prefetch,
        globalPrefetch: ch.globalPrefetch,
        confirm: ch.confirm,
      });
    }
  }
  const queues: QueueStats[] = [];
  let ready = 0;
  let unacked = 0;
  for (const vh of src.vhosts.values()) {
    for (const q of vh.queues.values()) {
      const r = src.rates.queueRates.get(q);
      ready += q.messageCount;
      unacked += q.unacked.size;
      queues.push({
        vhost: vh.name,
        name: q.name,
        durable: q.durable,
        exclusive: q.opts.exclusiveOwner !== null,
        autoDelete: q.opts.autoDelete,
        messages: q.messageCount,
        unacked: q.unacked.size,
        consumers: q.consumers.length,
        publishRate: r?.publish ?? 0,
        deliverRate: r?.deliver ?? 0,
        diskBytes: q.diskBytes(),
      });
    }
  }
  const t = totals(src);
  return {
    at: Date.now(),
    uptimeMs: Date.now() - src.startedAt,
    port: src.port,
    tlsPort: src.tlsPort,
    blocked: src.blockedReason,
    vhosts: [...src.vhosts.keys()],
    users: [...src.users.keys()],
    connections,
    channels,
    queues,
    refusedLogins: src.refusedLogins(),
    totals: {
      ...t,
      publishRate: src.rates.rates.publish,
      deliverRate: src.rates.rates.deliver,
      ackRate: src.rates.rates.ack,
      messagesReady: ready,
      messagesUnacked: unacked,
      memoryBytes: src.memory.bytes,
    },
  };
}
