// One AMQP channel: content assembly, basic.* (publish, consume, get, ack/nack/reject,
// qos, recover), publisher confirms, and the requeue of unacked messages when it closes.
import { randomBytes } from 'node:crypto';
import { AmqpError, decodeProperties, encodeMethod, fail, headerFrame, M, pushBodyFrames, type Fields } from './codec';
import { handleDeclareMethod } from './declare';
import { deliveryFrames } from './delivery';
import { scanProperties, type ScannedProps } from './props-scan';
import type { Message } from './message';
import type { Consumer, ConsumerChannel, Queue } from './queue';
import { ConsumerEntry } from './queue-types';
import type { Vhost } from './vhost';
import { mutableFields, objectList } from './shape';

/** What a channel needs from its connection. */
export interface ChannelConn {
  readonly vhost: Vhost;
  readonly user: string;
  readonly frameMax: number;
  readonly clientCaps: Fields;
  send(...bufs: Buffer[]): void;
  /** send() for a list built by the caller (no spread call: its length varies per message). */
  sendFrames(bufs: Buffer[]): void;
  writable(): boolean;
  allowed(kind: 'configure' | 'write' | 'read', resourceKind: 'queue' | 'exchange', name: string): void;
  exclusiveQueues: Set<Queue>;
  counters: { published: number; delivered: number; acked: number };
  throttle(q: Queue): void;
}

interface Unacked {
  m: Message;
  q: Queue;
  c: Consumer | null;
}

interface PendingPublish {
  fields: Fields;
  props: Buffer | null;
  size: number;
  chunks: Buffer[];
  got: number;
}

interface Confirm {
  seq: number;
  waiting: number;
  nack: boolean;
  /** Its ack/nack went out (alone, ahead of an earlier one still waiting). */
  sent: boolean;
}

export class Channel implements ConsumerChannel {
  closing = false;
  flow = true;
  lastQueue = '';
  readonly consumers = new Map<string, Consumer>();
  readonly unacked = new Map<number, Unacked>();
  private deliveryTag = 0;
  prefetch = 0;
  globalPrefetch = 0;
  confirm = false;
  private publishSeq = 0;
  private readonly confirms: Confirm[] = objectList();
  private confirmFlushQueued = false;
  /** Confirms settled since the last flush. */
  private settledConfirms: Confirm[] = objectList();
  private content: PendingPublish | null = null;
  /** The properties of this channel's last publish, and what scanProperties read from them: a
   *  publisher usually sends the same properties every time, so they are kept once, not copied
   *  and scanned per message (fewer objects per message in flight, less for the GC to copy). */
  private lastProps: Buffer = Buffer.alloc(0);
  private lastScan: ScannedProps | null = null;

  constructor(
    readonly conn: ChannelConn,
    readonly number: number,
  ) {
    // Flags a closing channel or a rare method sets for the first time (shape.ts).
    mutableFields(this, 'closing', 'flow', 'confirm', 'confirmFlushQueued');
  }

  get expectingContent(): boolean {
    return this.content !== null;
  }

  // ---- incoming ----------------------------------------------------------------------------

  onMethod(id: number, f: Fields): void {
    if (this.content) fail(505, `expected content header for class 60, got non content header frame instead`);
    switch (id) {
      case M.BasicPublish:
        if (f.immediate) throw new AmqpError(540, 'NOT_IMPLEMENTED - immediate=true', id);
        this.content = { fields: f, props: null, size: 0, chunks: [], got: 0 };
        return;
      case M.BasicConsume:
        return this.consume(f);
      case M.BasicCancel:
        return this.cancel(f.consumerTag, f.nowait);
      case M.BasicGet:
        return this.get(f);
      case M.BasicAck:
        return this.settle(f.deliveryTag, f.multiple, 'ack');
      case M.BasicNack:
        return this.settle(f.deliveryTag, f.multiple, f.requeue ? 'requeue' : 'reject');
      case M.BasicReject:
        return this.settle(f.deliveryTag, false, f.requeue ? 'requeue' : 'reject');
      case M.BasicQos:
        if (f.prefetchSize !== 0) throw new AmqpError(540, `NOT_IMPLEMENTED - prefetch_size!=0 (${f.prefetchSize})`, id);
        if (f.global) this.globalPrefetch = f.prefetchCount;
        else this.prefetch = f.prefetchCount;
        this.conn.send(encodeMethod(M.BasicQosOk, this.number));
        this.kick();
        return;
      case M.BasicRecover:
      case M.BasicRecoverAsync:
        if (!f.requeue) throw new AmqpError(540, 'NOT_IMPLEMENTED - requeue=false', id);
        this.requeueAll();
        if (id === M.BasicRecover) this.conn.send(encodeMethod(M.BasicRecoverOk, this.number));
        return;
      case M.ConfirmSelect:
        this.confirm = true;
        if (!f.nowait) this.conn.send(encodeMethod(M.ConfirmSelectOk, this.number));
        return;
      case M.TxSelect:
      case M.TxCommit:
      case M.TxRollback:
        throw new AmqpError(540, 'NOT_IMPLEMENTED - transactions are not supported by this broker', id);
      case M.ChannelFlow:
        if (!f.active) throw new AmqpError(540, 'NOT_IMPLEMENTED - active=false', id);
        this.conn.send(encodeMethod(M.ChannelFlowOk, this.number, { active: true }));
        return;
      default:
        handleDeclareMethod(this, id, f);
    }
  }

