// The box's AMQP link (PROTOCOL §2 rabbitmq block, §4): connect to the broker and vHost the
// login returned, declare `exchange` and bind `queue` to it (routing key = queue name) unless
// unNeedBindExchange, consume `queue` and `fiqaDownQueue` with a prefetch, and publish results
// with publisher confirms (uploadQueue in uploadVHost — a second connection when it differs;
// fiqaUploadQueue likewise in uploadVHost). Reconnects with backoff; when the old parameters stop working
// (refused, or three attempts in a row fail) it asks for a new login.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type Message } from 'amqplib';
import { commandVHost, uploadVHost, type RabbitmqSettings } from '../protocol';
import { Backoff, Sleeper, StatusCell, type BrokerState } from './status';

/** Which queue a message came from: the command `queue` or `fiqaDownQueue`. */
export type Lane = 'command' | 'fiqa';

/** Processes one message; resolves once its effects and result are committed (then it is acked). */
export type MessageHandler = (lane: Lane, body: Buffer, redelivered: boolean) => Promise<void>;

export interface BrokerLinkOptions {
  /** unacknowledged messages per consumer (default 4) */
  prefetch?: number;
  /** consecutive failed connection attempts with one login's parameters before re-login (default 3) */
  attemptsBeforeRelogin?: number;
  heartbeatSeconds?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;

interface Session {
  cmd: ChannelModel;
  up: ChannelModel | null;
  consumer: Channel;
  cmdConfirm: ConfirmChannel;
  upConfirm: ConfirmChannel | null;
  closed: Promise<string>;
  close(): Promise<void>;
}

function describe(err: unknown): string {
  const m = (err as Error)?.message ?? String(err);
  return m.replace(/^Handshake terminated by server: /, '').replace(/\s+/g, ' ').slice(0, 300);
}

/** Refusals that another attempt with the same parameters cannot fix. */
/**
 * Closes a connection without waiting forever: amqplib's close() waits for the broker's CloseOk,
 * and when the socket ends while that close is under way (a broker killed mid-session) the
 * promise never settles — the reconnect loop would hang with the link shown as connected.
 */
const CLOSE_WAIT_MS = 2000;
function closeQuietly(c: ChannelModel): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, CLOSE_WAIT_MS);
    t.unref();
    c.close().then(
      () => (clearTimeout(t), resolve()),
      () => (clearTimeout(t), resolve()),
    );
  });
}

const refused = (msg: string) => /\b(403|530|ACCESS[-_]REFUSED|NOT[-_]ALLOWED)\b/i.test(msg);

export class BrokerLink extends EventEmitter<{ relogin: [string]; connected: [] }> {
  readonly status = new StatusCell<BrokerState>('not-configured');
  private gen = 0;
  private session: Session | null = null;
  private settings: RabbitmqSettings | null = null;
  private readonly sleeper = new Sleeper();
  /** kept across logins; reset once a session is up */
  private readonly backoff = new Backoff(1000, 60_000);
  private readonly lanes: Record<Lane, Promise<void>> = { command: Promise.resolve(), fiqa: Promise.resolve() };

  constructor(
    private readonly handler: MessageHandler,
    private readonly log: (line: string) => void,
    private readonly opts: BrokerLinkOptions = {},
  ) {
    super();
  }

  get connected(): boolean {
    return this.session !== null;
  }

  /** Connects with a login's broker settings (dropping any earlier session). */
  start(s: RabbitmqSettings): void {
    const gen = ++this.gen;
    this.sleeper.cancelAll();
    void this.dropSession();
    this.settings = s;
    this.status.set('connecting');
    void this.loop(gen, s);
  }

  async stop(): Promise<void> {
    const gen = ++this.gen;
    this.sleeper.cancelAll();
    this.settings = null;
    await this.dropSession();
    if (gen === this.gen) this.status.set('not-configured'); // unless started again meanwhile
  }

