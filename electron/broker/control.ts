// The embedded broker as the app runs it ("broker" area): start/stop under <dataDir>/broker,
// the remembered choice (resumed on the next app start), its users, and its stats pushed about
// once a second for the Broker panel. Operations run one at a time, in order.
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { BrokerHost, BrokerSettings, BrokerStartRequest, BrokerState, BrokerStatus, BrokerUser } from '../api/broker';
import { brokerPortProblem } from '../api/broker';
import { startBroker, type Broker, type BrokerStats } from './index';
import { BrokerControlError, explainStartFailure } from './control-errors';
import { lockBrokerDir } from './data-lock';
import type { FolderLock } from '../../agent/pid-lock';
import { DEFAULT_SETTINGS, loadSettings, saveSettings } from './control-settings';
import { addUserAtRest, changePasswordAtRest, DEFAULT_VHOST, deleteUserAtRest, FULL_ACCESS, readUsersAtRest, usersOf } from './control-users';

export { BrokerControlError } from './control-errors';

export interface BrokerControl {
  status(): Promise<BrokerStatus>;
  start(request?: BrokerStartRequest): Promise<BrokerStatus>;
  stop(): Promise<BrokerStatus>;
  /** The current stats, or null when the broker is not running. */
  stats(): BrokerStats | null;
  /** The running broker (for in-process users such as the site platform), or null when it is not running. */
  running(): Broker | null;
  addUser(name: string, password: string): Promise<BrokerStatus>;
  deleteUser(name: string): Promise<BrokerStatus>;
  /** Gives an existing user a new password (its access stays; its open connections stay open). */
  setPassword(name: string, password: string): Promise<BrokerStatus>;
  /** Each returns its unsubscribe function. */
  onStatus(listener: (status: BrokerStatus) => void): () => void;
  onStats(listener: (stats: BrokerStats) => void): () => void;
  /** Settles once the start-up resume (the remembered "running") has been tried; never rejects. */
  readonly resumed: Promise<void>;
  /** Stops the broker cleanly (the remembered choice stays as it is, so it comes back next time). */
  close(): Promise<void>;
}

export interface BrokerControlOptions {
  dataDir: string;
  /** Stats push interval, default 1000 ms. */
  statsIntervalMs?: number;
  /** The broker's start-up warm-up (BrokerOptions.warmUp, about 3 s of CPU per start); default on.
   *  Tests that start many brokers may turn it off. */
  warmUp?: boolean;
}

const NO_USERS =
  'Add a broker user first: boxes and apps log in to the broker with a user name and password, and the broker lets nobody in until one exists.';

class EmbeddedBrokerControl implements BrokerControl {
  readonly resumed: Promise<void>;
  private readonly brokerDir: string;
  private broker: Broker | null = null;
  private state: BrokerState = 'stopped';
  private settings: BrokerSettings = { ...DEFAULT_SETTINGS };
  private lastError: string | null = null;
  private startedAt: number | null = null;
  private runningHost: BrokerHost | null = null;
  private closed = false;
  /** `<brokerDir>/broker.lock` while the broker runs */
  private lock: FolderLock | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private statsTimer: NodeJS.Timeout | undefined;
  private readonly statusListeners = new Set<(s: BrokerStatus) => void>();
  private readonly statsListeners = new Set<(s: BrokerStats) => void>();

  constructor(private readonly o: BrokerControlOptions) {
    this.brokerDir = join(o.dataDir, 'broker');
    this.resumed = this.serial(() => this.resume()).then(
      () => undefined,
      () => undefined,
    );
  }

  // ---- queries ----------------------------------------------------------------------------

  async status(): Promise<BrokerStatus> {
    return this.snapshot();
  }

  stats(): BrokerStats | null {
    return this.broker && this.state === 'running' ? this.broker.stats() : null;
  }

  running(): Broker | null {
    return this.broker && this.state === 'running' ? this.broker : null;
  }