  /** `rawProps` may be a view of the socket's input: kept only as a copy (or as the last one). */
  onHeader(size: number, rawProps: Buffer): void {
    const c = this.content;
    if (!c || c.props) fail(505, `unexpected content header frame on channel ${this.number}`);
    if (!this.lastProps.equals(rawProps)) {
      this.lastProps = Buffer.from(rawProps);
      this.lastScan = scanProperties(this.lastProps);
    }
    c.props = this.lastProps;
    c.size = size;
    if (size === 0) this.finishPublish();
  }

  onBody(chunk: Buffer): void {
    const c = this.content;
    if (!c || !c.props) fail(505, `unexpected content body frame on channel ${this.number}`);
    c.chunks.push(chunk);
    c.got += chunk.length;
    if (c.got > c.size) fail(501, `content body exceeds the declared size ${c.size}`);
    if (c.got === c.size) this.finishPublish();
  }

  private finishPublish(): void {
    const c = this.content!;
    this.content = null;
    const body = c.chunks.length === 1 ? c.chunks[0]! : Buffer.concat(c.chunks, c.got);
    this.publish(c.fields, c.props!, body);
  }

  private publish(f: Fields, rawProps: Buffer, body: Buffer): void {
    const vhost = this.conn.vhost;
    const x = vhost.exchanges.get(f.exchange);
    if (!x) fail(404, `no exchange '${f.exchange}' in vhost '${vhost.name}'`);
    if (x.internal) fail(403, `cannot publish to internal exchange '${f.exchange}' in vhost '${vhost.name}'`);
    this.conn.allowed('write', 'exchange', f.exchange);
    // the three properties routing needs, read in place; anything unusual decoded in full (props-scan.ts)
    const scanned = rawProps === this.lastProps ? this.lastScan : scanProperties(rawProps);
    const decoded: Fields | undefined = scanned ? undefined : decodeProperties(rawProps);
    const props: { deliveryMode?: number; expiration?: string; userId?: string } = scanned ?? decoded!;
    if (props.userId !== undefined && props.userId !== this.conn.user)
      fail(406, `user_id property set to '${props.userId}' but authenticated user was '${this.conn.user}'`);
    let expiration: number | null = null;
    if (props.expiration !== undefined) {
      if (!/^\d+$/.test(props.expiration)) fail(406, `invalid expiration '${props.expiration}': no_integer`);
      expiration = Number(props.expiration);
    }
    this.conn.counters.published++;
    const queues = vhost.route(x, f.routingKey, decoded?.headers);
    const confirm: Confirm | null = this.confirm ? { seq: ++this.publishSeq, waiting: 1, nack: false, sent: false } : null;
    if (confirm) this.confirms.push(confirm);
    if (queues.length === 0) {
      if (f.mandatory) {
        const out: Buffer[] = [
          encodeMethod(M.BasicReturn, this.number, {
            replyCode: 312,
            replyText: 'NO_ROUTE',
            exchange: f.exchange,
            routingKey: f.routingKey,
          }),
          headerFrame(this.number, body.length, rawProps),
        ];
        pushBodyFrames(out, this.number, body, this.conn.frameMax);
        this.conn.sendFrames(out);
      }
    } else {
      const done = confirm ? () => this.confirmed(confirm) : null;
      for (const q of queues) {
        if (confirm) confirm.waiting++;
        const input = {
          exchange: f.exchange,
          routingKey: f.routingKey,
          props: rawProps,
          body,
          size: body.length,
          deliveryMode: props.deliveryMode ?? 1,
          expiration,
          decoded,
        };
        if (!q.publish(input, done) && confirm) {
          confirm.nack = true;
          confirm.waiting--;
        }
      }
    }
    if (confirm) this.confirmed(confirm);
    for (const q of queues) if (q.overloaded()) this.conn.throttle(q);
  }

