// Client-observable AMQP scenarios, run by the differential suite against RabbitMQ and the
// embedded broker. Each returns a JSON-able record of what an amqplib client saw.
import type { Channel, ChannelModel, ConsumeMessage, GetMessage } from 'amqplib';
import { chan, checkCode, code, confirmChan, depthOf, getAll, msgObs, open, sleep, until, withConn, type Scenario } from './scenario-kit';
import { compatScenarios } from './scenarios-compat';
import { errorScenarios } from './scenarios-errors';

export type { Scenario };

export const scenarios: Record<string, Scenario> = {
  async 'default exchange order and get counts'(url, id) {
    return withConn(url, async (_c, ch) => {
      const q = `${id}.q`;
      const decl = await ch.assertQueue(q, { durable: false });
      for (let i = 0; i < 5; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await sleep(50);
      const again = await ch.checkQueue(q);
      const got = await getAll(ch, q);
      const empty = await ch.get(q);
      await ch.deleteQueue(q);
      return { decl: { ...decl, queue: decl.queue === q }, again: again.messageCount, got, empty };
    });
  },

  async 'topic fanout headers direct routing'(url, id) {
    return withConn(url, async (_c, ch) => {
      const keys = ['a', 'a.b', 'a.b.c', 'b.a', '', 'x.a.y', 'a..b'];
      const patterns = ['a', '*', 'a.*', 'a.#', '#', '#.a', '*.a.*', 'a.*.c', '#.b.#', 'a.#.b'];
      await ch.assertExchange(`${id}.t`, 'topic', { durable: false });
      const qs: string[] = [];
      for (const [i, p] of patterns.entries()) {
        const q = `${id}.t${i}`;
        await ch.assertQueue(q, { exclusive: true });
        await ch.bindQueue(q, `${id}.t`, p);
        qs.push(q);
      }
      for (const k of keys) ch.publish(`${id}.t`, k, Buffer.from(k));
      await ch.assertExchange(`${id}.f`, 'fanout', { durable: false });
      await ch.assertExchange(`${id}.h`, 'headers', { durable: false });
      await ch.assertExchange(`${id}.d`, 'direct', { durable: false });
      await ch.assertQueue(`${id}.hall`, { exclusive: true });
      await ch.assertQueue(`${id}.hany`, { exclusive: true });
      await ch.bindQueue(`${id}.hall`, `${id}.h`, '', { 'x-match': 'all', a: 1, b: 'x' });
      await ch.bindQueue(`${id}.hany`, `${id}.h`, '', { 'x-match': 'any', a: 1, b: 'x' });
      await ch.bindQueue(`${id}.hall`, `${id}.f`, 'ignored');
      await ch.bindQueue(`${id}.hany`, `${id}.d`, 'k1');
      await ch.bindQueue(`${id}.hany`, `${id}.d`, 'k2');
      ch.publish(`${id}.h`, '', Buffer.from('both'), { headers: { a: 1, b: 'x' } });
      ch.publish(`${id}.h`, '', Buffer.from('a-only'), { headers: { a: 1 } });
      ch.publish(`${id}.h`, '', Buffer.from('none'), { headers: { c: 1 } });
      ch.publish(`${id}.f`, 'whatever', Buffer.from('fan'));
      ch.publish(`${id}.d`, 'k2', Buffer.from('direct-k2'));
      ch.publish(`${id}.d`, 'k3', Buffer.from('direct-k3'));
      await sleep(100);
      const out: Record<string, unknown> = {};
      for (const [i, q] of qs.entries()) out[patterns[i]!] = (await getAll(ch, q)).map((m) => (m as { body: string }).body);
      out.hall = (await getAll(ch, `${id}.hall`)).map((m) => (m as { body: string }).body);
      out.hany = (await getAll(ch, `${id}.hany`)).map((m) => (m as { body: string }).body);
      for (const x of ['t', 'f', 'h', 'd']) await ch.deleteExchange(`${id}.${x}`);
      return out;
    });
  },

  async 'mandatory return and confirms'(url, id) {
    const c = await open(url);
    try {
      const ch = await confirmChan(c);
      const returns: unknown[] = [];
      ch.on('return', (m: ConsumeMessage) => returns.push({ ...(msgObs(m) as object), code: (m.fields as any).replyCode, text: (m.fields as any).replyText }));
      await ch.assertQueue(`${id}.q`, { exclusive: true });
      const acks: unknown[] = [];
      const pub = (rk: string, mandatory: boolean) =>
        new Promise<void>((res) => ch.publish('', rk, Buffer.from(rk), { mandatory }, (err: unknown) => (acks.push(err ? 'nack' : 'ack'), res())));
      await Promise.all([pub(`${id}.q`, true), pub(`${id}.nowhere`, true), pub(`${id}.nowhere2`, false)]);
      await ch.waitForConfirms();
      await sleep(50);
      return { returns, acks };
    } finally {
      await c.close().catch(() => {});
    }
  },

  async 'nack reject requeue order and redelivered'(url, id) {
    return withConn(url, async (_c, ch) => {
      const q = `${id}.q`;
      await ch.assertQueue(q, { exclusive: true });
      for (let i = 0; i < 6; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await sleep(50);
      const ms: GetMessage[] = [];
      for (let i = 0; i < 4; i++) ms.push((await ch.get(q)) as GetMessage);
      ch.nack(ms[1]!, true, true); // m0, m1 back
      ch.reject(ms[3]!, true); // m3 back
      ch.reject(ms[2]!, false); // m2 dropped
      await sleep(50);
      const after = await getAll(ch, q);
      return { after };
    });
  },

  async 'channel close requeues unacked with redelivered'(url, id) {
    const c = await open(url);
    try {
      const ch1 = await chan(c);
      const q = `${id}.q`;
      await ch1.assertQueue(q, { durable: false });
      for (let i = 0; i < 4; i++) ch1.sendToQueue(q, Buffer.from(`m${i}`));
      const ch2 = await chan(c);
      await ch2.prefetch(3);
      const seen: unknown[] = [];
      await ch2.consume(q, (m) => seen.push(msgObs(m)));
      await until(() => seen.length >= 3); // the prefetch: deliveries come in the broker's time
      await sleep(150); // (and a fourth, past the prefetch, would show here)
      await ch2.close();
      await sleep(50);
      const after = await getAll(ch1, q);
      await ch1.deleteQueue(q);
      return { seen, after };
    } finally {
      await c.close().catch(() => {});
    }
  },

  async 'prefetch limits and round robin'(url, id) {
    return withConn(url, async (c, ch) => {
      const q = `${id}.q`;
      await ch.assertQueue(q, { exclusive: true });
      for (let i = 0; i < 10; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await sleep(50);
      const ch2 = await chan(c);
      await ch2.prefetch(2);
      const a: ConsumeMessage[] = [];
      const b: ConsumeMessage[] = [];
      await ch2.consume(q, (m) => a.push(m!), { consumerTag: 'A' });
      await ch2.consume(q, (m) => b.push(m!), { consumerTag: 'B' });
      await until(() => a.length + b.length >= 4); // both prefetch windows filled, in the broker's time
      await sleep(150); // (a delivery past them would show here)
      const first = { a: a.map((m) => m.content.toString()), b: b.map((m) => m.content.toString()) };
      ch2.ack(a[0]!);
      await until(() => a.length + b.length >= 5);
      await sleep(100);
      const second = { a: a.length, b: b.length };
      const decl = await ch.checkQueue(q);
      return { first, second, ready: decl.messageCount, consumers: decl.consumerCount };
    });
  },

  async 'basic.recover redelivers'(url, id) {
    return withConn(url, async (_c, ch) => {
      const q = `${id}.q`;
      await ch.assertQueue(q, { exclusive: true });
      for (let i = 0; i < 3; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await sleep(50);
      await ch.get(q);
      await ch.get(q);
      await ch.recover();
      await sleep(50);
      return { after: await getAll(ch, q) };
    });
  },

  async 'ttl expiry dead-lettering and x-death'(url, id) {
    return withConn(url, async (c, ch) => {
      await ch.assertExchange(`${id}.dlx`, 'direct', { durable: false });
      await ch.assertQueue(`${id}.dead`, { exclusive: true });
      await ch.bindQueue(`${id}.dead`, `${id}.dlx`, 'gone');
      await ch.assertQueue(`${id}.ttl`, {
        exclusive: true,
        arguments: { 'x-message-ttl': 100, 'x-dead-letter-exchange': `${id}.dlx`, 'x-dead-letter-routing-key': 'gone' },
      });
      ch.sendToQueue(`${id}.ttl`, Buffer.from('a'), { headers: { h: 1 } });
      ch.sendToQueue(`${id}.ttl`, Buffer.from('b'), { expiration: '30' });
      await sleep(400);
      // expiry and dead-lettering run on the broker's timers and queues: RabbitMQ under load can be later
      await until(async () => (await depthOf(c, `${id}.ttl`)) === 0 && (await depthOf(c, `${id}.dead`)) >= 2);
      const ttlLeft = (await ch.checkQueue(`${id}.ttl`)).messageCount;
      const dead: unknown[] = [];
      for (;;) {
        const m = await ch.get(`${id}.dead`, { noAck: true });
        if (!m) break;
        const h = m.properties.headers ?? {};
        const d = (h['x-death'] as any[]).map((x) => ({ count: x.count, reason: x.reason, queue: x.queue === `${id}.ttl`, rks: x['routing-keys'], oe: x['original-expiration'] ?? null }));
        dead.push({ body: m.content.toString(), rk: m.fields.routingKey, h: h.h ?? null, d, first: h['x-first-death-reason'], exp: m.properties.expiration ?? null });
      }
      dead.sort((a: any, b: any) => (a.body < b.body ? -1 : 1));
      // reject -> dead-letter with reason rejected
      await ch.assertQueue(`${id}.rej`, { exclusive: true, arguments: { 'x-dead-letter-exchange': `${id}.dlx`, 'x-dead-letter-routing-key': 'gone' } });
      ch.sendToQueue(`${id}.rej`, Buffer.from('r'));
      await sleep(50);
      ch.reject((await ch.get(`${id}.rej`)) as GetMessage, false);
      await sleep(50);
      await until(async () => (await depthOf(c, `${id}.dead`)) >= 1);
      const rej = await ch.get(`${id}.dead`, { noAck: true });
      const rd = rej ? (rej.properties.headers!['x-death'] as any[])[0] : null;
      await ch.deleteExchange(`${id}.dlx`);
      return { ttlLeft, dead, rejected: rd && { reason: rd.reason, count: rd.count } };
    });
  },

  async 'max-length drop-head and reject-publish'(url, id) {
    const c = await open(url);
    try {
      const ch = await confirmChan(c);
      await ch.assertQueue(`${id}.dl`, { exclusive: true });
      await ch.assertQueue(`${id}.ml`, { exclusive: true, arguments: { 'x-max-length': 2, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${id}.dl` } });
      for (let i = 0; i < 5; i++) ch.sendToQueue(`${id}.ml`, Buffer.from(`m${i}`));
      await ch.waitForConfirms();
      await ch.assertQueue(`${id}.rp`, { exclusive: true, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
      const acks: string[] = [];
      await Promise.all(
        [0, 1, 2].map((i) => new Promise<void>((res) => ch.sendToQueue(`${id}.rp`, Buffer.from(`r${i}`), {}, (err: unknown) => (acks.push(`r${i}:${err ? 'nack' : 'ack'}`), res())))),
      );
      await sleep(50);
      // the dropped heads are dead-lettered by the broker in its own time (RabbitMQ: queue to queue)
      await until(async () => (await depthOf(c, `${id}.dl`)) >= 3);
      return {
        kept: (await getAll(ch, `${id}.ml`)).map((m: any) => m.body),
        dead: (await getAll(ch, `${id}.dl`)).map((m: any) => m.body),
        rp: (await getAll(ch, `${id}.rp`)).map((m: any) => m.body),
        acks: acks.sort(),
      };
    } finally {
      await c.close().catch(() => {});
    }
  },

  async 'purge delete counts and idempotent deletes'(url, id) {
    return withConn(url, async (_c, ch) => {
      const q = `${id}.q`;
      await ch.assertQueue(q, { durable: false });
      for (let i = 0; i < 3; i++) ch.sendToQueue(q, Buffer.from('x'));
      await sleep(50);
      const purge = await ch.purgeQueue(q);
      for (let i = 0; i < 2; i++) ch.sendToQueue(q, Buffer.from('x'));
      await sleep(50);
      const del = await ch.deleteQueue(q);
      const delMissing = await ch.deleteQueue(`${id}.missing`);
      const exMissing = await code(() => ch.deleteExchange(`${id}.missing-ex`));
      return { purge, del, delMissing, exMissing };
    });
  },

  async 'auto-delete and exclusive lifecycles'(url, id) {
    const c1 = await open(url);
    const c2 = await open(url);
    try {
      const ch1 = await chan(c1);
      await ch1.assertQueue(`${id}.ad`, { autoDelete: true });
      const { consumerTag } = await ch1.consume(`${id}.ad`, () => {});
      await ch1.cancel(consumerTag);
      await sleep(100);
      // RabbitMQ deletes the queue after the cancel-ok, in its own time
      await until(async () => (await checkCode(c2, `${id}.ad`)) === 404);
      const ch2 = await chan(c2);
      const adGone = await code(() => ch2.checkQueue(`${id}.ad`));
      await ch1.assertQueue(`${id}.ex`, { exclusive: true });
      const ch3 = await chan(c2);
      const otherPassive = await code(() => ch3.checkQueue(`${id}.ex`));
      const ch4 = await chan(c2);
      const otherConsume = await code(() => ch4.consume(`${id}.ex`, () => {}));
      await c1.close();
      await sleep(100);
      await until(async () => (await checkCode(c2, `${id}.ex`)) === 404); // deleted after the owner left, in the broker's time
      const ch5 = await chan(c2);
      const exGone = await code(() => ch5.checkQueue(`${id}.ex`));
      return { adGone, otherPassive, otherConsume, exGone };
    } finally {
      await c1.close().catch(() => {});
      await c2.close().catch(() => {});
    }
  },

  async 'x-expires deletes an unused queue'(url, id) {
    return withConn(url, async (c, ch) => {
      // (polling would renew the lease: fixed waits, with 500 ms to spare on each side of the expiry
      // for a loaded machine; 300 ms left only 200 before the early check)
      await ch.assertQueue(`${id}.exp`, { arguments: { 'x-expires': 600 } });
      await sleep(100);
      const early = (await ch.checkQueue(`${id}.exp`)).queue === `${id}.exp`;
      await sleep(1100);
      const ch2 = await chan(c);
      return { early, late: await code(() => ch2.checkQueue(`${id}.exp`)) };
    });
  },

  async 'exchange to exchange bindings and alternate exchange'(url, id) {
    return withConn(url, async (_c, ch) => {
      await ch.assertExchange(`${id}.src`, 'topic', { durable: false });
      await ch.assertExchange(`${id}.dst`, 'fanout', { durable: false });
      await ch.assertExchange(`${id}.ae`, 'fanout', { durable: false });
      await ch.assertExchange(`${id}.withae`, 'direct', { durable: false, alternateExchange: `${id}.ae` });
      await ch.bindExchange(`${id}.dst`, `${id}.src`, 'a.*');
      await ch.assertQueue(`${id}.q`, { exclusive: true });
      await ch.assertQueue(`${id}.aeq`, { exclusive: true });
      await ch.bindQueue(`${id}.q`, `${id}.dst`, '');
      await ch.bindQueue(`${id}.aeq`, `${id}.ae`, '');
      ch.publish(`${id}.src`, 'a.b', Buffer.from('hit'));
      ch.publish(`${id}.src`, 'b.b', Buffer.from('miss'));
      ch.publish(`${id}.withae`, 'x', Buffer.from('to-ae'));
      await sleep(50);
      const q = (await getAll(ch, `${id}.q`)).map((m: any) => m.body);
      await ch.unbindExchange(`${id}.dst`, `${id}.src`, 'a.*');
      ch.publish(`${id}.src`, 'a.c', Buffer.from('after-unbind'));
      await sleep(50);
      const q2 = (await getAll(ch, `${id}.q`)).map((m: any) => m.body);
      const ae = (await getAll(ch, `${id}.aeq`)).map((m: any) => m.body);
      for (const x of ['src', 'dst', 'ae', 'withae']) await ch.deleteExchange(`${id}.${x}`);
      return { q, q2, ae };
    });
  },

  async 'properties round trip and consumer cancel on delete'(url, id) {
    return withConn(url, async (c, ch) => {
      const q = `${id}.q`;
      await ch.assertQueue(q, { durable: false });
      const props = {
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        headers: { s: 'str', n: 42, big: 2 ** 40, f: 1.5, b: true, arr: [1, 'two'], t: { nested: 'x' } },
        deliveryMode: 2,
        priority: 3,
        correlationId: 'corr',
        replyTo: 'rt',
        expiration: '60000',
        messageId: 'mid',
        timestamp: 1700000000,
        type: 'typ',
        appId: 'app',
      };
      ch.sendToQueue(q, Buffer.alloc(300000, 7), props);
      await sleep(80);
      const m = (await ch.get(q, { noAck: true })) as GetMessage;
      const got = { ...m.properties, size: m.content.length, sum: m.content.reduce((a, b) => a + b, 0) };
      const ch2 = await chan(c);
      let cancelled = false;
      await ch2.consume(q, (msg) => {
        if (msg === null) cancelled = true;
      });
      await ch.deleteQueue(q);
      await sleep(80);
      await until(() => cancelled, 5000); // the cancel notification comes in the broker's time
      return { got, cancelled };
    });
  },
  ...errorScenarios,
  ...compatScenarios,
};