  /** Waits for messages being processed (after stop). */
  idle(): Promise<void> {
    return Promise.all([this.lanes.command, this.lanes.fiqa]).then(() => undefined);
  }

  /**
   * Publishes to a queue through the default exchange and waits for the broker's confirm.
   * `where`: 'upload' = uploadVHost (uploadQueue, fiqaUploadQueue), 'command' = vHost. Throws when not connected.
   */
  async publish(where: 'upload' | 'command', queue: string, body: Buffer): Promise<void> {
    const s = this.session;
    if (!s) throw new Error('not connected to the broker');
    const ch = where === 'upload' ? (s.upConfirm ?? s.cmdConfirm) : s.cmdConfirm;
    // mandatory: a queue that does not exist returns the message (before its confirm) instead
    // of dropping it, so the result stays in the outbox and is tried again
    const tag = randomUUID();
    let returned = false;
    const onReturn = (m: Message) => {
      if (m.properties.messageId === tag) returned = true;
    };
    ch.on('return', onReturn);
    try {
      await new Promise<void>((resolve, reject) => {
        try {
          ch.sendToQueue(queue, body, { persistent: true, mandatory: true, messageId: tag, contentType: 'application/json' }, (err: unknown) =>
            err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
          );
        } catch (err) {
          reject(err as Error);
        }
      });
    } finally {
      ch.off('return', onReturn);
    }
    if (returned) throw new Error(`the broker has no queue "${queue}" (result returned undelivered)`);
  }

  private async dropSession(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await s.close();
  }

  private async loop(gen: number, s: RabbitmqSettings): Promise<void> {
    let failures = 0;
    const max = this.opts.attemptsBeforeRelogin ?? 3;
    while (gen === this.gen) {
      let session: Session;
      try {
        session = await this.open(s);
      } catch (err) {
        if (gen !== this.gen) return;
        const why = describe(err);
        failures++;
        this.status.set('failed', `cannot connect to the broker at ${s.host}:${s.port} (vhost ${commandVHost(s)}): ${why}`);
        if (refused(why) || failures >= max) {
          this.log(`broker: ${why}; asking the platform for new parameters (re-login)`);
          this.emit('relogin', `the broker refused or stayed unreachable with the old parameters (${why})`);
          return;
        }
        const delay = this.backoff.next();
        this.log(`broker: ${why}; retrying in ${delay / 1000} s`);
        if (!(await this.sleeper.sleep(delay))) return;
        continue;
      }
      if (gen !== this.gen) {
        await session.close();
        return;
      }
      this.session = session;
      failures = 0;
      this.backoff.reset();
      this.status.set('connected');
      this.log(`broker: connected to ${s.host}:${s.port} vhost ${commandVHost(s)}, consuming ${s.queue}${s.fiqaDownQueue ? ` and ${s.fiqaDownQueue}` : ''}`);
      this.emit('connected');
      const why = await session.closed;
      if (gen !== this.gen) return;
      this.session = null;
      await session.close();
      this.status.set('connecting', `connection lost: ${why}`);
      this.log(`broker: connection lost (${why}); reconnecting`);
      if (!(await this.sleeper.sleep(this.backoff.next()))) return;
    }
  }

