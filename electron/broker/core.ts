// What connections and channels share: options, users, permissions, vhosts.
import type { Fields } from './codec';
import type { Permissions, User } from './auth';
import type { Connection } from './connection';
import type { Vhost } from './vhost';

export interface CoreOptions {
  frameMax: number;
  channelMax: number;
  heartbeat: number;
  handshakeTimeoutMs: number;
  closeWaitMs: number;
  writeStallTimeoutMs: number;
  maxMessageBytes: number;
}

/** A login the broker refused (kept in a short ring for the Broker page). */
export interface RefusedLogin {
  at: number; // epoch ms
  peer: string; // "address:port"
  user: string;
  mechanism: string;
  reason: string;
}

export interface BrokerCore {
  readonly options: CoreOptions;
  readonly vhosts: Map<string, Vhost>;
  readonly users: Map<string, User>;
  readonly permissions: Permissions;
  readonly serverProperties: Fields;
  readonly blockedReason: string | null;
  /** Users who may log in only from a loopback address (RabbitMQ's loopback_users). */
  readonly loopbackUsers: Set<string>;
  loginRefused(r: RefusedLogin): void;
  /** True when the definitions on disk are current; else false, and cb runs once they are. */
  whenDefinitionsSaved(cb: () => void): boolean;
  /** A new connection's id (1, 2, ... per broker). */
  nextConnectionId(): number;
  connectionOpened(c: Connection): void;
  connectionClosed(c: Connection): void;
}
