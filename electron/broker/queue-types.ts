// What a queue deals with: its consumers (and the channels delivering to them), its host (the
// vhost: stores, memory budget, dead-lettering), its options and a message being published.
import type { Fields } from './codec';
import type { Message } from './message';
import type { Queue } from './queue';
import type { MessageStore } from './store/message-store';

export interface ConsumerChannel {
  canDeliver(c: Consumer): boolean;
  deliver(c: Consumer, msg: Message): void;
  serverCancel(c: Consumer): void;
}

export interface Consumer {
  tag: string;
  queue: Queue;
  noAck: boolean;
  exclusive: boolean;
  prefetch: number;
  unacked: number;
  channel: ConsumerChannel;
  /** x-priority (RabbitMQ consumer priorities): higher ones get messages first. Default 0. */
  priority?: number;
}

/**
 * A consumer as channels create them. A class, not an object literal: V8 builds a literal's
 * boilerplate on its second run and widens its object fields' types then ("uninitialized field"),
 * which at the second consumer ever deoptimised every function that read `queue` or `channel`.
 */
export class ConsumerEntry implements Consumer {
  unacked = 0;
  constructor(
    public tag: string,
    public queue: Queue,
    public noAck: boolean,
    public exclusive: boolean,
    public prefetch: number,
    public channel: ConsumerChannel,
    public priority: number,
  ) {}
}

export interface QueueHost {
  readonly vhostName: string;
  memory: { bytes: number; limit: number };
  /** Longest a publisher confirm is held for a message waiting in a consuming queue (0: never). */
  readonly confirmHoldMs: number;
  /** Routes a dead-lettered copy; returns nothing (no confirms, no returns). */
  deadLetter(exchange: string, routingKey: string, props: Buffer, body: Buffer, persistent: boolean, from: Queue): void;
  deleteQueue(q: Queue, reason: string): void;
  /** durable: the shared log of persistent messages; scratch: paged-out bodies (not kept over a restart). */
  readonly stores: { durable: MessageStore; scratch: MessageStore };
}

export interface QueueOptions {
  durable: boolean;
  autoDelete: boolean;
  exclusiveOwner: object | null;
  args: Fields;
}

export type PublishInput = Omit<Message, 'id' | 'loc' | 'redelivered' | 'persistent' | 'expiresAt'> & {
  deliveryMode: number;
  expiration: number | null; // per-message TTL in ms
};
