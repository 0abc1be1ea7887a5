// A queue: ready messages (FIFO, requeued ones back in their original order), consumers
// served round-robin within their prefetch, TTL/expiry, max-length, dead-lettering. Persistent
// messages of a durable queue live in the broker's shared message store under the queue's key;
// bodies paged out under memory pressure go to the scratch store.
import { fail } from './codec';
import { Deque, insertSorted } from './deque';
import { deadLetterProps, isDeadLetterCycle, propsOf, type DeadLetterReason, type Message } from './message';
import { HeldConfirms, leftReady } from './held-confirms';
import { parseQueueArgs } from './queue-args';
import type { Consumer, PublishInput, QueueHost, QueueOptions } from './queue-types';
import type { MessageStore } from './store/message-store';
import { mutableFields, NOT_YET, objectList } from './shape';

export type { Consumer, ConsumerChannel, PublishInput, QueueHost, QueueOptions } from './queue-types';

// Flow control: a publisher feeding a queue whose consumers lag behind by more than FLOW_HIGH
// ready messages stops being read until the backlog is below FLOW_LOW (RabbitMQ's credit
// flow plays the same role); queues without consumers just grow (and page to disk). Only while
// the consumers keep taking messages: once they have taken none for FLOW_STALL_MS (a stuck or
// busy box), the queue counts as not consuming and its paused publishers go on — a publisher
// that also feeds other queues (the platform's command link) is never held by one stuck box.
export const FLOW_HIGH = 500;
export const FLOW_STALL_MS = 1000;
let nextScratch = 1;
const FLOW_LOW = 250;

export class Queue {
  readonly ready = new Deque<Message>();
  readonly requeued: Message[] = objectList();
  readonly unacked = new Set<Message>();
  readonly consumers: Consumer[] = objectList();
  private mixedPriorities = false;
  deleted = false;
  everConsumed = false;
  publishCount = 0;
  deliverCount = 0;
  private rr = 0;
  private nextId = 1;
  private readyBytes = 0;
  private expiryTimer: NodeJS.Timeout | null = null;
  private unusedTimer: NodeJS.Timeout | null = null;
  private dispatching = false;
  /** When a consumer last got a message (held confirms only while they keep taking them). */
  private lastDeliverAt = NOT_YET;
  /** Confirms held until their message leaves the ready list (held-confirms.ts). */
  private readonly held = new HeldConfirms(() => this.host.confirmHoldMs);
  /** Publishing connections paused until this queue's backlog drains (flow control). */
  private readonly flowWaiters = new Set<() => void>();
  private flowStallTimer: NodeJS.Timeout | null = null;
  /** The queue's key in the scratch store (paged-out bodies). */
  private readonly scratchKey = `s${nextScratch++}`;
  readonly ttl: number | null;
  readonly maxLength: number | null;
  readonly maxLengthBytes: number | null;
  readonly overflow: string;
  readonly expires: number | null;

  constructor(
    readonly host: QueueHost,
    readonly name: string,
    readonly opts: QueueOptions,
    /** This queue's key in the durable store; null = nothing of it survives a restart. */
    readonly storeKey: string | null,
  ) {
    const a = parseQueueArgs(opts.args, name, host.vhostName);
    this.ttl = a.ttl;
    this.maxLength = a.maxLength;
    this.maxLengthBytes = a.maxLengthBytes;
    this.expires = a.expires;
    this.overflow = a.overflow;
    // Flags a queue's deletion or a first consumer sets for the first time (shape.ts).
    mutableFields(this, 'deleted', 'everConsumed', 'mixedPriorities', 'dispatching');
    this.touch();
  }

  /** Consumers taking messages and a backlog deeper than FLOW_HIGH: publishers should wait. */
  overloaded(): boolean {
    return this.consumers.length > 0 && this.messageCount > FLOW_HIGH && !this.stalled();
  }

  /** Its consumers have taken nothing for FLOW_STALL_MS. */
  private stalled(): boolean {
    return Date.now() - this.lastDeliverAt >= FLOW_STALL_MS;
  }

  /** Runs `resume` once this queue's backlog has drained, or its consumers stall or leave. */
  waitForFlow(resume: () => void): void {
    this.flowWaiters.add(resume);
    this.armFlowStall();
  }

