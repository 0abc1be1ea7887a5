// Server side of the "broker" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the broker control service; its status and stats events
// go to the API event hub.
import { z } from 'zod';
import { brokerPasswordProblem, brokerPortProblem, brokerUserNameProblem, type BrokerMethods } from './broker';
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

export function brokerHandlers(services: Services, emit: Emit): AreaServer<BrokerMethods> {
  const broker = services.broker;
  const offStatus = broker.onStatus((s) => emit('broker.status', s));
  const offStats = broker.onStats((s) => emit('broker.stats', s));
  return {
    handlers: {
      'broker.status': async () => broker.status(),
      'broker.start': async (p) => broker.start(p),
      'broker.stop': async () => broker.stop(),
      'broker.stats': async () => broker.stats(),
      'broker.addUser': async (p) => broker.addUser(p.name, p.password),
      'broker.deleteUser': async (p) => broker.deleteUser(p.name),
      'broker.setPassword': async (p) => broker.setPassword(p.name, p.password),
    },
    dispose() {
      offStatus();
      offStats();
    },
  };
}
