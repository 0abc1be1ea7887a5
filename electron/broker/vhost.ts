// A virtual host: its exchanges, queues and bindings, and routing of published messages.
import { randomBytes } from 'node:crypto';
import { decodeProperties, fail, type Fields } from './codec';
import { Exchange, EXCHANGE_TYPES, tablesEqual, type Binding, type ExchangeType } from './exchange';
import { Queue, type PublishInput, type QueueHost, type QueueOptions } from './queue';
import type { MessageStore, StoredRecord } from './store/message-store';

export interface VhostEnv {
  stores: { durable: MessageStore; scratch: MessageStore };
  memory: { bytes: number; limit: number };
  confirmHoldMs: number;
  persist(): void;
}

const BUILTIN: Array<[string, ExchangeType, boolean]> = [
  ['', 'direct', false],
  ['amq.direct', 'direct', false],
  ['amq.fanout', 'fanout', false],
  ['amq.topic', 'topic', false],
  ['amq.headers', 'headers', false],
  ['amq.match', 'headers', false],
  ['amq.rabbitmq.trace', 'topic', true],
];

export class Vhost implements QueueHost {
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  readonly queueDirs = new Map<Queue, string>();
  readonly memory: { bytes: number; limit: number };
  readonly stores: { durable: MessageStore; scratch: MessageStore };
  readonly confirmHoldMs: number;

  constructor(
    readonly name: string,
    readonly env: VhostEnv,
  ) {
    this.memory = env.memory;
    this.stores = env.stores;
    this.confirmHoldMs = env.confirmHoldMs;
    for (const [n, type, internal] of BUILTIN) this.exchanges.set(n, new Exchange(n, type, true, false, internal, {}));
  }

  get vhostName(): string {
    return this.name;
  }

  // ---- exchanges -------------------------------------------------------------------------

  exchange(name: string): Exchange {
    const x = this.exchanges.get(name);
    if (!x) fail(404, `no exchange '${name}' in vhost '${this.name}'`);
    return x;
  }

  declareExchange(name: string, type: string, durable: boolean, autoDelete: boolean, internal: boolean, args: Fields): Exchange {
    if (name === '') fail(403, `operation not permitted on the default exchange`);
    if (!EXCHANGE_TYPES.has(type)) fail(503, `unknown exchange type '${type}'`);
    let x = this.exchanges.get(name);
    if (!x) {
      if (name.startsWith('amq.')) fail(403, `exchange name '${name}' contains reserved prefix 'amq.*'`);
      x = new Exchange(name, type as ExchangeType, durable, autoDelete, internal, args);
      this.exchanges.set(name, x);
      if (durable) this.env.persist();
      return x;
    }
    const what = `for exchange '${name}' in vhost '${this.name}'`;
    if (x.type !== type) fail(406, `inequivalent arg 'type' ${what}: received '${type}' but current is '${x.type}'`);
    if (x.durable !== durable) fail(406, `inequivalent arg 'durable' ${what}: received '${durable}' but current is '${x.durable}'`);
    if (x.autoDelete !== autoDelete)
      fail(406, `inequivalent arg 'auto_delete' ${what}: received '${autoDelete}' but current is '${x.autoDelete}'`);
    if (x.internal !== internal) fail(406, `inequivalent arg 'internal' ${what}: received '${internal}' but current is '${x.internal}'`);
    if (!tablesEqual(stripX(x.args), stripX(args))) fail(406, `inequivalent arg 'arguments' ${what}`);
    return x;
  }

  deleteExchange(name: string, ifUnused: boolean): void {
    if (name === '') fail(403, `operation not permitted on the default exchange`);
    const x = this.exchanges.get(name);
    if (!x) return;
    if (name.startsWith('amq.')) fail(403, `deletion of system exchange '${name}' in vhost '${this.name}' is not allowed`);
    if (ifUnused && x.bindings.length > 0) fail(406, `exchange '${name}' in vhost '${this.name}' in use`);
    this.exchanges.delete(name);
    for (const other of this.exchanges.values()) other.removeDestination('exchange', name);
    if (x.durable) this.env.persist();
  }

  // ---- queues ----------------------------------------------------------------------------

  queue(name: string): Queue {
    const q = this.queues.get(name);
    if (!q) fail(404, `no queue '${name}' in vhost '${this.name}'`);
    return q;
  }

  static generatedName(): string {
    return `amq.gen-${randomBytes(16).toString('base64url').slice(0, 22)}`;
  }

  declareQueue(name: string, opts: QueueOptions): { queue: Queue; created: boolean } {
    const existing = this.queues.get(name);
    if (existing) {
      const what = `for queue '${name}' in vhost '${this.name}'`;
      if (existing.durable !== opts.durable)
        fail(406, `inequivalent arg 'durable' ${what}: received '${opts.durable}' but current is '${existing.durable}'`);
      if (existing.opts.autoDelete !== opts.autoDelete)
        fail(406, `inequivalent arg 'auto_delete' ${what}: received '${opts.autoDelete}' but current is '${existing.opts.autoDelete}'`);
      for (const k of new Set([...Object.keys(existing.opts.args), ...Object.keys(opts.args)])) {
        if (!EQUIV_ARGS.has(k)) continue;
        if (JSON.stringify(existing.opts.args[k]) !== JSON.stringify(opts.args[k]))
          fail(406, `inequivalent arg '${k}' ${what}: received ${fmt(opts.args[k])} but current is ${fmt(existing.opts.args[k])}`);
      }
      existing.touch();
      return { queue: existing, created: false };
    }
    if (name.startsWith('amq.') && !name.startsWith('amq.gen-'))
      fail(403, `queue name '${name}' contains reserved prefix 'amq.*'`);
    const persistent = opts.durable && !opts.exclusiveOwner;
    const key = persistent ? randomBytes(8).toString('hex') : null;
    const q = new Queue(this, name, opts, key);
    if (key) this.queueDirs.set(q, key);
    this.queues.set(name, q);
    if (persistent) this.env.persist();
    return { queue: q, created: true };
  }

