// RabbitMQ's own definitions JSON (`rabbitmqctl export_definitions` / `import_definitions`):
// users with their password hashes (rabbit_password_hashing_sha256/sha512/md5), vhosts,
// permissions, durable queues, exchanges and bindings. Imported as a whole after checking all
// of it (nothing is changed when any entry is bad); exported from the broker's own definitions.
import { z } from 'zod';
import { HASHING_MODULES, type PasswordHashing, type User } from './auth';
import type { Definitions } from './store/metadata';

const table = z.record(z.string(), z.any());
const named = z.string().min(1, 'a name must not be empty');

export const rabbitDefinitionsSchema = z
  .object({
    rabbit_version: z.string().optional(),
    rabbitmq_version: z.string().optional(),
    users: z
      .array(
        z.object({
          name: named,
          password_hash: z.string().optional(),
          password: z.string().optional(),
          hashing_algorithm: z.string().optional(),
          tags: z.union([z.array(z.string()), z.string()]).optional(),
          limits: z.any().optional(),
        }),
      )
      .optional(),
    vhosts: z.array(z.object({ name: named }).passthrough()).optional(),
    permissions: z.array(z.object({ user: named, vhost: named, configure: z.string(), write: z.string(), read: z.string() })).optional(),
    topic_permissions: z.array(z.any()).optional(),
    parameters: z.array(z.any()).optional(),
    global_parameters: z.array(z.any()).optional(),
    policies: z.array(z.any()).optional(),
    queues: z
      .array(z.object({ name: named, vhost: named, durable: z.boolean(), auto_delete: z.boolean(), arguments: table.optional() }))
      .optional(),
    exchanges: z
      .array(
        z.object({
          name: named,
          vhost: named,
          type: z.string(),
          durable: z.boolean(),
          auto_delete: z.boolean(),
          internal: z.boolean().optional(),
          arguments: table.optional(),
        }),
      )
      .optional(),
    bindings: z
      .array(
        z.object({
          source: z.string(),
          vhost: named,
          destination: named,
          destination_type: z.enum(['queue', 'exchange']),
          routing_key: z.string(),
          arguments: table.optional(),
        }),
      )
      .optional(),
  })
  .passthrough();
export type RabbitDefinitions = z.infer<typeof rabbitDefinitionsSchema>;

const MODULE_TO_HASHING = new Map(Object.entries(HASHING_MODULES).map(([k, v]) => [v, k as PasswordHashing]));

/** What an import needs from the broker. */
export interface DefinitionsTarget {
  addVhost(name: string): void;
  importUser(user: User): void;
  setPermissions(user: string, vhost: string, p: { configure: string; write: string; read: string }): void;
  declareExchange(vhost: string, x: { name: string; type: string; durable: boolean; autoDelete: boolean; internal: boolean; args: Record<string, unknown> }): void;
  declareQueue(vhost: string, q: { name: string; durable: boolean; autoDelete: boolean; args: Record<string, unknown> }): void;
  bind(vhost: string, b: { source: string; destination: string; destinationType: 'queue' | 'exchange'; routingKey: string; args: Record<string, unknown> }): void;
  hashPassword(password: string): string;
}

export interface ImportSummary {
  users: number;
  vhosts: number;
  permissions: number;
  queues: number;
  exchanges: number;
  bindings: number;
  /** Parts of the file this broker does not apply (policies, parameters, topic permissions, limits). */
  ignored: string[];
}

/** Parses and checks a definitions document; throws one error naming every problem found. */
export function parseRabbitDefinitions(json: unknown): RabbitDefinitions {
  const parsed = rabbitDefinitionsSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new Error(`not a RabbitMQ definitions file: ${issues.join('; ')}`);
  }
  const d = parsed.data;
  const problems: string[] = [];
  for (const u of d.users ?? []) {
    if (u.password_hash === undefined && u.password === undefined) problems.push(`user '${u.name}' has neither password_hash nor password`);
    if (u.password_hash !== undefined && u.password_hash !== '') {
      const alg = MODULE_TO_HASHING.get(u.hashing_algorithm ?? HASHING_MODULES.sha256);
      if (!alg) problems.push(`user '${u.name}': unsupported hashing_algorithm '${u.hashing_algorithm}' (supported: ${Object.values(HASHING_MODULES).join(', ')})`);
      else if (Buffer.from(u.password_hash, 'base64').length !== 4 + { sha256: 32, sha512: 64, md5: 16 }[alg])
        problems.push(`user '${u.name}': password_hash is not a ${u.hashing_algorithm ?? HASHING_MODULES.sha256} hash`);
    }
  }
  const vhosts = new Set([...(d.vhosts ?? []).map((v) => v.name)]);
  const users = new Set((d.users ?? []).map((u) => u.name));
  for (const p of d.permissions ?? []) {
    if (!vhosts.has(p.vhost)) problems.push(`permission of '${p.user}' names vhost '${p.vhost}', which the file does not define`);
    if (!users.has(p.user)) problems.push(`permission on '${p.vhost}' names user '${p.user}', which the file does not define`);
    for (const re of [p.configure, p.write, p.read]) {
      try {
        new RegExp(re);
      } catch {
        problems.push(`permission of '${p.user}' on '${p.vhost}': invalid regex '${re}'`);
      }
    }
  }
  for (const x of [...(d.queues ?? []), ...(d.exchanges ?? []), ...(d.bindings ?? [])])
    if (!vhosts.has(x.vhost)) problems.push(`'${'name' in x ? x.name : `${x.source}→${x.destination}`}' is in vhost '${x.vhost}', which the file does not define`);
  if (problems.length > 0) throw new Error(`the definitions file cannot be imported: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? ` (and ${problems.length - 8} more)` : ''}`);
  return d;
}