  onStatus(listener: (s: BrokerStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onStats(listener: (s: BrokerStats) => void): () => void {
    this.statsListeners.add(listener);
    return () => this.statsListeners.delete(listener);
  }

  // ---- operations -------------------------------------------------------------------------

  start(request: BrokerStartRequest = {}): Promise<BrokerStatus> {
    return this.serial(async () => {
      const port = request.port ?? this.settings.port;
      const host = request.host ?? this.settings.host;
      const problem = brokerPortProblem(port);
      if (problem) throw new BrokerControlError(problem, 'bad_port', 400);
      if (this.broker) {
        if (this.broker.port === port && this.runningHost === host) return this.snapshot();
        throw new BrokerControlError(`The broker is already running on port ${this.broker.port}. Stop it first to change the port or address.`, 'already_running');
      }
      await this.launch(port, host);
      await this.remember({ enabled: true, port, host });
      return this.snapshot();
    });
  }

  stop(): Promise<BrokerStatus> {
    return this.serial(async () => {
      await this.shutdown();
      await this.remember({ ...this.settings, enabled: false });
      return this.snapshot();
    });
  }

  addUser(name: string, password: string): Promise<BrokerStatus> {
    return this.serial(async () => {
      if (this.users().some((u) => u.name === name)) {
        throw new BrokerControlError(`There is already a user named "${name}". Delete it first to give it a new password.`, 'user_exists');
      }
      this.storage(() => {
        if (this.broker) {
          this.broker.addVhost(DEFAULT_VHOST);
          this.broker.addUser(name, password);
          this.broker.setPermissions(name, DEFAULT_VHOST, FULL_ACCESS);
        } else {
          addUserAtRest(this.brokerDir, name, password);
        }
      });
      return this.changed();
    });
  }

  deleteUser(name: string): Promise<BrokerStatus> {
    return this.serial(async () => {
      const users = this.users();
      if (!users.some((u) => u.name === name)) throw new BrokerControlError(`There is no user named "${name}".`, 'no_such_user', 404);
      if (this.broker && users.length === 1) {
        throw new BrokerControlError(
          `"${name}" is the only user: a running broker needs at least one. Add another user first, or stop the broker.`,
          'last_user',
        );
      }
      this.storage(() => (this.broker ? this.broker.deleteUser(name) : deleteUserAtRest(this.brokerDir, name)));
      return this.changed();
    });
  }

  setPassword(name: string, password: string): Promise<BrokerStatus> {
    return this.serial(async () => {
      if (!this.users().some((u) => u.name === name)) throw new BrokerControlError(`There is no user named "${name}".`, 'no_such_user', 404);
      this.storage(() => {
        if (this.broker) this.broker.changePassword(name, password);
        else changePasswordAtRest(this.brokerDir, name, password);
      });
      return this.changed();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return this.chain.then(() => undefined, () => undefined);
    const last = this.serial(() => this.shutdown());
    this.closed = true;
    await last.catch(() => undefined);
  }

  // ---- internals --------------------------------------------------------------------------

  /** Runs `fn` after every earlier operation has finished. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new BrokerControlError('Field Kit is shutting down; the broker cannot be changed now.', 'closed', 503));
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async resume(): Promise<void> {
    try {
      this.settings = await loadSettings(this.o.dataDir);
    } catch (err) {
      this.lastError = `The remembered broker settings could not be read: ${(err as Error).message}`;
      this.changed();
      return;
    }
    if (!this.settings.enabled) return;
    try {
      await this.launch(this.settings.port, this.settings.host);
    } catch (err) {
      // launch() already kept the plain reason; say it comes from the automatic restart.
      this.lastError = `The broker was running when Field Kit last closed but could not start again. ${(err as Error).message}`;
      this.changed();
    }
  }

  private async launch(port: number, host: BrokerHost): Promise<void> {
    let users: BrokerUser[];
    try {
      users = this.users();
    } catch (err) {
      throw this.failed(err as BrokerControlError);
    }
    if (users.length === 0) throw this.failed(new BrokerControlError(NO_USERS, 'no_users'));
    // one broker per store: `se3kit broker --data <data>/broker` (or another app) on it is refused by name
    const lock = await lockBrokerDir(this.brokerDir, 'Field Kit (se3kit serve or the desktop app)').catch((err: Error) => ({ refused: `cannot use ${this.brokerDir}: ${err.message}` }));
    if ('refused' in lock) throw this.failed(new BrokerControlError(`The broker cannot start: ${lock.refused}.`, 'data_folder_in_use'));
    this.setState('starting');
    try {
      this.broker = await startBroker({ dataDir: this.brokerDir, port, host, warmUp: this.o.warmUp ?? true });
    } catch (err) {
      this.state = 'stopped';
      await lock.release();
      throw this.failed(explainStartFailure(err, port, host));
    }
    this.lock = lock;
    this.state = 'running';
    this.runningHost = host;
    this.startedAt = Date.now();
    this.lastError = null;
    this.statsTimer = setInterval(() => this.pushStats(), this.o.statsIntervalMs ?? 1000);
    this.statsTimer.unref();
    this.changed();
    this.pushStats();
  }

  private async shutdown(): Promise<void> {
    const b = this.broker;
    if (!b) return;
    clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    this.setState('stopping');
    try {
      await b.close();
    } finally {
      await this.lock?.release();
      this.lock = null;
      this.broker = null;
      this.runningHost = null;
      this.startedAt = null;
      this.setState('stopped');
    }
  }

  private async remember(next: BrokerSettings): Promise<void> {
    try {
      await saveSettings(this.o.dataDir, next);
      this.settings = next;
    } catch (err) {
      this.settings = next; // in effect for this session at least
      this.lastError = `The broker setting could not be saved, so it will not be remembered after a restart: ${(err as Error).message}`;
    }
    this.changed();
  }

  private pushStats(): void {
    const s = this.stats();
    if (!s) return;
    for (const l of [...this.statsListeners]) l(s);
  }

  private failed(err: BrokerControlError): BrokerControlError {
    this.lastError = err.message;
    this.changed();
    return err;
  }

  private storage(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      throw new BrokerControlError(`The broker's user list could not be changed: ${(err as Error).message}`, 'storage', 500);
    }
  }

  private users(): BrokerUser[] {
    if (this.broker) return usersOf({ users: this.broker.listUsers(), permissions: this.broker.listPermissions() });
    try {
      return readUsersAtRest(this.brokerDir);
    } catch (err) {
      throw new BrokerControlError(`The broker's user list could not be read: ${(err as Error).message}`, 'storage', 500);
    }
  }

  private setState(s: BrokerState): void {
    this.state = s;
    this.changed();
  }

  private snapshot(): BrokerStatus {
    let users: BrokerUser[] = [];
    let usersError: string | null = null;
    try {
      users = this.users();
    } catch (err) {
      usersError = (err as Error).message;
    }
    return {
      state: this.state,
      port: this.broker?.port ?? null,
      host: this.broker ? this.runningHost : null,
      startedAt: this.startedAt,
      settings: { ...this.settings },
      users,
      lastError: this.lastError ?? usersError,
      dataDir: this.brokerDir,
      addresses: brokerAddresses(this.broker?.port ?? this.settings.port, '0.0.0.0'),
    };
  }

  private changed(): BrokerStatus {
    const s = this.snapshot();
    for (const l of [...this.statusListeners]) l(s);
    return s;
  }
}

export function createBrokerControl(o: BrokerControlOptions): BrokerControl {
  return new EmbeddedBrokerControl(o);
}

/** amqp:// URLs for a port and listen address: this machine's IPv4 addresses (LAN first, then
 *  loopback) when listening on every interface, else 127.0.0.1 only. */
export function brokerAddresses(port: number, host: BrokerHost): string[] {
  if (host === '127.0.0.1') return [`amqp://127.0.0.1:${port}`];
  const lan: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) lan.push(`amqp://${a.address}:${port}`);
  }
  return [...new Set(lan), `amqp://127.0.0.1:${port}`];
}