  private armFlowStall(): void {
    if (this.flowStallTimer || this.flowWaiters.size === 0) return;
    this.flowStallTimer = setTimeout(() => {
      this.flowStallTimer = null;
      if (this.stalled()) this.releaseFlow(true);
      else this.armFlowStall();
    }, Math.max(1, this.lastDeliverAt + FLOW_STALL_MS - Date.now()));
    this.flowStallTimer.unref();
  }

  releaseFlow(force = false): void {
    if (this.flowWaiters.size === 0 || (!force && this.consumers.length > 0 && this.messageCount > FLOW_LOW)) return;
    if (this.flowStallTimer) clearTimeout(this.flowStallTimer);
    this.flowStallTimer = null;
    const ws = [...this.flowWaiters];
    this.flowWaiters.clear();
    for (const w of ws) w();
  }

  get messageCount(): number {
    return this.ready.length + this.requeued.length;
  }

  get durable(): boolean {
    return this.opts.durable;
  }

  /** Restores a message recovered from the log. */
  restore(m: Message): void {
    this.nextId = Math.max(this.nextId, m.id + 1);
    this.ready.push(m);
    this.readyBytes += m.size;
  }

  /** Enqueues; `onDurable` fires once the message is safely on disk. False = rejected (overflow). */
  publish(input: PublishInput, onDurable: (() => void) | null): boolean {
    if (this.deleted) return true;
    if (this.overflow !== 'drop-head' && this.wouldOverflow(input.size)) {
      if (this.overflow === 'reject-publish-dlx') this.deadLetterInput(input);
      return false;
    }
    const now = Date.now();
    let ttl = this.ttl;
    if (input.expiration !== null) ttl = ttl === null ? input.expiration : Math.min(ttl, input.expiration);
    const m: Message = {
      id: this.nextId++,
      exchange: input.exchange,
      routingKey: input.routingKey,
      props: input.props,
      body: input.body,
      size: input.size,
      persistent: this.storeKey !== null && input.deliveryMode === 2,
      expiresAt: ttl === null ? 0 : now + ttl,
      redelivered: false,
      loc: null,
      decoded: input.decoded,
      held: undefined,
    };
    this.publishCount++;
    const mem = this.host.memory;
    if (m.persistent) {
      const store = this.host.stores.durable;
      store.append(this.storeKey!, m, m.body!);
      if (onDurable) {
        // Consumers taking messages: confirmed once on disk and handed on (held-confirms.ts).
        const hold = this.consumers.length > 0 && now - this.lastDeliverAt < this.host.confirmHoldMs;
        store.whenDurable(hold ? this.held.hold(m, onDurable, now) : onDurable);
      }
    } else {
      // Over the memory limit: page the body out; memory keeps only the metadata.
      if (mem.bytes + m.size > mem.limit && m.size > 0) this.host.stores.scratch.append(this.scratchKey, m, m.body!);
      onDurable?.();
    }
    if (m.loc && mem.bytes + m.size > mem.limit) m.body = null;
    else mem.bytes += m.size;
    this.ready.push(m);
    this.readyBytes += m.size;
    this.enforceMaxLength();
    this.dispatch();
    this.scheduleExpiry();
    return true;
  }

  /** Takes the next live message (expired ones are dead-lettered on the way). */
  take(): Message | null {
    const now = Date.now();
    for (;;) {
      const m = this.requeued.length > 0 ? this.requeued.shift()! : this.ready.shift();
      if (!m) return null;
      this.readyBytes -= m.size;
      leftReady(m);
      if (m.expiresAt !== 0 && m.expiresAt < now) {
        this.drop(m, 'expired');
        continue;
      }
      return m;
    }
  }

  /** Body bytes of a message, read back from the log if paged out. */
  bodyOf(m: Message): Buffer {
    if (m.body) return m.body;
    if (!m.loc) throw new Error(`message ${m.id} of queue ${this.name} has no body`);
    return this.storeOf(m).readBody(m.loc, m.size);
  }

  private storeOf(m: Message): MessageStore {
    return m.persistent ? this.host.stores.durable : this.host.stores.scratch;
  }

