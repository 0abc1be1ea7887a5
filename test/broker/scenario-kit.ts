// Helpers shared by the differential scenarios (amqplib connections, reply-code capture).
import amqp, { type Channel, type ConfirmChannel, type ChannelModel, type ConsumeMessage, type GetMessage } from 'amqplib';

export type Obs = unknown;
export type Scenario = (url: string, id: string) => Promise<Obs>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

