// Server side of the "broker" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the broker control service; its status and stats events
// go to the API event hub.
import { z } from 'zod';
import { brokerPasswordProblem, brokerPortProblem, brokerUserNameProblem, type BrokerMethods, type BrokerStatus } from './broker';
import { ApiError } from './errors';
import type { AreaParams, AreaServer } from './area';
import type { Emit } from './hub';
import type { Services } from './services';

/** A zod string checked by one of the contract's plain-language problem functions. */
function checked(problem: (v: string) => string | null, what: string) {
  return z.string({ error: `${what} must be text` }).superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });
}

const port = z.number({ error: 'the port must be a number' }).superRefine((v, ctx) => {
  const p = brokerPortProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});
const host = z.enum(['0.0.0.0', '127.0.0.1'], { error: 'host must be "0.0.0.0" (all network interfaces) or "127.0.0.1" (this computer only)' });
const none = z.strictObject({}) as unknown as z.ZodType<Record<string, never>>;

export const brokerParams = {
  'broker.status': none,
  'broker.start': z.strictObject({ port: port.optional(), host: host.optional() }),
  'broker.stop': none,
  'broker.stats': none,
  'broker.addUser': z.strictObject({ name: checked(brokerUserNameProblem, 'name'), password: checked(brokerPasswordProblem, 'password') }),
  'broker.deleteUser': z.strictObject({ name: z.string({ error: 'name must be text' }).min(1, 'name the user to delete') }),
  'broker.setPassword': z.strictObject({
    name: z.string({ error: 'name must be text' }).min(1, 'name the user whose password changes'),
    password: checked(brokerPasswordProblem, 'password'),
  }),
} satisfies AreaParams<BrokerMethods>;

/** Why a user the site platform owns cannot be deleted, and what to do instead. */
const RESERVED = {
  platform: 'the site platform\'s own broker user cannot be deleted: the platform sends every box its commands with it',
  box: 'this user belongs to the site platform (a box\'s login); remove the box on the Site page instead, which removes its user and queues',
} as const;

export function brokerHandlers(services: Services, emit: Emit): AreaServer<BrokerMethods> {
  const broker = services.broker;
  const ownerOf = (name: string) => services.platform?.embeddedBrokerUserOwner(name) ?? null;
  // the site platform's users are marked so the page shows them as such
  const marked = (s: BrokerStatus): BrokerStatus => {
    if (!services.platform) return s;
    const users = s.users.map((u) => {
      const owner = ownerOf(u.name);
      return owner ? { ...u, owner } : u;
    });
    return { ...s, users, usedBySite: users.some((u) => u.owner === 'platform') };
  };
  const offStatus = broker.onStatus((s) => emit('broker.status', marked(s)));
  const offStats = broker.onStats((s) => emit('broker.stats', s));
  return {
    handlers: {
      'broker.status': async () => marked(await broker.status()),
      'broker.start': async (p) => marked(await broker.start(p)),
      'broker.stop': async () => marked(await broker.stop()),
      'broker.stats': async () => broker.stats(),
      'broker.addUser': async (p) => {
        if (ownerOf(p.name)) throw new ApiError(`the name "${p.name}" is kept for the site platform (its own user and box.<dev_sno> for each box); choose another`, 'reserved_user', 409);
        return marked(await broker.addUser(p.name, p.password));
      },
      'broker.deleteUser': async (p) => {
        const owner = ownerOf(p.name);
        if (owner) throw new ApiError(RESERVED[owner], 'reserved_user', 409);
        return marked(await broker.deleteUser(p.name));
      },
      'broker.setPassword': async (p) => {
        if (ownerOf(p.name)) throw new ApiError('the site platform sets this user\'s password itself (a box gets its own at each login); it cannot be changed here', 'reserved_user', 409);
        return marked(await broker.setPassword(p.name, p.password));
      },
    },
    dispose() {
      offStatus();
      offStats();
    },
  };
}
