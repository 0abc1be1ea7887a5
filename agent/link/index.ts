// The platform link: the box side of PROTOCOL §2–5 put together. Login (./login) → broker
// (./broker) → commands (../commands) → users (../users) and results (./outbox), all in
// agent.db. `status()` is what /health shows.
import type { ConfigStore } from '../config-store';
import { createCommandHandler, DEFAULT_PHOTO_LIMITS, type PhotoLimits } from '../commands';
import { createFacePool, descriptorModelId, type FacePool } from '../face';
import { isAbsoluteHttpUrl, withAuth } from '../protocol';
import { openAgentDb, type AgentDb } from '../store/db';
import { AGENT_MIGRATIONS } from '../store/migrations';
import { DbWriter } from '../store/serial';
import { UsersStore } from '../users/store';
import { reembedStale } from '../users/reembed';
import { BrokerLink } from './broker';
import { LoginClient, type LoginSession } from './login';
import { ResultOutbox, type Route } from './outbox';
import { networkReason, type BrokerState, type LoginState, type StateReport } from './status';

export type { LoginState, BrokerState, StateReport } from './status';

export interface PlatformLinkOptions {
  dataDir: string;
  store: ConfigStore;
  /** the box's MAC (`aa:bb:…`), sent as hex_mac */
  mac: string | null;
  log: (line: string) => void;
  /** face engine worker threads (default 1) */
  faceJobs?: number;
  /** unacknowledged messages per consumer (default 4) */
  prefetch?: number;
  photoLimits?: Partial<PhotoLimits>;
}

export interface LinkStatus {
  login: StateReport<LoginState>;
  broker: StateReport<BrokerState>;
  users: number;
}

export interface PlatformLink {
  status(): LinkStatus;
  readonly users: UsersStore;
  readonly db: AgentDb;
  /** the one writer on agent.db (other agent parts write through it too) */
  readonly writer: DbWriter;
  /** the face engine pool, started on first use */
  face(): Promise<FacePool>;
  /** the current login (token, URLs, periods), null while not logged in */
  session(): LoginSession | null;
  /** the configured dev_sno ('' when none) */
  devSno(): string;
  /**
   * The platform answered a report of session `s` with 401: it no longer takes that token (the
   * operator released the box's MAC, the platform lost its state). Logs in again, once per
   * session: later 401s of the same, already dropped session change nothing.
   */
  refused(s: LoginSession, why: string): void;
  close(): Promise<void>;
}

const POST_TIMEOUT_MS = 15_000;

export async function startPlatformLink(o: PlatformLinkOptions): Promise<PlatformLink> {
  const db = await openAgentDb(o.dataDir, { migrations: AGENT_MIGRATIONS });
  const writer = new DbWriter(db);
  const users = await UsersStore.open(writer);
  const login = new LoginClient(o.store, o.mac, o.log);

  let pool: Promise<FacePool> | null = null;
  let stopping = false;
  const face = () => {
    if (stopping) return Promise.reject(new Error('the agent is stopping'));
    pool ??= createFacePool({ jobs: o.faceJobs ?? 1 }).catch((err) => {
      pool = null; // try again on the next photo
      throw err;
    });
    return pool;
  };

  // eslint-disable-next-line prefer-const
  let broker: BrokerLink;
  const route = (kind: 'command' | 'fiqa', notifyUrl: string | null): Route => {
    const s = login.current;
    if (!s) return { kind: 'wait', why: 'not logged in' };
    const r = s.body.rabbitmq;
    const mq = kind === 'fiqa' && r.fiqaUploadQueue ? { where: 'upload' as const, queue: r.fiqaUploadQueue } : r.uploadQueue ? { where: 'upload' as const, queue: r.uploadQueue } : null;
    if (mq) return broker.connected ? { kind: 'mq', ...mq } : { kind: 'wait', why: 'broker not connected' };
    if (notifyUrl) return { kind: 'http', url: notifyUrl };
    return { kind: 'none' };
  };
  const post = async (url: string, body: string) => {
    const s = login.current;
    const u = s && isAbsoluteHttpUrl(url) ? withAuth(url, s.devSno, s.token) : url;
    const target = new URL(url).host;
    let res: Response;
    try {
      res = await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(POST_TIMEOUT_MS) });
    } catch (err) {
      throw new Error(`notify_path unreachable: ${networkReason(err, target, POST_TIMEOUT_MS)}`);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw new Error(`notify_path answered HTTP ${res.status}`);
  };
  const outbox = new ResultOutbox({ writer, route, publish: (w, q, b) => broker.publish(w, q, b), post, log: o.log });

  const handler = createCommandHandler(
    {
      devSno: () => login.current?.devSno ?? o.store.get().dev_sno ?? '',
      session: () => login.current,
      users,
      db,
      face,
      modelId: () => descriptorModelId(),
      photoLimits: { ...DEFAULT_PHOTO_LIMITS, ...o.photoLimits },
      // two photos per face worker keep each busy, plus two downloading
      concurrency: 2 * (o.faceJobs ?? 1) + 2,
      log: o.log,
      stopping: () => stopping,
    },
    outbox,
  );
  broker = new BrokerLink(handler, o.log, { prefetch: o.prefetch });

  login.on('login', (s) => {
    broker.start(s.body.rabbitmq);
    outbox.kick();
  });
  login.on('logout', () => void broker.stop());
  broker.on('relogin', (why) => login.relogin(why));
  broker.on('connected', () => outbox.kick());
  login.start();
  // descriptors made by another model than today's: re-made from the stored photos
  const reembed = Promise.resolve()
    .then(() => reembedStale(writer, users, descriptorModelId(), face, o.log, () => stopping))
    .catch((err) => o.log(`users: re-embedding failed: ${(err as Error).message}`));

  return {
    users,
    db,
    writer,
    face,
    session: () => login.current,
    devSno: () => o.store.get().dev_sno ?? '',
    refused: (s, why) => {
      if (login.current === s) login.relogin(why);
    },
    status: () => ({ login: login.status.get(), broker: broker.status.get(), users: users.count() }),
    async close() {
      stopping = true;
      login.stop();
      outbox.stop();
      await broker.stop(); // no more deliveries; unacked messages go back to the queue
      // a batch starts no further user once stopping; wait for the photos in flight (closing
      // the face pool under a running inference would abort the process)
      await broker.idle();
      await reembed;
      const p = pool;
      pool = null;
      if (p) await (await p.catch(() => null))?.close();
      await writer.drain();
      await db.close();
    },
  };
}
