// A message as a queue holds it, and the header rewriting dead-lettering does (x-death).
import { decodeProperties, encodePropertiesRaw, type Fields } from './codec';
import type { Loc } from './store/records';

export interface Message {
  id: number; // per-queue sequence, also the order requeued messages go back in
  exchange: string;
  routingKey: string;
  props: Buffer; // raw basic-properties bytes (flags + fields), forwarded untouched
  body: Buffer | null; // null while paged out to the queue's log
  size: number;
  persistent: boolean; // written to the log and recovered after a restart
  expiresAt: number; // epoch ms, 0 = never
  redelivered: boolean;
  loc: Loc | null;
  decoded?: Fields;
  /** A publisher confirm waiting for this message to leave the ready list (queue.ts). */
  held?: { left: boolean; durable: boolean; cb: () => void };
}

export function propsOf(m: { props: Buffer; decoded?: Fields }): Fields {
  if (!m.decoded) m.decoded = decodeProperties(m.props);
  return m.decoded;
}

export type DeadLetterReason = 'rejected' | 'expired' | 'maxlen';

/** Properties of a dead-lettered copy, with the x-death bookkeeping RabbitMQ adds. */
export function deadLetterProps(m: Message, queue: string, reason: DeadLetterReason, now: number): Buffer {
  const props: Fields = { ...propsOf(m) };
  const headers: Fields = { ...(props.headers ?? {}) };
  const deaths: Fields[] = Array.isArray(headers['x-death']) ? headers['x-death'].map((d: Fields) => ({ ...d })) : [];
  const i = deaths.findIndex((d) => d.queue === queue && d.reason === reason);
  let entry: Fields;
  if (i >= 0) {
    entry = deaths.splice(i, 1)[0]!;
    entry.count = { '!': 'long', value: Number(valueOf(entry.count) ?? 0) + 1 };
  } else {
    entry = {
      count: { '!': 'long', value: 1 },
      reason,
      queue,
      time: { '!': 'timestamp', value: Math.floor(now / 1000) },
      exchange: m.exchange,
      'routing-keys': [m.routingKey],
    };
    if (props.expiration !== undefined) entry['original-expiration'] = props.expiration;
  }
  deaths.unshift(entry);
  headers['x-death'] = deaths;
  if (headers['x-first-death-reason'] === undefined) {
    headers['x-first-death-reason'] = reason;
    headers['x-first-death-queue'] = queue;
    headers['x-first-death-exchange'] = m.exchange;
  }
  props.headers = headers;
  delete props.expiration;
  return encodePropertiesRaw(props);
}

function valueOf(v: unknown): unknown {
  return v && typeof v === 'object' && '!' in (v as Fields) ? (v as Fields).value : v;
}

/** True when dead-lettering to `queue` again would loop without any rejection in between. */
export function isDeadLetterCycle(m: Message, targetQueue: string): boolean {
  const deaths = propsOf(m).headers?.['x-death'];
  if (!Array.isArray(deaths)) return false;
  const seen = deaths.some((d: Fields) => d.queue === targetQueue);
  return seen && !deaths.some((d: Fields) => d.reason === 'rejected');
}
