// Held publisher confirms (queue.ts): a persistent message routed to a queue whose consumers are
// taking messages is confirmed once it is on disk and has left the ready list — a publisher's
// window then bounds how far it runs ahead of the consumers. A stuck consumer holds a confirm at
// most HOLD_MAX_MS, a consumer that goes away releases them, and a held confirm never holds up
// the confirms of other queues' messages on the same channel (sent out of order, as RabbitMQ).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { startBroker, type Broker } from '../../electron/broker/index';
import { connect, sleep, tempDir } from './helpers';

describe('held publisher confirms', { timeout: 60_000 }, () => {
  const dir = tempDir('held');
  let b: Broker;
  let pc: ChannelModel;
  let cc: ChannelModel;
  before(async () => {
    b = await startBroker({ port: 0, dataDir: dir, users: [{ name: 'test', password: 'test' }], confirmHoldMs: 3000 }); // long: no flake under load
    pc = await connect(b.port);
    cc = await connect(b.port);
  });
  after(async () => {
    await pc.close().catch(() => {});
    await cc.close().catch(() => {});
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const depth = (q: string) => b.stats().queues.find((x) => x.name === q)!.messages;
  /** Publishes and resolves with the queue's ready depth at the moment its confirm arrives. */
  const publish = (ch: ConfirmChannel, q: string, body: string, watch = q) =>
    new Promise<number>((resolve, reject) => ch.sendToQueue(q, Buffer.from(body), { persistent: true }, (err) => (err ? reject(err) : resolve(depth(watch)))));

  /** A consumer with prefetch 1 on `q` that keeps what it gets until told to ack. */
  async function slowConsumer(q: string) {
    const ch = await cc.createChannel();
    await ch.prefetch(1);
    const got: ConsumeMessage[] = [];
    const { consumerTag } = await ch.consume(q, (m) => m && got.push(m));
    return { ch, got, consumerTag };
  }

  it('waits until the message is handed to a consumer, and is still sent after the fdatasync', async () => {
    const pub = await pc.createConfirmChannel();
    await pub.assertQueue('held-a', { durable: true });
    const con = await slowConsumer('held-a');
    assert.equal(await publish(pub, 'held-a', 'first'), 0); // idle consumer: delivered at once
    while (con.got.length < 1) await sleep(5);
    const syncsBefore = (b as unknown as { stores: { durable: { syncs: number } } }).stores.durable.syncs;
    const second = publish(pub, 'held-a', 'second'); // the consumer is full: waits in the queue
    while (depth('held-a') < 1) await sleep(5);
    con.ch.ack(con.got[0]!);
    // Confirmed only once it left the ready list (without holding it would come while still queued).
    assert.equal(await second, 0);
    while (con.got.length < 2) await sleep(5);
    assert.equal(con.got[1]!.content.toString(), 'second');
    assert.ok((b as unknown as { stores: { durable: { syncs: number } } }).stores.durable.syncs > syncsBefore, 'an fdatasync came before the confirm');
    con.ch.ack(con.got[1]!);
    await pub.close();
    await con.ch.close();
  });

  it('a stuck consumer delays a confirm only briefly; other queues are confirmed meanwhile', async () => {
    const pub = await pc.createConfirmChannel();
    await pub.assertQueue('held-stuck', { durable: true });
    await pub.assertQueue('held-other', { durable: true }); // no consumer, like an offline box
    const con = await slowConsumer('held-stuck');
    await publish(pub, 'held-stuck', 'taken'); // delivered, never acked
    while (con.got.length < 1) await sleep(5);
    const order: string[] = [];
    const stuck = publish(pub, 'held-stuck', 'stuck').then((d) => (order.push('stuck'), d));
    const other = publish(pub, 'held-other', 'other').then((d) => (order.push('other'), d));
    assert.equal(await other, 1);
    // The older confirm is still held while the later one to another queue went out alone.
    assert.deepEqual(order, ['other']);
    // The stuck queue's own confirm comes anyway (after confirmHoldMs), the message still waiting in it.
    assert.equal(await stuck, 1);
    // The channel's confirms stay consistent for amqplib (multiple acks after a single one).
    for (let i = 0; i < 20; i++) void publish(pub, i % 2 ? 'held-stuck' : 'held-other', `m${i}`);
    await pub.waitForConfirms();
    assert.equal(depth('held-stuck'), 11);
    assert.equal(depth('held-other'), 11);
    await con.ch.close(); // the unacked one goes back: 12
    assert.equal(await pub.checkQueue('held-stuck').then((q) => q.messageCount), 12);
    await pub.close();
  });

  it('a consumer that goes away releases the confirms held for its queue', async () => {
    const pub = await pc.createConfirmChannel();
    await pub.assertQueue('held-gone', { durable: true });
    const con = await slowConsumer('held-gone');
    await publish(pub, 'held-gone', 'taken');
    while (con.got.length < 1) await sleep(5);
    let confirmed = false;
    const held = publish(pub, 'held-gone', 'waiting').then((d) => ((confirmed = true), d));
    while (depth('held-gone') < 1) await sleep(1);
    await con.ch.cancel(con.consumerTag);
    assert.equal(await held, 1); // still queued, confirmed because nobody consumes any more
    assert.ok(confirmed);
    await con.ch.close();
    await pub.close();
  });
});