  /** Bytes of this queue's messages in the message store. */
  diskBytes(): number {
    return this.storeKey === null ? 0 : this.host.stores.durable.queueBytes(this.storeKey);
  }

  dispatch(): void {
    if (this.dispatching || this.deleted) return;
    this.dispatching = true;
    try {
      while (this.consumers.length > 0 && this.messageCount > 0) {
        // Round-robin among the highest-priority consumers that can take a message now.
        let c: Consumer | null = null;
        let at = -1;
        const n = this.consumers.length;
        for (let i = 0; i < n; i++) {
          const idx = (this.rr + i) % n;
          const cand = this.consumers[idx]!;
          if ((c === null || (cand.priority ?? 0) > (c.priority ?? 0)) && cand.channel.canDeliver(cand)) {
            c = cand;
            at = idx;
            if (!this.mixedPriorities) break;
          }
        }
        if (!c) break;
        this.rr = (at + 1) % n;
        const m = this.take();
        if (!m) break;
        this.deliverCount++;
        this.lastDeliverAt = Date.now();
        if (!c.noAck) this.unacked.add(m);
        c.channel.deliver(c, m);
        if (c.noAck) this.settle(m, false);
      }
    } finally {
      this.dispatching = false;
    }
    this.releaseFlow();
    this.scheduleExpiry();
  }

  /** For basic.get: the next message, tracked as unacked unless noAck. */
  get(noAck: boolean): Message | null {
    this.touch();
    const m = this.take();
    if (!m) return null;
    this.deliverCount++;
    if (!noAck) this.unacked.add(m); // noAck: the caller settles it once sent
    this.scheduleExpiry();
    return m;
  }

  /** The message is done (acked, dropped, dead-lettered). */
  settle(m: Message, wasUnacked = true): void {
    leftReady(m);
    if (wasUnacked) this.unacked.delete(m);
    // After deletion markDeleted() has already given back every body's bytes (an ack that
    // arrives after a queue.delete from another channel must not subtract them twice).
    if (m.body && !this.deleted) this.host.memory.bytes -= m.size;
    if (m.loc && !this.deleted) {
      if (m.persistent) this.host.stores.durable.ack(this.storeKey!, m.id);
      this.storeOf(m).release(m);
    }
    m.body = null;
  }

  requeue(m: Message): void {
    if (this.deleted) return;
    this.unacked.delete(m);
    m.redelivered = true;
    insertSorted(this.requeued, m);
    this.readyBytes += m.size;
  }

  /** Rejected without requeue: dead-letter or drop. */
  reject(m: Message): void {
    this.unacked.delete(m);
    if (this.deleted) return;
    this.drop(m, 'rejected', false);
  }

  purge(): number {
    const msgs = [...this.requeued.splice(0), ...this.ready.clear()];
    this.readyBytes = 0;
    for (const m of msgs) this.settle(m, false);
    return msgs.length;
  }

  addConsumer(c: Consumer): void {
    if (this.consumers.some((x) => x.exclusive))
      fail(403, `queue '${this.name}' in vhost '${this.host.vhostName}' in exclusive use`);
    if (c.exclusive && this.consumers.length > 0)
      fail(403, `queue '${this.name}' in vhost '${this.host.vhostName}' in exclusive use`);
    this.consumers.push(c);
    this.mixedPriorities = this.consumers.some((x) => (x.priority ?? 0) !== (this.consumers[0]!.priority ?? 0));
    this.everConsumed = true;
    this.touch();
    setImmediate(() => this.dispatch());
  }

  removeConsumer(c: Consumer): void {
    const i = this.consumers.indexOf(c);
    if (i < 0) return;
    this.consumers.splice(i, 1);
    if (this.rr > i) this.rr--;
    this.mixedPriorities = this.consumers.some((x) => (x.priority ?? 0) !== (this.consumers[0]!.priority ?? 0));
    if (this.consumers.length === 0) {
      this.releaseFlow(true);
      this.held.release(0);
      if (this.opts.autoDelete && this.everConsumed) {
        this.host.deleteQueue(this, 'auto-delete');
        return;
      }
      this.touch();
    }
  }