  /** Re-creates a durable queue from the definitions file with its messages recovered from the store. */
  recoverQueue(name: string, autoDelete: boolean, args: Fields, key: string, records: StoredRecord[]): Queue {
    const q = new Queue(this, name, { durable: true, autoDelete, exclusiveOwner: null, args }, key);
    for (const r of records) {
      const m = {
        id: r.id,
        exchange: r.exchange,
        routingKey: r.routingKey,
        props: r.props,
        body: null,
        size: r.size,
        persistent: true,
        expiresAt: r.expiresAt,
        redelivered: true,
        loc: r.loc,
        decoded: undefined,
        held: undefined,
      };
      this.stores.durable.adopt(key, m);
      q.restore(m);
    }
    this.queueDirs.set(q, key);
    this.queues.set(name, q);
    return q;
  }

  deleteQueue(q: Queue, _reason: string): number {
    if (q.deleted || this.queues.get(q.name) !== q) return 0;
    const count = q.messageCount;
    this.queues.delete(q.name);
    const consumers = q.markDeleted();
    for (const x of this.exchanges.values()) {
      x.removeDestination('queue', q.name);
      if (x.autoDelete && x.bindings.length === 0 && !BUILTIN.some(([n]) => n === x.name)) this.exchanges.delete(x.name);
    }
    this.queueDirs.delete(q);
    if (q.durable) this.env.persist();
    for (const c of consumers) c.channel.serverCancel(c);
    return count;
  }

  // ---- bindings --------------------------------------------------------------------------

  bind(b: Binding): void {
    const src = this.exchange(b.source);
    if (b.destinationType === 'queue') this.queue(b.destination);
    else this.exchange(b.destination);
    if (src.addBinding(b) && this.bindingDurable(b)) this.env.persist();
  }

  unbind(b: Binding): void {
    const src = this.exchange(b.source);
    if (b.destinationType === 'queue') this.queue(b.destination);
    else this.exchange(b.destination);
    if (src.removeBinding(b)) {
      if (this.bindingDurable(b)) this.env.persist();
      if (src.autoDelete && src.bindings.length === 0) this.deleteExchange(src.name, false);
    }
  }

  bindingDurable(b: Binding): boolean {
    const src = this.exchanges.get(b.source);
    if (!src?.durable) return false;
    if (b.destinationType === 'exchange') return !!this.exchanges.get(b.destination)?.durable;
    const q = this.queues.get(b.destination);
    return !!q && q.durable && !q.opts.exclusiveOwner;
  }

  // ---- routing ---------------------------------------------------------------------------

  /** The queues a message published to `exchange` with this key and headers reaches. */
  route(exchange: Exchange, routingKey: string, headers: Fields | undefined): Queue[] {
    if (exchange.name === '') {
      // The default exchange (sendToQueue; every command to a box): no walk, no Sets, no closure.
      const q = this.queues.get(routingKey);
      return q ? [q] : [];
    }
    const out = new Set<Queue>();
    const seen = new Set<Exchange>();
    const walk = (x: Exchange) => {
      if (seen.has(x)) return;
      seen.add(x);
      if (x.name === '') {
        const q = this.queues.get(routingKey);
        if (q) out.add(q);
        return;
      }
      const before = out.size;
      for (const b of x.route(routingKey, headers)) {
        if (b.destinationType === 'queue') {
          const q = this.queues.get(b.destination);
          if (q) out.add(q);
        } else {
          const d = this.exchanges.get(b.destination);
          if (d) walk(d);
        }
      }
      const ae = x.args['alternate-exchange'];
      if (out.size === before && typeof ae === 'string') {
        const a = this.exchanges.get(ae);
        if (a) walk(a);
      }
    };
    walk(exchange);
    return [...out];
  }

  deadLetter(exchange: string, routingKey: string, props: Buffer, body: Buffer, persistent: boolean, _from: Queue): void {
    const x = this.exchanges.get(exchange);
    if (!x) return; // RabbitMQ drops silently when the DLX is missing
    const input: PublishInput = {
      exchange,
      routingKey,
      props,
      body,
      size: body.length,
      deliveryMode: persistent ? 2 : 1,
      expiration: null,
    };
    const headers = decodeProperties(props).headers;
    for (const q of this.route(x, routingKey, headers)) q.publish({ ...input }, null);
  }

  close(): void {
    for (const q of this.queues.values()) {
      q.stopTimers();
    }
  }
}

const EQUIV_ARGS = new Set([
  'x-message-ttl',
  'x-expires',
  'x-max-length',
  'x-max-length-bytes',
  'x-dead-letter-exchange',
  'x-dead-letter-routing-key',
  'x-overflow',
  'x-max-priority',
  'x-queue-type',
]);

/** RabbitMQ's exchange equivalence looks only at the alternate exchange among the arguments. */
function stripX(a: Fields): Fields {
  return a['alternate-exchange'] === undefined ? {} : { 'alternate-exchange': a['alternate-exchange'] };
}

function fmt(v: unknown): string {
  if (v === undefined) return 'none';
  return typeof v === 'string' ? `'${v}'` : `'${JSON.stringify(v)}'`;
}
