// The embedded broker: listeners (amqp, optional amqps), users/vhosts/permissions API,
// durable definitions, recovery after restart or crash, and the stats API for the UI.
// Public types: broker-api.ts; definitions on disk: definitions-saver.ts; connections still in
// the handshake: admission.ts.
import { existsSync, rmSync, statfsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { Admission, listenOn } from './admission';
import { hashPassword, Permissions, type Permission, type User } from './auth';
import { FULL_PERMISSIONS, type Broker, type BrokerOptions, type WarmUpReport } from './broker-api';
import type { Fields } from './codec';
import { Connection } from './connection';
import type { BrokerCore, CoreOptions, RefusedLogin } from './core';
import { Exchange, type Binding } from './exchange';
import { applyRabbitDefinitions, parseRabbitDefinitions, toRabbitDefinitions, type DefinitionsTarget, type ImportSummary, type RabbitDefinitions } from './definitions';
import { DefinitionsSaver, snapshotDefinitions } from './definitions-saver';
import { SERVER_PROPERTIES } from './server-properties';
import { migrateLegacyLogs } from './store/legacy';
import { MessageStore, type StoredRecord } from './store/message-store';
import { ensurePrivateDir, loadDefinitions, type Definitions } from './store/metadata';
import { collectStats, RateSampler, type BrokerStats } from './stats';
import { HOLD_MAX_MS } from './held-confirms';
import { Vhost } from './vhost';
import { warmUp } from './warm-up';

export { FULL_PERMISSIONS, type Broker, type BrokerOptions, type BrokerUserSpec } from './broker-api';

class EmbeddedBroker implements BrokerCore, Broker {
  readonly options: CoreOptions;
  readonly vhosts = new Map<string, Vhost>();
  readonly users = new Map<string, User>();
  readonly permissions = new Permissions();
  readonly connections = new Set<Connection>();
  /** The shared log of persistent messages and the scratch store of paged-out bodies (set by recover()). */
  stores: { durable: MessageStore; scratch: MessageStore } | null = null;
  readonly memory: { bytes: number; limit: number };
  readonly rates = new RateSampler();
  readonly startedAt = Date.now();
  retired = { published: 0, delivered: 0, acked: 0 };
  blockedReason: string | null = null;
  private manualBlock: string | null = null;
  readonly loopbackUsers: Set<string>;
  private readonly refused: RefusedLogin[] = [];
  private readonly admission: Admission<Connection>;
  private readonly defs: DefinitionsSaver;
  private servers: Server[] = [];
  private timer: NodeJS.Timeout;
  port = 0;
  tlsPort: number | null = null;
  warmUp: WarmUpReport | null = null;
  private connIds = 0;
  readonly serverProperties: Fields = SERVER_PROPERTIES;

  constructor(readonly opts: BrokerOptions) {
    this.options = {
      frameMax: opts.frameMax ?? 131072,
      channelMax: opts.channelMax ?? 2047,
      heartbeat: opts.heartbeat ?? 60,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10000,
      closeWaitMs: opts.closeWaitMs ?? 3000,
      writeStallTimeoutMs: opts.writeStallTimeoutMs ?? 60000,
      maxMessageBytes: opts.maxMessageBytes ?? 128 * 1024 * 1024,
    };
    this.memory = { bytes: 0, limit: opts.memoryLimitBytes ?? 64 * 1024 * 1024 };
    this.loopbackUsers = new Set(opts.loopbackUsers ?? ['guest']);
    this.admission = new Admission(opts.maxPendingConnections ?? 500, opts.maxPendingPerAddress ?? 50);
    this.defs = new DefinitionsSaver(opts.dataDir, () => this.definitions());
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  // ---- start / recovery -------------------------------------------------------------------

  recover(): void {
    const dir = this.opts.dataDir;
    ensurePrivateDir(dir); // password hashes and messages: this OS user only (0700)
    rmSync(join(dir, 'transient'), { recursive: true, force: true });
    const defs = loadDefinitions(dir);
    const segmentBytes = this.opts.segmentBytes ?? 16 * 1024 * 1024;
    const storeDir = join(dir, 'store');
    const legacyDir = join(dir, 'queues');
    if (existsSync(legacyDir)) {
      // Per-queue logs of an earlier version: their messages move into the shared store first.
      const keys = new Map((defs?.vhosts ?? []).map((v) => [v.name, new Set(v.queues.map((q) => q.dir))]));
      migrateLegacyLogs(legacyDir, keys, new MessageStore(storeDir, { sync: true, segmentBytes }));
      rmSync(legacyDir, { recursive: true, force: true });
    }
    this.stores = {
      durable: new MessageStore(storeDir, { sync: true, segmentBytes }),
      scratch: new MessageStore(join(dir, 'transient'), { sync: false, segmentBytes }),
    };
    const recovered = this.stores.durable.recover();
    if (defs) {
      for (const u of defs.users) this.users.set(u.name, u);
      for (const p of defs.permissions) this.permissions.set(p.user, p.vhost, p);
      for (const v of defs.vhosts) this.restoreVhost(v, recovered);
    }
    this.stores.durable.recovered(); // records of queues no longer defined are dead
    const vhosts = this.opts.vhosts && this.opts.vhosts.length > 0 ? this.opts.vhosts : ['/'];
    for (const v of vhosts) if (!this.vhosts.has(v)) this.vhosts.set(v, this.newVhost(v));
    let users = this.opts.users ?? [];
    if (this.opts.definitions !== undefined) this.importDefinitions(this.opts.definitions);
    if (!defs && users.length === 0 && this.users.size === 0) users = [{ name: 'guest', password: 'guest', tags: ['administrator'] }];
    for (const u of users) {
      this.users.set(u.name, { name: u.name, passwordHash: hashPassword(u.password), tags: u.tags ?? [] });
      for (const v of vhosts) this.permissions.set(u.name, v, FULL_PERMISSIONS);
    }
    this.persist();
  }

  private restoreVhost(v: Definitions['vhosts'][number], recovered: Map<string, StoredRecord[]>): void {
    const vh = this.newVhost(v.name);
    this.vhosts.set(v.name, vh);
    for (const x of v.exchanges) vh.exchanges.set(x.name, new Exchange(x.name, x.type as never, true, x.autoDelete, x.internal, x.args));
    for (const q of v.queues) vh.recoverQueue(q.name, q.autoDelete, q.args, q.dir, recovered.get(q.dir) ?? []);
    for (const b of v.bindings) {
      const src = vh.exchanges.get(b.source);
      const ok = b.destinationType === 'queue' ? vh.queues.has(b.destination) : vh.exchanges.has(b.destination);
      if (src && ok) src.addBinding(b);
    }
  }

  private newVhost(name: string): Vhost {
    if (!this.stores) throw new Error('the message store is not open');
    return new Vhost(name, {
      stores: this.stores,
      memory: this.memory,
      confirmHoldMs: this.opts.confirmHoldMs ?? HOLD_MAX_MS,
      persist: () => this.persistSoon(),
    });
  }

  /** Writes the definitions now, synchronously (start, management API calls). */
  persist(): void {
    this.defs.saveNow();
  }

  /** Definitions changed by a client (declare, delete, bind): written once for all the changes
   *  of a turn, off the event loop (see DefinitionsSaver). */
  private persistSoon(): void {
    this.defs.saveSoon();
  }

  whenDefinitionsSaved(cb: () => void): boolean {
    return this.defs.whenSaved(cb);
  }

  /** Writes pending definition changes synchronously (shutdown). */
  flushDefinitions(): void {
    this.defs.flush();
  }

  importDefinitions(json: unknown): ImportSummary {
    const d = parseRabbitDefinitions(json);
    const vhost = (name: string) => {
      const vh = this.vhosts.get(name);
      if (!vh) throw new Error(`no vhost '${name}'`);
      return vh;
    };
    const target: DefinitionsTarget = {
      addVhost: (name) => {
        if (!this.vhosts.has(name)) this.vhosts.set(name, this.newVhost(name));
      },
      importUser: (u) => void this.users.set(u.name, u),
      setPermissions: (user, vh, p) => this.permissions.set(user, vh, { configure: p.configure, write: p.write, read: p.read }),
      declareExchange: (vh, x) => void vhost(vh).declareExchange(x.name, x.type, x.durable, x.autoDelete, x.internal, x.args),
      declareQueue: (vh, q) => void vhost(vh).declareQueue(q.name, { durable: q.durable, autoDelete: q.autoDelete, exclusiveOwner: null, args: q.args }),
      bind: (vh, b) => vhost(vh).bind(b as Binding),
      hashPassword: (p) => hashPassword(p),
    };
    let summary: ImportSummary;
    try {
      summary = applyRabbitDefinitions(target, d);
    } catch (err) {
      throw new Error(`the definitions could not be applied: ${(err as Error).message}`);
    } finally {
      this.persist();
    }
    return summary;
  }

  exportDefinitions(): RabbitDefinitions {
    return toRabbitDefinitions(this.definitions());
  }

  private definitions(): Definitions {
    return snapshotDefinitions(this.users, this.permissions, this.vhosts);
  }

  async listen(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    const plain = createServer((s) => this.accept(s, false));
    this.port = await listenOn(plain, this.opts.port ?? 5672, host);
    this.servers.push(plain);
    if (this.opts.tls) {
      const t = this.opts.tls;
      const secure = createTlsServer({ key: t.key, cert: t.cert, ca: t.ca }, (s) => this.accept(s, true));
      this.tlsPort = await listenOn(secure, t.port ?? 5671, t.host ?? host);
      this.servers.push(secure);
    }
  }

  private accept(socket: Socket, tls: boolean): void {
    if (!this.admission.admit(socket)) return;
    const c = new Connection(socket, this, tls);
    this.connections.add(c);
    this.admission.started(c);
  }

  /** Connection ids count from 1 in each broker (the warm-up's broker has its own). */
  nextConnectionId(): number {
    return ++this.connIds;
  }

  /** Connections dropped because too many were still in the handshake. */
  get droppedConnections(): number {
    return this.admission.dropped;
  }

  loginRefused(r: RefusedLogin): void {
    this.refused.push(r);
    if (this.refused.length > 50) this.refused.shift();
  }

  refusedLogins(): RefusedLogin[] {
    return this.refused.map((r) => ({ ...r }));
  }

  connectionOpened(c: Connection): void {
    this.admission.over(c);
    if (this.blockedReason) c.setBlocked(this.blockedReason);
  }

  connectionClosed(c: Connection): void {
    this.admission.over(c);
    if (!this.connections.delete(c)) return;
    this.retired.published += c.counters.published;
    this.retired.delivered += c.counters.delivered;
    this.retired.acked += c.counters.acked;
  }

  // ---- management API -------------------------------------------------------------------

  addVhost(name: string): void {
    if (!name) throw new Error('vhost name must not be empty');
    if (this.vhosts.has(name)) return;
    this.vhosts.set(name, this.newVhost(name));
    this.persist();
  }

  deleteVhost(name: string): void {
    const vh = this.vhosts.get(name);
    if (!vh) throw new Error(`no vhost '${name}'`);
    for (const c of [...this.connections]) if (c.vhost === vh) c.forceClose(`vhost '${name}' is deleted`);
    for (const q of [...vh.queues.values()]) vh.deleteQueue(q, 'vhost deleted');
    this.vhosts.delete(name);
    this.permissions.clearVhost(name);
    this.persist();
  }

  listVhosts(): string[] {
    return [...this.vhosts.keys()];
  }

  addUser(name: string, password: string, tags: string[] = []): void {
    if (!name) throw new Error('user name must not be empty');
    this.users.set(name, { name, passwordHash: hashPassword(password), tags });
    this.persist();
  }

  changePassword(name: string, password: string): void {
    const u = this.users.get(name);
    if (!u) throw new Error(`no user '${name}'`);
    this.users.set(name, { name, passwordHash: hashPassword(password), tags: u.tags });
    this.persist();
  }

  deleteUser(name: string): void {
    if (!this.users.delete(name)) throw new Error(`no user '${name}'`);
    this.permissions.clearUser(name);
    for (const c of [...this.connections]) if (c.user === name) c.forceClose(`user '${name}' was deleted`);
    this.persist();
  }

  listUsers(): Array<{ name: string; tags: string[] }> {
    return [...this.users.values()].map((u) => ({ name: u.name, tags: u.tags }));
  }

  setPermissions(user: string, vhost: string, perm: Permission): void {
    if (!this.users.has(user)) throw new Error(`no user '${user}'`);
    if (!this.vhosts.has(vhost)) throw new Error(`no vhost '${vhost}'`);
    this.permissions.set(user, vhost, perm);
    this.persist();
  }

  clearPermissions(user: string, vhost: string): void {
    this.permissions.clear(user, vhost);
    this.persist();
  }

  listPermissions(): Array<{ user: string; vhost: string } & Permission> {
    return this.permissions.list();
  }

  block(reason: string): void {
    this.manualBlock = reason;
    this.updateBlocked();
  }

  unblock(): void {
    this.manualBlock = null;
    this.updateBlocked();
  }

  private updateBlocked(diskLow = false): void {
    const reason = this.manualBlock ?? (diskLow ? 'low on disk' : null);
    if (reason === this.blockedReason) return;
    this.blockedReason = reason;
    for (const c of this.connections) c.setBlocked(reason);
  }

  private sample(): void {
    this.rates.sample(this);
    const limit = this.opts.diskFreeLimitBytes ?? 50_000_000;
    try {
      const s = statfsSync(this.opts.dataDir);
      this.updateBlocked(s.bavail * s.bsize < limit);
    } catch {
      /* statfs unsupported: no disk alarm */
    }
  }

  stats(): BrokerStats {
    return collectStats(this);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const s of this.servers) s.close();
    for (const c of [...this.connections]) c.forceClose('broker shutdown');
    await new Promise((r) => setTimeout(r, 50));
    for (const c of [...this.connections]) c.destroy();
    this.stores?.durable.run();
    this.flushDefinitions();
    for (const vh of this.vhosts.values()) vh.close();
    this.stores?.durable.close();
    this.stores?.scratch.destroy();
  }
}

/** Starts the embedded broker; resolves once it listens. */
export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const b = new EmbeddedBroker(opts);
  try {
    b.recover();
    if (opts.warmUp !== false) {
      b.warmUp = await warmUp(opts, typeof opts.warmUp === 'object' ? opts.warmUp : {}, (o) => new EmbeddedBroker(o));
      if (b.warmUp.error !== null) {
        const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
        log(`broker: the start-up warm-up stopped (${b.warmUp.error}) after ${b.warmUp.messages} messages; starting without it`);
      }
    }
    await b.listen();
  } catch (err) {
    // e.g. the port is in use: release what recovery opened (queue logs, the sampling timer)
    await b.close().catch(() => undefined);
    throw err;
  }
  return b;
}

export type { EmbeddedBroker };