  private async open(s: RabbitmqSettings): Promise<Session> {
    const base = { protocol: 'amqp', hostname: s.host, port: s.port, username: s.login, password: s.password, heartbeat: this.opts.heartbeatSeconds ?? 20 };
    const conns: ChannelModel[] = [];
    const closeAll = async () => {
      await Promise.all(conns.map(closeQuietly));
    };
    try {
      const cmd = await amqp.connect({ ...base, vhost: commandVHost(s) }, { timeout: CONNECT_TIMEOUT_MS, noDelay: true });
      conns.push(cmd);
      cmd.on('error', () => undefined);
      let up: ChannelModel | null = null;
      if ((s.uploadQueue || s.fiqaUploadQueue) && uploadVHost(s) !== commandVHost(s)) {
        up = await amqp.connect({ ...base, vhost: uploadVHost(s) }, { timeout: CONNECT_TIMEOUT_MS, noDelay: true });
        conns.push(up);
        up.on('error', () => undefined);
      }
      if (!s.unNeedBindExchange && s.exchange) await this.declare(cmd, s);
      const consumer = await cmd.createChannel();
      consumer.on('error', () => undefined);
      await consumer.prefetch(this.opts.prefetch ?? 4);
      const cmdConfirm = await cmd.createConfirmChannel();
      cmdConfirm.on('error', () => undefined);
      const upConfirm = up ? await up.createConfirmChannel() : null;
      upConfirm?.on('error', () => undefined);

      let lost!: (why: string) => void;
      const closed = new Promise<string>((r) => (lost = r));
      const watch = (e: EventEmitter, what: string) => {
        e.once('close', (err?: Error) => lost(err ? describe(err) : `${what} closed`));
        e.on('error', (err: Error) => lost(describe(err)));
      };
      watch(cmd, 'connection');
      if (up) watch(up, 'upload connection');
      watch(consumer, 'consumer channel');
      watch(cmdConfirm, 'publish channel');
      if (upConfirm) watch(upConfirm, 'upload channel');

      const consume = async (queue: string, lane: Lane) => {
        await consumer.consume(queue, (msg) => {
          if (msg) this.enqueue(lane, consumer, msg);
          else lost(`the broker cancelled the consumer of ${queue}`);
        });
      };
      await consume(s.queue, 'command');
      if (s.fiqaDownQueue && s.fiqaDownQueue !== s.queue) await consume(s.fiqaDownQueue, 'fiqa');
      return { cmd, up, consumer, cmdConfirm, upConfirm, closed, close: closeAll };
    } catch (err) {
      await closeAll();
      throw err;
    }
  }

  /** Declares the exchange (checks it when passive), makes sure the queue exists, binds it. */
  private async declare(cmd: ChannelModel, s: RabbitmqSettings): Promise<void> {
    const ex = s.exchange!;
    // each failed declaration closes its channel: one channel per step
    const step = async <T>(fn: (ch: Channel) => Promise<T>): Promise<T> => {
      const ch = await cmd.createChannel();
      ch.on('error', () => undefined);
      try {
        return await fn(ch);
      } finally {
        await ch.close().catch(() => undefined);
      }
    };
    if (ex.passive) await step((ch) => ch.checkExchange(ex.name));
    else await step((ch) => ch.assertExchange(ex.name, ex.type, { durable: ex.durable, autoDelete: ex.auto_delete, arguments: ex.arguments ?? undefined }));
    // the platform normally declares the queue; declare it (durable) only when it is missing
    try {
      await step((ch) => ch.checkQueue(s.queue));
    } catch {
      await step((ch) => ch.assertQueue(s.queue, { durable: true }));
    }
    await step((ch) => ch.bindQueue(s.queue, ex.name, s.queue));
  }

  /** Messages of one lane are processed one after another, each acked after its commit. */
  private enqueue(lane: Lane, ch: Channel, msg: ConsumeMessage): void {
    this.lanes[lane] = this.lanes[lane].then(async () => {
      try {
        await this.handler(lane, msg.content, msg.fields.redelivered);
      } catch (err) {
        // not acked: the broker redelivers it (now or after a reconnect)
        this.log(`broker: a ${lane} message could not be processed (${(err as Error)?.message ?? String(err)}); it will be redelivered`);
        await new Promise((r) => setTimeout(r, 1000));
        try {
          ch.nack(msg, false, true);
        } catch {
          /* channel gone: redelivered anyway */
        }
        return;
      }
      try {
        ch.ack(msg);
      } catch {
        // the channel closed meanwhile: the broker redelivers the message, and the redelivery
        // finds its committed result (nothing done twice)
      }
    });
  }
}
