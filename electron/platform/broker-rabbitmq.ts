// Provisioning on an external RabbitMQ (a site that outgrew one machine, a RabbitMQ cluster):
// users, vhosts and permissions through the management HTTP API (`--broker-admin-url
// http://user:pass@host:15672`); the platform's own AMQP connections use `--broker-url
// amqp://user:pass@host:port`, whose user is given full permissions on the platform's vhosts.
import { amqpUrl, boxesOf, commandQueues, type BrokerProvisioner } from './broker-provision';
import { PlatformError } from './errors';
import { boxBrokerNames, boxPermissions, COMMAND_VHOST } from './names';

export interface RabbitmqProvisionerOptions {
  brokerUrl: string;
  adminUrl: string;
  timeoutMs?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const FULL = { configure: '.*', write: '.*', read: '.*' };

export function parseBrokerUrls(o: RabbitmqProvisionerOptions) {
  let amqp: URL;
  let admin: URL;
  try {
    amqp = new URL(o.brokerUrl);
    if (amqp.protocol !== 'amqp:') throw new Error('scheme');
  } catch {
    throw new PlatformError('--broker-url must look like amqp://user:password@host:5672', 'bad_broker_url', 400);
  }
  try {
    admin = new URL(o.adminUrl);
    if (admin.protocol !== 'http:' && admin.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new PlatformError('--broker-admin-url must look like http://user:password@host:15672', 'bad_broker_url', 400);
  }
  if (!amqp.username || !admin.username) throw new PlatformError('both broker URLs need a user and password (amqp://user:password@host…)', 'bad_broker_url', 400);
  return {
    user: decodeURIComponent(amqp.username),
    password: decodeURIComponent(amqp.password),
    host: amqp.hostname.replace(/^\[|\]$/g, ''),
    port: Number(amqp.port || 5672),
    api: `${admin.protocol}//${admin.host}${admin.pathname.replace(/\/$/, '')}/api`,
    auth: `Basic ${Buffer.from(`${decodeURIComponent(admin.username)}:${decodeURIComponent(admin.password)}`).toString('base64')}`,
  };
}

export function createRabbitmqProvisioner(o: RabbitmqProvisionerOptions): BrokerProvisioner {
  const u = parseBrokerUrls(o);
  const timeout = o.timeoutMs ?? 10_000;

  async function api(method: string, path: string, body?: unknown, okMissing = false): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${u.api}${path}`, {
        method,
        headers: { authorization: u.auth, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      throw new PlatformError(`the RabbitMQ management API at ${u.api} is unreachable (${(err as Error).cause ? String((err as { cause: Error }).cause.message) : (err as Error).message}); check --broker-admin-url and that the rabbitmq_management plugin is enabled`, 'broker_down', 503);
    }
    if (res.status === 404 && okMissing) return null;
    if (res.status === 401) throw new PlatformError('RabbitMQ refused the management login: check the user and password in --broker-admin-url (the user needs the administrator tag)', 'broker_refused', 503);
    if (res.status >= 300) throw new PlatformError(`RabbitMQ management API ${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`, 'broker_refused', 503);
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }
  const v = encodeURIComponent;

  return {
    kind: 'external',
    async start() {
      await api('GET', '/overview');
      await api('PUT', `/vhosts/${v(COMMAND_VHOST)}`, {});
      await api('PUT', `/permissions/${v(COMMAND_VHOST)}/${v(u.user)}`, FULL);
    },
    async ensureBox(devSno, password) {
      const n = boxBrokerNames(devSno);
      const perm = boxPermissions(n);
      await api('PUT', `/vhosts/${v(COMMAND_VHOST)}`, {});
      await api('PUT', `/permissions/${v(COMMAND_VHOST)}/${v(u.user)}`, FULL);
      await api('PUT', `/vhosts/${v(n.uploadVhost)}`, {});
      await api('PUT', `/permissions/${v(n.uploadVhost)}/${v(u.user)}`, FULL);
      await api('PUT', `/users/${v(n.user)}`, { password, tags: '' });
      await api('PUT', `/permissions/${v(n.vhost)}/${v(n.user)}`, perm.command);
      await api('PUT', `/permissions/${v(n.uploadVhost)}/${v(n.user)}`, perm.upload);
    },
    async revokeBox(devSno) {
      const n = boxBrokerNames(devSno);
      await api('DELETE', `/users/${v(n.user)}`, undefined, true);
      // and its open connections (deleting a user does not close them on every RabbitMQ version)
      const conns = ((await api('GET', `/connections?columns=name,user`)) ?? []) as Array<{ name: string; user: string }>;
      for (const c of conns) if (c.user === n.user) await api('DELETE', `/connections/${v(c.name)}`, undefined, true);
    },
    async removeBox(devSno) {
      const n = boxBrokerNames(devSno);
      await api('DELETE', `/users/${v(n.user)}`, undefined, true);
      await api('DELETE', `/vhosts/${v(n.uploadVhost)}`, undefined, true);
      await api('DELETE', `/queues/${v(COMMAND_VHOST)}/${v(n.queue)}`, undefined, true);
      await api('DELETE', `/queues/${v(COMMAND_VHOST)}/${v(n.fiqaDownQueue)}`, undefined, true);
      await api('DELETE', `/exchanges/${v(COMMAND_VHOST)}/${v(n.exchange)}`, undefined, true);
    },
    async listBoxes() {
      const users = ((await api('GET', '/users')) as Array<{ name: string }> | null) ?? [];
      const vhosts = ((await api('GET', '/vhosts')) as Array<{ name: string }> | null) ?? [];
      const queues = ((await api('GET', `/queues/${v(COMMAND_VHOST)}?columns=name,vhost`, undefined, true)) as Array<{ name: string; vhost: string }> | null) ?? [];
      return boxesOf(users.map((x) => x.name), vhosts.map((x) => x.name), queues);
    },
    platformUrl(vhost) {
      return amqpUrl({ user: u.user, password: u.password, host: u.host, port: u.port, vhost });
    },
    boxEndpoint() {
      // a broker on this machine is reached by the boxes on the address they reached us on
      return { host: LOOPBACK.has(u.host) ? null : u.host, port: u.port };
    },
    async queueInfos() {
      const qs = ((await api('GET', `/queues/${v(COMMAND_VHOST)}?columns=name,vhost,consumers,messages`)) as Array<{ name: string; vhost: string; consumers?: number; messages?: number }> | null) ?? [];
      return commandQueues(qs.map((q) => ({ vhost: q.vhost, name: q.name, consumers: q.consumers ?? 0, depth: q.messages ?? 0 })));
    },
    async queueInfo(devSno) {
      const n = boxBrokerNames(devSno);
      const q = (await api('GET', `/queues/${v(n.vhost)}/${v(n.queue)}`, undefined, true).catch(() => null)) as { consumers?: number; messages?: number } | null;
      return q ? { consumers: q.consumers ?? 0, depth: q.messages ?? 0 } : null;
    },
    async close() {},
  };
}
