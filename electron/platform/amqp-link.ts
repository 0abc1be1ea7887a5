// The platform's own AMQP connections (amqplib): one to the shared command vhost, publishing
// each box's commands to its exchange (routing key = its queue, persistent, confirmed), and one
// per box upload vhost consuming its results queue (and its FIQA results queue). Connections
// that drop are opened again: publishing on the next command, consumers by a watchdog.
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { BrokerProvisioner } from './broker-provision';
import { boxBrokerNames, COMMAND_VHOST } from './names';

export type ResultListener = (devSno: string, body: Buffer, via: 'queue') => Promise<void>;

interface Consumer {
  conn: ChannelModel | null;
  opening: Promise<void> | null;
  lastError: string | null;
}

export class AmqpLink {
  private pub: { conn: ChannelModel; ch: ConfirmChannel } | null = null;
  private opening: Promise<{ conn: ChannelModel; ch: ConfirmChannel }> | null = null;
  private readonly consumers = new Map<string, Consumer>();
  private timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly provisioner: BrokerProvisioner,
    private readonly onResult: ResultListener,
    watchdogMs = 3000,
  ) {
    this.timer = setInterval(() => this.reopenConsumers(), watchdogMs);
    this.timer.unref();
  }

  private async publisher(): Promise<{ conn: ChannelModel; ch: ConfirmChannel }> {
    if (this.pub) return this.pub;
    if (!this.opening) {
      this.opening = (async () => {
        const conn = await amqp.connect(this.provisioner.platformUrl(COMMAND_VHOST), { timeout: 10_000 });
        conn.on('error', () => undefined);
        const ch = await conn.createConfirmChannel();
        ch.on('error', () => undefined);
        const p = { conn, ch };
        const drop = () => {
          if (this.pub === p) this.pub = null;
        };
        conn.on('close', drop);
        ch.on('close', () => {
          drop();
          conn.close().catch(() => undefined);
        });
        this.pub = p;
        return p;
      })().finally(() => {
        this.opening = null;
      });
    }
    return this.opening;
  }

  /** Publishes one command to the box's exchange; resolves once the broker has it (confirmed). */
  async publish(devSno: string, body: object): Promise<void> {
    if (this.closed) throw new Error('the platform is shutting down');
    const n = boxBrokerNames(devSno);
    const { ch } = await this.publisher();
    await new Promise<void>((resolve, reject) => {
      ch.publish(n.exchange, n.queue, Buffer.from(JSON.stringify(body)), { persistent: true, contentType: 'application/json' }, (err) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
      );
    });
  }

  /** Consumes the box's results from now on (until unwatch). */
  watch(devSno: string): void {
    if (this.consumers.has(devSno)) return;
    this.consumers.set(devSno, { conn: null, opening: null, lastError: null });
    this.openConsumer(devSno);
  }

  async unwatch(devSno: string): Promise<void> {
    const c = this.consumers.get(devSno);
    this.consumers.delete(devSno);
    await c?.conn?.close().catch(() => undefined);
  }

  consumerError(devSno: string): string | null {
    return this.consumers.get(devSno)?.lastError ?? null;
  }

  private reopenConsumers(): void {
    for (const devSno of this.consumers.keys()) this.openConsumer(devSno);
  }

  private openConsumer(devSno: string): void {
    const c = this.consumers.get(devSno);
    if (!c || c.conn || c.opening || this.closed) return;
    const n = boxBrokerNames(devSno);
    c.opening = (async () => {
      const conn = await amqp.connect(this.provisioner.platformUrl(n.uploadVhost), { timeout: 10_000 });
      conn.on('error', () => undefined);
      conn.on('close', () => {
        if (c.conn === conn) c.conn = null;
      });
      if (this.consumers.get(devSno) !== c || this.closed) {
        await conn.close().catch(() => undefined);
        return;
      }
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      ch.on('close', () => conn.close().catch(() => undefined));
      await ch.prefetch(20);
      for (const q of [n.uploadQueue, n.fiqaUploadQueue]) {
        await ch.consume(q, (msg) => {
          if (!msg) return;
          // acknowledged once its effects are stored; a failure leaves it for redelivery. The
          // channel may have closed meanwhile (broker restart): amqplib then throws, and the
          // broker redelivers the unacknowledged message to the next consumer.
          const settle = (f: () => void) => {
            try {
              f();
            } catch {
              /* channel closed */
            }
          };
          this.onResult(devSno, msg.content, 'queue').then(
            () => settle(() => ch.ack(msg)),
            () => settle(() => ch.nack(msg, false, true)),
          );
        });
      }
      c.conn = conn;
      c.lastError = null;
    })()
      .catch((err: Error) => {
        c.lastError = err.message;
      })
      .finally(() => {
        c.opening = null;
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const conns = [this.pub?.conn, ...[...this.consumers.values()].map((c) => c.conn)];
    await Promise.allSettled([...this.consumers.values()].map((c) => c.opening));
    this.consumers.clear();
    await Promise.allSettled(conns.map((c) => c?.close()));
  }
}
