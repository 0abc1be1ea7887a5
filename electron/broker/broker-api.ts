// The embedded broker's public API: start options, the Broker interface, full permissions.
import type { Permission } from './auth';
import type { RefusedLogin } from './core';
import type { ImportSummary, RabbitDefinitions } from './definitions';
import type { BrokerStats } from './stats';

export interface BrokerUserSpec {
  name: string;
  password: string;
  tags?: string[];
}

export interface BrokerOptions {
  /** AMQP port; 0 picks a free one (see Broker.port). Default 5672. */
  port?: number;
  /** Listen address. Default 127.0.0.1 (pass 0.0.0.0 to accept boxes on the LAN). */
  host?: string;
  /** Where definitions and message logs live. */
  dataDir: string;
  /** RabbitMQ definitions JSON (parsed) imported at start, after the stored state and before `users`. */
  definitions?: unknown;
  /** Users to create or update; each gets full permissions on every vhost in `vhosts`. */
  users?: BrokerUserSpec[];
  /** Vhosts to create if missing. Default ['/']. */
  vhosts?: string[];
  /** amqps listener. */
  tls?: { port?: number; host?: string; key: string | Buffer; cert: string | Buffer; ca?: string | Buffer };
  heartbeat?: number;
  frameMax?: number;
  channelMax?: number;
  handshakeTimeoutMs?: number;
  /** After the broker sends connection.close for an error, how long it waits for the client's
   *  close-ok (reading at most 64 KiB meanwhile) before dropping the socket. Default 3000 ms. */
  closeWaitMs?: number;
  writeStallTimeoutMs?: number;
  maxMessageBytes?: number;
  /** Longest a publisher confirm is held back while its message waits behind a consuming
   *  queue's backlog (queue.ts, held confirms); 0 = never held. Default 200 ms. */
  confirmHoldMs?: number;
  /** Message bodies kept in memory across all queues before paging to disk. Default 64 MiB. */
  memoryLimitBytes?: number;
  segmentBytes?: number;
  /** Free disk space below which publishers are blocked. Default 50 MB. */
  diskFreeLimitBytes?: number;
  /** Users who may log in only from this machine (RabbitMQ's loopback_users). Default ['guest']. */
  loopbackUsers?: string[];
  /** Connections that have not finished the handshake, at most (beyond it new ones are dropped). Default 500. */
  maxPendingConnections?: number;
  /** The same per client address. Default 50. */
  maxPendingPerAddress?: number;
  /** Before listening, run real traffic through a private broker of the same code so that V8 has
   *  optimised the per-message path before the first client (warm-up.ts; about 3 s of CPU at
   *  start). Default true; false skips it. A failed warm-up is logged and the broker starts anyway. */
  warmUp?: boolean | WarmUpSettings;
  /** Where the broker reports what it does not throw (a failed warm-up). Default: stderr. */
  log?: (line: string) => void;
}

export interface WarmUpSettings {
  /** Messages in all (default WARM_UP_MESSAGES). */
  messages?: number;
  /** Publishing stops once the process has used this much CPU time (ms, all threads) since the
   *  warm-up began, or twice as much wall-clock time has passed (default WARM_UP_BUDGET_MS). */
  budgetMs?: number;
  /** Parent of the warm-up's temporary data directory (default: the OS temporary directory). */
  tmpDir?: string;
}

/** What the start-up warm-up did. */
export interface WarmUpReport {
  /** Messages published, confirmed, delivered and acked. */
  messages: number;
  /** Wall-clock time, and CPU time of the whole process (all threads: the JIT compiler too). */
  ms: number;
  cpuMs: number;
  /** Why it stopped early, or null. */
  error: string | null;
}

export interface Broker {
  readonly port: number;
  readonly tlsPort: number | null;
  /** The start-up warm-up's report; null when it was turned off. */
  readonly warmUp: WarmUpReport | null;
  addVhost(name: string): void;
  deleteVhost(name: string): void;
  listVhosts(): string[];
  addUser(name: string, password: string, tags?: string[]): void;
  deleteUser(name: string): void;
  listUsers(): Array<{ name: string; tags: string[] }>;
  setPermissions(user: string, vhost: string, perm: Permission): void;
  clearPermissions(user: string, vhost: string): void;
  listPermissions(): Array<{ user: string; vhost: string } & Permission>;
  /** Sets a new password for an existing user (tags and permissions kept). */
  changePassword(name: string, password: string): void;
  /** Imports RabbitMQ definitions JSON (users with password hashes, vhosts, permissions,
   *  durable queues, exchanges, bindings); checks all of it first, throws without changing anything. */
  importDefinitions(json: unknown): ImportSummary;
  /** Everything durable, in RabbitMQ's definitions format (`rabbitmqctl export_definitions`). */
  exportDefinitions(): RabbitDefinitions;
  /** The most recent refused logins (newest last, at most 50). */
  refusedLogins(): RefusedLogin[];
  /** Blocks publishers (connection.blocked) until unblock(). */
  block(reason: string): void;
  unblock(): void;
  stats(): BrokerStats;
  close(): Promise<void>;
}

export const FULL_PERMISSIONS: Permission = { configure: '.*', write: '.*', read: '.*' };
