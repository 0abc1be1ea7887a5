// Helpers shared by the differential scenarios (amqplib connections, reply-code capture).
import amqp, { type Channel, type ConfirmChannel, type ChannelModel, type ConsumeMessage, type GetMessage } from 'amqplib';

export type Obs = unknown;
export type Scenario = (url: string, id: string) => Promise<Obs>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` holds or `ms` passed, without throwing: what the scenario then records is
 *  compared between the brokers. For what a broker does in its own time (deliveries to a consumer,
 *  dead-lettering, expiry, auto-delete, a consumer-cancel notification): RabbitMQ on a loaded 2-core
 *  machine can take longer than any fixed sleep, and a broker that never does it still differs. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond()) && Date.now() < end) await sleep(10);
}

/** A queue's ready count, read on a channel of its own (0 when it does not exist). */
export async function depthOf(c: ChannelModel, q: string): Promise<number> {
  const ch = await chan(c);
  try {
    return (await ch.checkQueue(q)).messageCount;
  } catch {
    return 0;
  } finally {
    await ch.close().catch(() => {});
  }
}

/** What a passive declare of `q` answers ('ok' or the reply code), on a channel of its own. */
export async function checkCode(c: ChannelModel, q: string): Promise<string | number> {
  const ch = await chan(c);
  const r = await code(() => ch.checkQueue(q));
  if (r === 'ok') await ch.close().catch(() => {});
  return r;
}

export async function open(url: string): Promise<ChannelModel> {
  const c = await amqp.connect(url);
  c.on('error', () => {});
  return c;
}

export async function chan(c: ChannelModel): Promise<Channel> {
  const ch = await c.createChannel();
  ch.on('error', () => {});
  return ch;
}

export async function confirmChan(c: ChannelModel): Promise<ConfirmChannel> {
  const ch = await c.createConfirmChannel();
  ch.on('error', () => {});
  return ch;
}

/** Runs op; returns 'ok' or the reply code of the channel/connection exception it caused. */
export async function code(op: () => Promise<unknown>): Promise<string | number> {
  try {
    await op();
    return 'ok';
  } catch (e) {
    return (e as { code?: number }).code ?? String((e as Error).message);
  }
}

export function msgObs(m: GetMessage | ConsumeMessage | false | null): unknown {
  if (!m) return null;
  return { body: m.content.toString(), redelivered: m.fields.redelivered, rk: m.fields.routingKey, ex: m.fields.exchange };
}

export async function getAll(ch: Channel, q: string, ack = true): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const m = await ch.get(q, { noAck: !ack });
    if (!m) return out;
    out.push({ ...(msgObs(m) as object), left: m.fields.messageCount });
    if (ack) ch.ack(m);
  }
}

export async function withConn<T>(url: string, fn: (c: ChannelModel, ch: Channel) => Promise<T>): Promise<T> {
  const c = await open(url);
  try {
    const ch = await chan(c);
    return await fn(c, ch);
  } finally {
    await c.close().catch(() => {});
  }
}

