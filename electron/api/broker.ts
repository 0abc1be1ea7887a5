// API contract, "broker" area: start/stop the embedded AMQP broker, its users, its live stats.
// Types and name lists only (shared by the services, both transports and the renderer; no
// runtime dependencies: the sandboxed preload imports this).
import type { BrokerStats } from '../broker/stats';

export type { BrokerStats, ConnectionStats, ChannelStats, QueueStats } from '../broker/stats';
export type { RefusedLogin } from '../broker/core';

/** Where the broker listens: every interface (boxes on the LAN can connect) or this computer only. */
export type BrokerHost = '0.0.0.0' | '127.0.0.1';

export type BrokerState = 'stopped' | 'starting' | 'running' | 'stopping';

/** What the panel remembers (in <dataDir>/broker-settings.json) and resumes on the next app start. */
export interface BrokerSettings {
  /** Whether the broker should be running: true after Start, false after Stop. */
  enabled: boolean;
  port: number;
  host: BrokerHost;
}

export interface BrokerUser {
  name: string;
  /** Vhosts this user has permissions on. */
  vhosts: string[];
  /** Set when the site platform owns this user (its own, or a box's `box.<dev_sno>`): it cannot
   *  be deleted here (broker.deleteUser answers 'reserved_user'). */
  owner?: 'platform' | 'box';
}

export interface BrokerStatus {
  state: BrokerState;
  /** The port it listens on while running, else null. */
  port: number | null;
  host: BrokerHost | null;
  /** Epoch ms of the current start, null when stopped. */
  startedAt: number | null;
  settings: BrokerSettings;
  users: BrokerUser[];
  /** Plain-language reason the last start (or the resume at app start) failed; cleared by a good start. */
  lastError: string | null;
  /** Where definitions and persistent messages live. */
  dataDir: string;
  /** amqp:// URLs of this machine's IPv4 addresses with the running (else remembered) port, LAN
   *  addresses first, 127.0.0.1 last; when listening on 127.0.0.1 only the last one applies. */
  addresses: string[];
  /** Set in site mode: true when the site platform runs on this broker (stopping it cuts every box's link), false while it has no boxes on it yet (it starts the broker itself when a box comes). */
  usedBySite?: boolean;
}

export interface BrokerStartRequest {
  /** Default: the remembered port (5672 the first time). */
  port?: number;
  /** Default: the remembered address (0.0.0.0 the first time). */
  host?: BrokerHost;
}

/** Methods of this area: name → [params, result]. */
export interface BrokerMethods {
  'broker.status': [Record<string, never>, BrokerStatus];
  'broker.start': [BrokerStartRequest, BrokerStatus];
  'broker.stop': [Record<string, never>, BrokerStatus];
  /** The current stats, or null when the broker is not running. */
  'broker.stats': [Record<string, never>, BrokerStats | null];
  'broker.addUser': [{ name: string; password: string }, BrokerStatus];
  'broker.deleteUser': [{ name: string }, BrokerStatus];
  'broker.setPassword': [{ name: string; password: string }, BrokerStatus];
}

/** Events of this area: name → payload. */
export interface BrokerEvents {
  /** After every change of state, settings or users. */
  'broker.status': BrokerStatus;
  /** About once a second while the broker runs. */
  'broker.stats': BrokerStats;
}

/** Runtime name lists (typed as Records so the compiler checks they match the interfaces). */
export const BROKER_METHODS: Record<keyof BrokerMethods, true> = {
  'broker.status': true,
  'broker.start': true,
  'broker.stop': true,
  'broker.stats': true,
  'broker.addUser': true,
  'broker.deleteUser': true,
  'broker.setPassword': true,
};
export const BROKER_EVENTS: Record<keyof BrokerEvents, true> = { 'broker.status': true, 'broker.stats': true };

export const DEFAULT_BROKER_PORT = 5672;
export const MIN_BROKER_PASSWORD = 8;

/** Plain-language problem with a user name, or null. Shared by the panel and the server. */
export function brokerUserNameProblem(name: string): string | null {
  if (name.length === 0) return 'Enter a user name.';
  if (name.length > 64) return 'The user name is too long (at most 64 characters).';
  if (!/^[A-Za-z0-9._@-]+$/.test(name)) return 'Use only letters, digits and . _ - @ in the user name.';
  return null;
}

export function brokerPasswordProblem(password: string): string | null {
  if (password.length < MIN_BROKER_PASSWORD) return `The password needs at least ${MIN_BROKER_PASSWORD} characters.`;
  if (password.length > 128) return 'The password is too long (at most 128 characters).';
  return null;
}

export function brokerPortProblem(port: number): string | null {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return 'The port must be a whole number from 1 to 65535 (the usual AMQP port is 5672).';
  return null;
}
