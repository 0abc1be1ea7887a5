// Differential scenarios about errors: channel and connection exception reply codes.
import amqp, { type ChannelModel, type GetMessage } from 'amqplib';
import { chan, code, open, sleep, type Scenario } from './scenario-kit';

export const errorScenarios: Record<string, Scenario> = {
  async 'channel exception codes'(url, id) {
    const c = await open(url);
    const r: Record<string, unknown> = {};
    try {
      const fresh = () => chan(c);
      let ch = await fresh();
      r.passiveMissing = await code(() => ch.checkQueue(`${id}.nope`));
      ch = await fresh();
      await ch.assertQueue(`${id}.q`, { durable: false });
      r.inequivalent = await code(() => ch.assertQueue(`${id}.q`, { durable: true }));
      ch = await fresh();
      r.inequivalentArgs = await code(() => ch.assertQueue(`${id}.q`, { durable: false, arguments: { 'x-max-length': 3 } }));
      ch = await fresh();
      r.reservedQueue = await code(() => ch.assertQueue(`amq.${id}`));
      ch = await fresh();
      r.reservedExchange = await code(() => ch.assertExchange(`amq.${id}`, 'direct'));
      ch = await fresh();
      r.defaultExchangeDeclare = await code(() => ch.checkExchange(''));
      ch = await fresh();
      r.amqDirectOk = await code(() => ch.assertExchange('amq.direct', 'direct', { durable: true }));
      ch = await fresh();
      r.exchangeTypeMismatch = await code(() => ch.assertExchange('amq.direct', 'fanout'));
      ch = await fresh();
      r.bindMissingExchange = await code(() => ch.bindQueue(`${id}.q`, `${id}.nox`, 'k'));
      ch = await fresh();
      r.bindMissingQueue = await code(() => ch.bindQueue(`${id}.noq`, 'amq.direct', 'k'));
      ch = await fresh();
      r.bindDefault = await code(() => ch.bindQueue(`${id}.q`, '', 'k'));
      ch = await fresh();
      r.unbindMissingBinding = await code(() => ch.unbindQueue(`${id}.q`, 'amq.direct', 'never-bound'));
      ch = await fresh();
      r.deleteAmq = await code(() => ch.deleteExchange('amq.fanout'));
      ch = await fresh();
      ch.sendToQueue(`${id}.q`, Buffer.from('x'));
      await sleep(30);
      r.ifEmpty = await code(() => ch.deleteQueue(`${id}.q`, { ifEmpty: true }));
      ch = await fresh();
      await ch.consume(`${id}.q`, () => {});
      r.ifUnused = await code(() => ch.deleteQueue(`${id}.q`, { ifUnused: true }));
      ch = await fresh();
      r.consumeMissing = await code(() => ch.consume(`${id}.nope`, () => {}));
      ch = await fresh();
      await ch.consume(`${id}.q`, () => {}, { exclusive: false });
      r.exclusiveConsumeBusy = await code(() => ch.consume(`${id}.q`, () => {}, { exclusive: true }));
      ch = await fresh();
      const x = `${id}.x`;
      await ch.assertExchange(x, 'fanout', { durable: false });
      await ch.bindQueue(`${id}.q`, x, '');
      r.exchangeIfUnused = await code(() => ch.deleteExchange(x, { ifUnused: true }));
      ch = await fresh();
      ch.publish(`${id}.nox`, 'k', Buffer.from('x'));
      r.publishMissingExchange = await code(() => ch.checkQueue(`${id}.q`));
      ch = await fresh();
      ch.ack({ fields: { deliveryTag: 77 } } as any);
      r.unknownTag = await code(() => ch.checkQueue(`${id}.q`));
      ch = await fresh();
      await ch.assertQueue(`${id}.g`, { exclusive: true });
      ch.sendToQueue(`${id}.g`, Buffer.from('x'));
      await sleep(30);
      const m = (await ch.get(`${id}.g`)) as GetMessage;
      ch.ack(m);
      ch.ack(m);
      r.doubleAck = await code(() => ch.checkQueue(`${id}.q`));
      ch = await fresh();
      r.badTtl = await code(() => ch.assertQueue(`${id}.badttl`, { arguments: { 'x-message-ttl': -5 } }));
      ch = await fresh();
      r.badExpiration = await code(async () => {
        ch.sendToQueue(`${id}.q`, Buffer.from('x'), { expiration: 'soon' });
        await ch.checkQueue(`${id}.q`);
      });
      ch = await fresh();
      await ch.deleteQueue(`${id}.q`);
      await ch.deleteExchange(x);
      return r;
    } finally {
      await c.close().catch(() => {});
    }
  },

  async 'connection exception codes'(url, id) {
    const r: Record<string, unknown> = {};
    const closeCode = (c: ChannelModel) => new Promise<unknown>((res) => c.on('error', (e: { code?: number }) => res(e.code)));
    let c = await open(url);
    let closed = closeCode(c);
    let ch = await chan(c);
    await code(() => ch.assertExchange(`${id}.weird`, 'nonsense'));
    r.unknownExchangeType = await closed;
    c = await open(url);
    closed = closeCode(c);
    ch = await chan(c);
    await ch.assertQueue(`${id}.q`, { exclusive: true });
    await ch.consume(`${id}.q`, () => {}, { consumerTag: 'dup' });
    await code(() => ch.consume(`${id}.q`, () => {}, { consumerTag: 'dup' }));
    r.reuseTag = await closed;
    r.badLogin = await code(() => amqp.connect(url.replace(/\/\/[^:]+:[^@]+@/, '//test:wrong@')));
    r.badVhost = await code(async () => {
      const cc = await amqp.connect(`${url}/${id}-novhost`);
      cc.on('error', () => {});
      await cc.close();
    });
    return r;
  },

};