function tagsOf(t: string[] | string | undefined): string[] {
  if (t === undefined) return [];
  return (Array.isArray(t) ? t : t.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** Applies checked definitions: creates or updates everything in the file (like RabbitMQ's import). */
export function applyRabbitDefinitions(target: DefinitionsTarget, d: RabbitDefinitions): ImportSummary {
  const ignored: string[] = [];
  for (const k of ['policies', 'parameters', 'topic_permissions'] as const) if ((d[k] ?? []).length > 0) ignored.push(`${k} (${d[k]!.length})`);
  if ((d.users ?? []).some((u) => u.limits && Object.keys(u.limits).length > 0)) ignored.push('user limits');
  for (const v of d.vhosts ?? []) target.addVhost(v.name);
  for (const u of d.users ?? []) {
    const hashing = MODULE_TO_HASHING.get(u.hashing_algorithm ?? HASHING_MODULES.sha256) ?? 'sha256';
    const user: User =
      u.password_hash !== undefined
        ? { name: u.name, passwordHash: u.password_hash, tags: tagsOf(u.tags), ...(hashing !== 'sha256' ? { hashing } : {}) }
        : { name: u.name, passwordHash: target.hashPassword(u.password!), tags: tagsOf(u.tags) };
    target.importUser(user);
  }
  for (const p of d.permissions ?? []) target.setPermissions(p.user, p.vhost, p);
  for (const x of d.exchanges ?? [])
    target.declareExchange(x.vhost, { name: x.name, type: x.type, durable: x.durable, autoDelete: x.auto_delete, internal: x.internal ?? false, args: x.arguments ?? {} });
  for (const q of d.queues ?? []) target.declareQueue(q.vhost, { name: q.name, durable: q.durable, autoDelete: q.auto_delete, args: q.arguments ?? {} });
  for (const b of d.bindings ?? [])
    target.bind(b.vhost, { source: b.source, destination: b.destination, destinationType: b.destination_type, routingKey: b.routing_key, args: b.arguments ?? {} });
  return {
    users: d.users?.length ?? 0,
    vhosts: d.vhosts?.length ?? 0,
    permissions: d.permissions?.length ?? 0,
    queues: d.queues?.length ?? 0,
    exchanges: d.exchanges?.length ?? 0,
    bindings: d.bindings?.length ?? 0,
    ignored,
  };
}

/** The broker's definitions in RabbitMQ's format (as `rabbitmqctl export_definitions` writes it). */
export function toRabbitDefinitions(defs: Definitions, version = '3.10.8'): RabbitDefinitions {
  return {
    rabbit_version: version,
    rabbitmq_version: version,
    product_name: 'SE3 Field Kit broker',
    product_version: version,
    users: defs.users.map((u) => ({
      name: u.name,
      password_hash: u.passwordHash,
      hashing_algorithm: HASHING_MODULES[u.hashing ?? 'sha256'],
      tags: u.tags,
      limits: {},
    })),
    vhosts: defs.vhosts.map((v) => ({ name: v.name })),
    permissions: defs.permissions.map((p) => ({ user: p.user, vhost: p.vhost, configure: p.configure, write: p.write, read: p.read })),
    topic_permissions: [],
    parameters: [],
    global_parameters: [],
    policies: [],
    queues: defs.vhosts.flatMap((v) => v.queues.map((q) => ({ name: q.name, vhost: v.name, durable: true, auto_delete: q.autoDelete, arguments: q.args }))),
    exchanges: defs.vhosts.flatMap((v) =>
      v.exchanges.map((x) => ({ name: x.name, vhost: v.name, type: x.type, durable: true, auto_delete: x.autoDelete, internal: x.internal, arguments: x.args })),
    ),
    bindings: defs.vhosts.flatMap((v) =>
      v.bindings.map((b) => ({ source: b.source, vhost: v.name, destination: b.destination, destination_type: b.destinationType, routing_key: b.routingKey, arguments: b.args })),
    ),
  };
}
