// Broker provisioning behind one small interface: per dev_sno a broker user with a random
// password, its command queue + FIQA down queue (shared command vhost, its own exchange) and
// its upload (results) + FIQA up queues (its own upload vhost), with permissions that let the
// box read only its own queues and write only its own upload queues. Two implementations:
// the embedded broker (broker-embedded.ts) and an external RabbitMQ through its management
// HTTP API (broker-rabbitmq.ts). Exchanges, queues and bindings are declared over AMQP with the
// platform's own credentials, the same for both (declareBoxResources).
import amqp from 'amqplib';
import { boxBrokerNames, COMMAND_VHOST, type BoxBrokerNames } from './names';

export interface BrokerProvisioner {
  readonly kind: 'embedded' | 'external';
  /** Makes sure the broker runs and the platform's own user exists. */
  start(): Promise<void>;
  /** Creates or updates the box's user, vhosts and permissions (idempotent). */
  ensureBox(devSno: string, password: string): Promise<void>;
  /** A disabled code: closes the box's broker connections and deletes its broker user (its queues and messages stay), so its next login is refused until ensureBox on enabling (idempotent). */
  revokeBox(devSno: string): Promise<void>;
  /** Removes the box's user, its upload vhost and its command queues and exchange (idempotent; throws when the broker cannot be reached). */
  removeBox(devSno: string): Promise<void>;
  /** The dev_snos that have any broker resource of the platform's naming (user, upload vhost, command queue). */
  listBoxes(): Promise<string[]>;
  /** amqp:// URL with which the platform itself connects to `vhost`. */
  platformUrl(vhost: string): string;
  /** Where boxes connect: `host` null means the address the box reached the platform on. */
  boxEndpoint(): { host: string | null; port: number };
  /** The box's command queue: consumers (its broker channel is up when > 0) and messages not yet acknowledged (ready + unacked); null when unknown. */
  queueInfo(devSno: string): Promise<{ consumers: number; depth: number } | null>;
  /** The same for every box at once (one request to a site's RabbitMQ): dev_sno → its command queue; a box without one is absent. */
  queueInfos(): Promise<Map<string, { consumers: number; depth: number }>>;
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
    // a refusal (e.g. the box removed meanwhile: its queue gone) rejects the call below; without these it would also be an uncaught 'error' event
    conn.on('error', () => undefined);
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
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

/** Deletes the box's command queues and exchange in the shared command vhost (over AMQP, as the platform; missing ones are fine). */
export async function deleteBoxCommandResources(p: BrokerProvisioner, devSno: string): Promise<void> {
  const n = boxBrokerNames(devSno);
  const conn = await amqp.connect(p.platformUrl(COMMAND_VHOST), { timeout: 10_000 });
  conn.on('error', () => undefined);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    for (const q of [n.queue, n.fiqaDownQueue]) await ch.deleteQueue(q);
    await ch.deleteExchange(n.exchange);
    await ch.close();
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** The distinct dev_snos that own any of these broker resources (listBoxes of either broker). */
export function boxesOf(users: string[], vhosts: string[], queues: Array<{ name: string; vhost: string }>): string[] {
  const found = [
    ...users.map((name) => devSnoOfResource('user', name)),
    ...vhosts.map((name) => devSnoOfResource('vhost', name)),
    ...queues.map((q) => devSnoOfResource('queue', q.name, q.vhost)),
  ];
  return [...new Set(found.filter((x): x is string => x !== null))];
}

/** The dev_sno a broker resource of the platform's naming belongs to, or null (boxBrokerNames in reverse). */
export function devSnoOfResource(kind: 'user' | 'vhost' | 'queue', name: string, vhost = COMMAND_VHOST): string | null {
  const m =
    kind === 'user' ? /^box\.(.+)$/.exec(name)
    : kind === 'vhost' ? /^se3\.up\.(.+)$/.exec(name)
    : vhost === COMMAND_VHOST ? /^se3\.(.+)\.(?:cmd|fiqa\.down)$/.exec(name)
    : null;
  return m ? m[1]! : null;
}

/** dev_sno → its command queue's consumers and depth, from a broker's list of queues (other queues left out). */
export function commandQueues(queues: Array<{ vhost: string; name: string; consumers: number; depth: number }>): Map<string, { consumers: number; depth: number }> {
  const out = new Map<string, { consumers: number; depth: number }>();
  for (const q of queues) {
    const devSno = devSnoOfResource('queue', q.name, q.vhost);
    if (devSno !== null && boxBrokerNames(devSno).queue === q.name) out.set(devSno, { consumers: q.consumers, depth: q.depth });
  }
  return out;
}
