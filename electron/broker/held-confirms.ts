// Held publisher confirms: a persistent message routed to a queue whose consumers are taking
// messages is confirmed once it is on disk *and* has left the ready list (handed to a consumer,
// got, dropped, purged) — not while it still waits behind the backlog. A publisher's window of
// unconfirmed messages then bounds how far the queue runs ahead of its consumers (RabbitMQ's
// credit flow plays that role there), so publish→deliver latency stays about window / rate.
// Never longer than the queue's hold limit (BrokerOptions.confirmHoldMs, default HOLD_MAX_MS):
// a consumer that stops taking messages (a stuck box) delays a confirm at most that long, and
// once it has taken nothing for that long no confirm is held for it (queue.ts). Confirms of other
// queues' messages are not held behind these (channel.ts confirms out of order). Confirmed still
// means on disk: both conditions must hold.
import { Deque } from './deque';
import type { Message } from './message';

export const HOLD_MAX_MS = 200;

interface HeldConfirm {
  m: Message;
  cb: () => void;
  at: number;
  durable: boolean;
  left: boolean;
}

/** One queue's held confirms, in publish order (settled ones dropped lazily). */
export class HeldConfirms {
  private readonly held = new Deque<HeldConfirm>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** The longest a confirm may be held (ms). */
    private readonly maxMs: () => number,
  ) {}

  /** Holds `cb` until `m` has left the ready list and the returned callback (durable) ran. */
  hold(m: Message, cb: () => void, now: number): () => void {
    const h: HeldConfirm = { m, cb, at: now, durable: false, left: false };
    m.held = h;
    this.held.push(h);
    this.arm();
    return () => {
      h.durable = true;
      if (h.left) h.cb();
    };
  }

  /** Confirms held for `age` ms or longer (0: all) go once their message is on disk; the rest stay held. */
  release(age: number): void {
    const now = Date.now();
    for (let h = this.held.peek(); h; h = this.held.peek()) {
      if (!h.left && now - h.at < age) break;
      this.held.shift();
      leftReady(h.m);
    }
    if (this.held.length === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer) return;
    const head = this.held.peek();
    if (!head) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.release(this.maxMs());
        this.arm();
      },
      Math.max(1, head.at + this.maxMs() - Date.now()),
    );
    this.timer.unref();
  }
}

/** The message left the ready list: its held confirm (if any) goes once it is on disk. */
export function leftReady(m: Message): void {
  const h = m.held;
  if (!h) return;
  m.held = undefined;
  h.left = true;
  if (h.durable) h.cb();
}
