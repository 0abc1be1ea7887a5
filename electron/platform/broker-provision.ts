// Broker provisioning behind one small interface: per dev_sno a broker user with a random
// password, its command queue + FIQA down queue (shared command vhost, its own exchange) and
// its upload (results) + FIQA up queues (its own upload vhost), with permissions that let the
// box read only its own queues and write only its own upload queues. Two implementations:
// the embedded broker (broker-embedded.ts) and an external RabbitMQ through its management
// HTTP API (broker-rabbitmq.ts). Exchanges, queues and bindings are declared over AMQP with the
// platform's own credentials, the same for both (declareBoxResources).
import amqp from 'amqplib';
import { boxBrokerNames, type BoxBrokerNames } from './names';

export interface BrokerProvisioner {
  readonly kind: 'embedded' | 'external';
  /** Makes sure the broker runs and the platform's own user exists. */
  start(): Promise<void>;
  /** Creates or updates the box's user, vhosts and permissions (idempotent). */
  ensureBox(devSno: string, password: string): Promise<void>;
  /** Removes the box's user and its upload vhost (idempotent). */
  removeBox(devSno: string): Promise<void>;
  /** amqp:// URL with which the platform itself connects to `vhost`. */
  platformUrl(vhost: string): string;
  /** Where boxes connect: `host` null means the address the box reached the platform on. */
  boxEndpoint(): { host: string | null; port: number };
  /** The box's command queue: consumers (its broker channel is up when > 0) and messages not yet acknowledged (ready + unacked); null when unknown. */
  queueInfo(devSno: string): Promise<{ consumers: number; depth: number } | null>;
  close(): Promise<void>;
}

/** The exchange a box's commands travel through (the login's `exchange` object, byte-exact). */
export function exchangeSpec(n: BoxBrokerNames) {
  return { name: n.exchange, type: 'topic', passive: false, durable: true, auto_delete: false, arguments: null };
}

/** Declares the box's exchange, queues and binding (routing key = queue name, §2). */
export async function declareBoxResources(p: BrokerProvisioner, devSno: string): Promise<void> {
  const n = boxBrokerNames(devSno);
  for (const [vhost, queues] of [
    [n.vhost, [n.queue, n.fiqaDownQueue]],
    [n.uploadVhost, [n.uploadQueue, n.fiqaUploadQueue]],
  ] as const) {
    const conn = await amqp.connect(p.platformUrl(vhost), { timeout: 10_000 });
    try {
      const ch = await conn.createChannel();
      for (const q of queues) await ch.assertQueue(q, { durable: true, autoDelete: false, exclusive: false });
      if (vhost === n.vhost) {
        await ch.assertExchange(n.exchange, 'topic', { durable: true, autoDelete: false, internal: false });
        await ch.bindQueue(n.queue, n.exchange, n.queue);
      }
      await ch.close();
    } finally {
      await conn.close().catch(() => undefined);
    }
  }
}

export function amqpUrl(o: { user: string; password: string; host: string; port: number; vhost: string }): string {
  const h = o.host.includes(':') ? `[${o.host}]` : o.host;
  return `amqp://${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@${h}:${o.port}/${encodeURIComponent(o.vhost)}?heartbeat=30`;
}
