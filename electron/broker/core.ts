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
  writeStallTimeoutMs: number;
  maxMessageBytes: number;
}

export interface BrokerCore {
  readonly options: CoreOptions;
  readonly vhosts: Map<string, Vhost>;
  readonly users: Map<string, User>;
  readonly permissions: Permissions;
  readonly serverProperties: Fields;
  readonly blockedReason: string | null;
  connectionOpened(c: Connection): void;
  connectionClosed(c: Connection): void;
}
