// Differential scenarios for issue 13: connection.update-secret, publisher confirms that use
// multiple=true, the server properties clients switch features on, consumer priorities.
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { chan, code, confirmChan, open, sleep, until, type Scenario } from './scenario-kit';

/** amqplib's ChannelModel.updateSecret (RabbitMQ ≥ 3.8), typed here. */
function updateSecret(c: ChannelModel, secret: string): Promise<unknown> {
  return (c as unknown as { updateSecret(s: Buffer, reason: string): Promise<unknown> }).updateSecret(Buffer.from(secret), 'rotation');
}

/** The password in an amqp://user:pass@… URL. */
const passwordOf = (url: string) => decodeURIComponent(new URL(url).password);

export const compatScenarios: Record<string, Scenario> = {
  async 'connection.update-secret with the current secret'(url) {
    const c = await open(url);
    try {
      const first = await code(() => updateSecret(c, passwordOf(url)));
      const second = await code(() => updateSecret(c, passwordOf(url)));
      // the connection keeps working afterwards
      const ch = await chan(c);
      const q = await ch.assertQueue('', { exclusive: true });
      ch.sendToQueue(q.queue, Buffer.from('after update-secret'));
      await sleep(50);
      const m = await ch.get(q.queue, { noAck: true });
      return { first, second, after: m ? m.content.toString() : null };
    } finally {
      await c.close().catch(() => {});
    }
  },

  async 'publisher confirms: a group of 1,000 is acknowledged with multiple=true'(url, id) {
    const c = await open(url);
    try {
      const ch: ConfirmChannel = await confirmChan(c);
      const q = `${id}.confirms`;
      await ch.assertQueue(q, { durable: true });
      const acks: Array<{ deliveryTag: number; multiple: boolean }> = [];
      (ch as unknown as NodeJS.EventEmitter).on('ack', (f: { deliveryTag: number; multiple: boolean }) => acks.push(f));
      for (let i = 0; i < 1000; i++) ch.sendToQueue(q, Buffer.alloc(1024, i & 0xff), { persistent: true });
      await ch.waitForConfirms();
      const covered = new Set<number>();
      let prev = 0;
      for (const a of acks) {
        for (let t = a.multiple ? prev + 1 : a.deliveryTag; t <= a.deliveryTag; t++) covered.add(t);
        prev = Math.max(prev, a.deliveryTag);
      }
      const count = (await ch.checkQueue(q)).messageCount;
      await ch.deleteQueue(q);
      return {
        everyMessageConfirmed: covered.size === 1000,
        usedMultiple: acks.some((a) => a.multiple),
        fewerFramesThanMessages: acks.length < 1000,
        tagsIncrease: acks.every((a, i) => i === 0 || a.deliveryTag > acks[i - 1]!.deliveryTag),
        queued: count,
      };
    } finally {
      await c.close().catch(() => {});
    }
  },

  async 'server properties: version and capabilities'(url) {
    const c = await open(url);
    try {
      const p = (c as unknown as { connection: { serverProperties: Record<string, unknown> } }).connection.serverProperties;
      // direct_reply_to: not implemented by the embedded broker (it announces false); the rest must match.
      const { direct_reply_to: _drt, ...capabilities } = p.capabilities as Record<string, unknown>;
      return { version: p.version, platformIsErlang: /^Erlang\/OTP \d+/.test(String(p.platform)), capabilities };
    } finally {
      await c.close().catch(() => {});
    }
  },

  async 'consumer priorities: the higher x-priority consumer gets the messages'(url, id) {
    const c = await open(url);
    try {
      const ch = await chan(c);
      const q = `${id}.prio`;
      await ch.assertQueue(q, { exclusive: true });
      const got: Record<string, number> = { low: 0, high: 0, mid: 0 };
      for (const [name, priority] of [['low', -1], ['high', 10], ['mid', 0]] as const) {
        await ch.consume(q, () => void got[name]!++, { noAck: true, priority });
      }
      for (let i = 0; i < 20; i++) ch.sendToQueue(q, Buffer.from(`p${i}`));
      await until(() => Object.values(got).reduce((x, y) => x + y, 0) >= 20); // every delivery, in the broker's time
      await sleep(50);
      const bad = await code(async () => {
        const ch2 = await chan(c);
        await ch2.consume(q, () => undefined, { arguments: { 'x-priority': 'high' } });
      });
      return { got, bad };
    } finally {
      await c.close().catch(() => {});
    }
  },
};