  /** Restarts the x-expires countdown (declare, get, consumer changes). */
  touch(): void {
    if (this.expires === null || this.deleted) return;
    if (this.unusedTimer) clearTimeout(this.unusedTimer);
    this.unusedTimer = setTimeout(() => {
      if (this.consumers.length === 0 && !this.deleted) this.host.deleteQueue(this, 'expired');
    }, this.expires);
    this.unusedTimer.unref();
  }

  /** Marks the queue gone: stops timers, returns consumers to cancel. */
  markDeleted(): Consumer[] {
    this.deleted = true;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.unusedTimer) clearTimeout(this.unusedTimer);
    const all = [...this.requeued, ...this.ready, ...this.unacked];
    for (const m of all) if (m.body) this.host.memory.bytes -= m.size;
    // One DROP record frees every persistent message of the queue; paged-out bodies are released.
    if (this.storeKey !== null) this.host.stores.durable.drop(this.storeKey, all.filter((m) => m.persistent));
    for (const m of all) if (!m.persistent) this.host.stores.scratch.release(m);
    this.requeued.length = 0;
    this.ready.clear();
    const cs = this.consumers.splice(0);
    this.releaseFlow(true);
    this.held.release(0);
    return cs;
  }

  stopTimers(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    if (this.unusedTimer) clearTimeout(this.unusedTimer);
    this.held.stop();
  }


  private wouldOverflow(size: number): boolean {
    return (
      (this.maxLength !== null && this.messageCount >= this.maxLength) ||
      (this.maxLengthBytes !== null && this.readyBytes + size > this.maxLengthBytes)
    );
  }

  private enforceMaxLength(): void {
    if (this.overflow !== 'drop-head') return;
    while (
      this.messageCount > 0 &&
      ((this.maxLength !== null && this.messageCount > this.maxLength) ||
        (this.maxLengthBytes !== null && this.readyBytes > this.maxLengthBytes))
    ) {
      const m = this.requeued.length > 0 ? this.requeued.shift()! : this.ready.shift()!;
      this.readyBytes -= m.size;
      this.drop(m, 'maxlen');
    }
  }

  private drop(m: Message, reason: DeadLetterReason, wasReady = true): void {
    leftReady(m);
    const dlx = this.opts.args['x-dead-letter-exchange'];
    if (typeof dlx === 'string' && !(reason !== 'rejected' && isDeadLetterCycle(m, this.name))) {
      const rk = (this.opts.args['x-dead-letter-routing-key'] as string | undefined) ?? m.routingKey;
      const body = this.bodyOf(m);
      const props = deadLetterProps(m, this.name, reason, Date.now());
      this.host.deadLetter(dlx, rk, props, body, propsOf(m).deliveryMode === 2, this);
    }
    this.settle(m, !wasReady);
  }

  private deadLetterInput(input: PublishInput): void {
    const dlx = this.opts.args['x-dead-letter-exchange'];
    if (typeof dlx !== 'string') return;
    const m: Message = { ...input, id: 0, loc: null, persistent: false, expiresAt: 0, redelivered: false };
    const rk = (this.opts.args['x-dead-letter-routing-key'] as string | undefined) ?? m.routingKey;
    this.host.deadLetter(dlx, rk, deadLetterProps(m, this.name, 'maxlen', Date.now()), input.body!, input.deliveryMode === 2, this);
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) {
      clearTimeout(this.expiryTimer);
      this.expiryTimer = null;
    }
    const head = this.requeued[0] ?? this.ready.peek();
    if (!head || head.expiresAt === 0 || this.deleted) return;
    const delay = Math.max(0, head.expiresAt - Date.now() + 1);
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      this.expireHead();
    }, delay);
    this.expiryTimer.unref();
  }

  private expireHead(): void {
    const now = Date.now();
    for (;;) {
      const head = this.requeued[0] ?? this.ready.peek();
      if (!head || head.expiresAt === 0 || head.expiresAt >= now) break;
      if (this.requeued.length > 0) this.requeued.shift();
      else this.ready.shift();
      this.readyBytes -= head.size;
      this.drop(head, 'expired');
    }
    this.scheduleExpiry();
  }
}