  private confirmed(c: Confirm): void {
    c.waiting--;
    if (c.waiting > 0 || this.closing) return;
    this.settledConfirms.push(c);
    if (this.confirmFlushQueued) return;
    // A group commit settles many messages in one go (every waiter of one fdatasync, every
    // transient publish of one read): send their confirms together, after the whole group.
    this.confirmFlushQueued = true;
    process.nextTick(() => this.flushConfirms());
  }

  private flushConfirms(): void {
    this.confirmFlushQueued = false;
    if (this.closing) return;
    const settled = this.settledConfirms;
    this.settledConfirms = objectList();
    // In publish order from the oldest: runs of the same outcome share one `multiple` frame.
    for (;;) {
      while (this.confirms.length > 0 && this.confirms[0]!.sent) this.confirms.shift();
      if (this.confirms.length === 0 || this.confirms[0]!.waiting > 0) break;
      const nack = this.confirms[0]!.nack;
      let last = this.confirms.shift()!;
      last.sent = true;
      let n = 1;
      while (this.confirms.length > 0 && this.confirms[0]!.waiting <= 0 && !this.confirms[0]!.sent && this.confirms[0]!.nack === nack) {
        last = this.confirms.shift()!;
        last.sent = true;
        n++;
      }
      this.sendConfirm(last.seq, n > 1, nack);
    }
    // Settled behind an older one still waiting (its message held in a lagging queue, queue.ts):
    // each alone, as RabbitMQ does, so one slow queue does not hold up the others' confirms.
    for (const c of settled) {
      if (c.sent) continue;
      c.sent = true;
      this.sendConfirm(c.seq, false, c.nack);
    }
  }

  private sendConfirm(seq: number, multiple: boolean, nack: boolean): void {
    this.conn.send(encodeMethod(nack ? M.BasicNack : M.BasicAck, this.number, { deliveryTag: seq, multiple, requeue: false }));
  }

  // ---- consumers ---------------------------------------------------------------------------

  queueFor(name: string): Queue {
    const q = this.conn.vhost.queue(name === '' ? this.lastQueue : name);
    checkExclusive(this, q);
    return q;
  }

  private consume(f: Fields): void {
    const q = this.queueFor(f.queue);
    this.conn.allowed('read', 'queue', q.name);
    const tag: string = f.consumerTag || `amq.ctag-${randomBytes(16).toString('base64url').slice(0, 22)}`;
    if (this.consumers.has(tag)) throw new AmqpError(530, `NOT_ALLOWED - attempt to reuse consumer tag '${tag}'`, M.BasicConsume);
    const pr = (f.arguments as Fields | undefined)?.['x-priority'];
    if (pr !== undefined && !Number.isInteger(pr)) fail(406, `invalid arg 'x-priority' for consumer: ${JSON.stringify(pr)} is not an integer`);
    const c: Consumer = new ConsumerEntry(tag, q, f.noAck, f.exclusive, this.prefetch, this, pr ?? 0);
    q.addConsumer(c);
    this.consumers.set(tag, c);
    if (!f.nowait) this.conn.send(encodeMethod(M.BasicConsumeOk, this.number, { consumerTag: tag }));
  }

  private cancel(tag: string, nowait: boolean): void {
    const c = this.consumers.get(tag);
    if (c) {
      this.consumers.delete(tag);
      c.queue.removeConsumer(c);
    }
    if (!nowait) this.conn.send(encodeMethod(M.BasicCancelOk, this.number, { consumerTag: tag }));
  }

  canDeliver(c: Consumer): boolean {
    if (this.closing || !this.flow || !this.conn.writable()) return false;
    if (c.noAck) return true;
    if (c.prefetch > 0 && c.unacked >= c.prefetch) return false;
    return this.globalPrefetch === 0 || this.unacked.size < this.globalPrefetch;
  }

  deliver(c: Consumer, m: Message): void {
    const tag = ++this.deliveryTag;
    if (!c.noAck) {
      this.unacked.set(tag, { m, q: c.queue, c });
      c.unacked++;
    }
    this.conn.counters.delivered++;
    // one buffer for the method, header and body frames (delivery.ts)
    this.conn.sendFrames(deliveryFrames(this.number, c.tag, tag, m.redelivered, m.exchange, m.routingKey, m.props, c.queue.bodyOf(m), this.conn.frameMax));
  }

