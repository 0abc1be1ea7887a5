// Provisioning on the embedded broker (electron/broker) as the app runs it: the Broker panel's
// BrokerControl starts it (all interfaces, --amqp-port) when it is not running yet; users,
// vhosts and permissions go through the running broker's management API.
import type { BrokerControl } from '../broker/control';
import { FULL_PERMISSIONS, type Broker } from '../broker/index';
import { amqpUrl, boxesOf, commandQueues, deleteBoxCommandResources, devSnoOfResource, type BrokerProvisioner } from './broker-provision';
import { boxBrokerNames, boxPermissions, COMMAND_VHOST } from './names';
import { PlatformError } from './errors';

export const PLATFORM_BROKER_USER = 'se3kit-platform';

/** Who owns a user of the embedded broker the site platform provisions: its own user, a box's
 *  (`box.<dev_sno>`), or null (an operator's user). */
export type BrokerUserOwner = 'platform' | 'box';
export function brokerUserOwner(name: string): BrokerUserOwner | null {
  if (name === PLATFORM_BROKER_USER) return 'platform';
  return devSnoOfResource('user', name) !== null ? 'box' : null;
}

export interface EmbeddedProvisionerOptions {
  control: BrokerControl;
  /** Port to start the broker on when it is not running (default 5672). */
  port: number;
  /** The platform's own broker password (kept in the platform database). */
  platformPassword: string;
}

export function createEmbeddedProvisioner(o: EmbeddedProvisionerOptions): BrokerProvisioner {
  let port = o.port;
  const prepared = new WeakSet<Broker>();

  async function broker(): Promise<Broker> {
    await o.control.resumed;
    let b = o.control.running();
    if (!b) {
      const st = await o.control.status();
      if (st.state !== 'running') {
        if (!st.users.some((u) => u.name === PLATFORM_BROKER_USER)) await o.control.addUser(PLATFORM_BROKER_USER, o.platformPassword);
        try {
          await o.control.start({ port: o.port, host: '0.0.0.0' });
        } catch (err) {
          throw new PlatformError(`the embedded broker could not start: ${(err as Error).message}`, 'broker_start', 503);
        }
      }
      b = o.control.running();
    }
    if (!b) throw new PlatformError('the embedded broker is not running; start it on the Broker page', 'broker_down', 503);
    port = b.port;
    if (prepared.has(b)) return b;
    // the platform user: password as the platform knows it, full access where it works
    b.addUser(PLATFORM_BROKER_USER, o.platformPassword, ['administrator']);
    b.addVhost(COMMAND_VHOST);
    b.setPermissions(PLATFORM_BROKER_USER, COMMAND_VHOST, FULL_PERMISSIONS);
    prepared.add(b);
    return b;
  }

  const self: BrokerProvisioner = {
    kind: 'embedded',
    async start() {
      await broker();
    },
    async ensureBox(devSno, password) {
      const b = await broker();
      const n = boxBrokerNames(devSno);
      const perm = boxPermissions(n);
      b.addVhost(n.uploadVhost);
      b.setPermissions(PLATFORM_BROKER_USER, n.uploadVhost, FULL_PERMISSIONS);
      b.addUser(n.user, password); // sets the password; open connections stay
      b.setPermissions(n.user, n.vhost, perm.command);
      b.setPermissions(n.user, n.uploadVhost, perm.upload);
    },
    async revokeBox(devSno) {
      // a stopped broker has no connection to close; its stored user is deleted once it runs (provisionAll revokes a disabled code's login)
      const b = o.control.running();
      if (!b) throw new PlatformError("the embedded broker is not running; the box's broker login is revoked once it runs", 'broker_down', 503);
      const n = boxBrokerNames(devSno);
      if (b.listUsers().some((u) => u.name === n.user)) b.deleteUser(n.user); // closes its connections
    },
    async removeBox(devSno) {
      // a stopped broker keeps the box's user and queues: the clean-up is retried (sync-runner's broker sweep)
      const b = o.control.running();
      if (!b) throw new PlatformError('the embedded broker is not running; the box\'s broker user and queues are removed once it runs', 'broker_down', 503);
      const n = boxBrokerNames(devSno);
      if (b.listUsers().some((u) => u.name === n.user)) b.deleteUser(n.user);
      if (b.listVhosts().includes(n.uploadVhost)) b.deleteVhost(n.uploadVhost);
      await deleteBoxCommandResources(self, devSno);
    },
    async listBoxes() {
      const b = o.control.running();
      if (!b) throw new PlatformError('the embedded broker is not running', 'broker_down', 503);
      return boxesOf(b.listUsers().map((u) => u.name), b.listVhosts(), b.stats().queues);
    },
    platformUrl(vhost) {
      return amqpUrl({ user: PLATFORM_BROKER_USER, password: o.platformPassword, host: '127.0.0.1', port, vhost });
    },
    boxEndpoint() {
      return { host: null, port };
    },
    async queueInfos() {
      const b = o.control.running();
      if (!b) throw new PlatformError('the embedded broker is not running', 'broker_down', 503);
      return commandQueues(b.stats().queues.map((q) => ({ vhost: q.vhost, name: q.name, consumers: q.consumers, depth: q.messages + q.unacked })));
    },
    async queueInfo(devSno) {
      // in process, the whole list costs no more than one queue
      return (await self.queueInfos().catch(() => null))?.get(devSno) ?? null;
    },
    async close() {},
  };
  return self;
}