  serverCancel(c: Consumer): void {
    if (this.consumers.get(c.tag) !== c) return;
    this.consumers.delete(c.tag);
    if (this.conn.clientCaps.consumer_cancel_notify === true && !this.closing)
      this.conn.send(encodeMethod(M.BasicCancel, this.number, { consumerTag: c.tag, nowait: true }));
  }

  private get(f: Fields): void {
    const q = this.queueFor(f.queue);
    this.conn.allowed('read', 'queue', q.name);
    const m = q.get(f.noAck);
    if (!m) {
      this.conn.send(encodeMethod(M.BasicGetEmpty, this.number, { clusterId: '' }));
      return;
    }
    const tag = ++this.deliveryTag;
    if (!f.noAck) this.unacked.set(tag, { m, q, c: null });
    this.conn.counters.delivered++;
    this.sendMessage(
      encodeMethod(M.BasicGetOk, this.number, {
        deliveryTag: tag,
        redelivered: m.redelivered,
        exchange: m.exchange,
        routingKey: m.routingKey,
        messageCount: q.messageCount,
      }),
      q,
      m,
    );
    if (f.noAck) q.settle(m, false);
  }

  private sendMessage(method: Buffer, q: Queue, m: Message): void {
    const body = q.bodyOf(m);
    const out: Buffer[] = [method, headerFrame(this.number, m.size, m.props)];
    pushBodyFrames(out, this.number, body, this.conn.frameMax);
    this.conn.sendFrames(out);
  }

  // ---- acknowledgements ----------------------------------------------------------------------

  private settle(tag: number, multiple: boolean, how: 'ack' | 'requeue' | 'reject'): void {
    if (!multiple) {
      // One message (a consumer acking each delivery): no arrays or Sets per ack (issue 13 profile).
      const u = this.unacked.get(tag);
      if (!u) fail(406, `unknown delivery tag ${tag}`);
      this.unacked.delete(tag);
      this.settleOne(u, how);
      u.q.dispatch();
      if (this.globalPrefetch > 0) this.kick();
      return;
    }
    const picked: Array<[number, Unacked]> = [];
    for (const [t, u] of this.unacked) {
      if (tag !== 0 && t > tag) break;
      picked.push([t, u]);
    }
    if (picked.length === 0 && tag !== 0) fail(406, `unknown delivery tag ${tag}`);
    const touched = new Set<Queue>();
    for (const [t, u] of picked) {
      this.unacked.delete(t);
      touched.add(u.q);
      this.settleOne(u, how);
    }
    for (const q of touched) q.dispatch();
    if (this.globalPrefetch > 0) this.kick();
  }

  /** One unacked delivery (already out of this.unacked) acked, requeued or rejected. */
  private settleOne(u: Unacked, how: 'ack' | 'requeue' | 'reject'): void {
    if (u.c) u.c.unacked--;
    if (how === 'ack') {
      this.conn.counters.acked++;
      u.q.settle(u.m);
    } else if (how === 'requeue') u.q.requeue(u.m);
    else u.q.reject(u.m);
  }

  private requeueAll(): void {
    const touched = new Set<Queue>();
    for (const u of this.unacked.values()) {
      if (u.c) u.c.unacked--;
      u.q.requeue(u.m);
      touched.add(u.q);
    }
    this.unacked.clear();
    for (const q of touched) q.dispatch();
  }

  /** Lets every queue this channel consumes from try to deliver again. */
  kick(): void {
    for (const c of [...this.consumers.values()]) c.queue.dispatch();
  }

  /** Releases everything: consumers cancelled, unacked messages requeued (redelivered). */
  release(): void {
    this.closing = true;
    this.content = null;
    this.confirms.length = 0; // emptied, not replaced: a field's first reassignment deoptimises its readers (shape.ts)
    this.settledConfirms = objectList();
    for (const c of this.consumers.values()) c.queue.removeConsumer(c);
    const consumed = [...this.consumers.values()];
    this.consumers.clear();
    this.requeueAll();
    for (const c of consumed) c.queue.dispatch();
  }
}

export function checkExclusive(ch: Channel, q: Queue): void {
  const owner = q.opts.exclusiveOwner;
  if (owner && owner !== ch.conn)
    fail(
      405,
      `cannot obtain exclusive access to locked queue '${q.name}' in vhost '${ch.conn.vhost.name}'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
    );
}
