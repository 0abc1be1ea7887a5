// Server side of the "events" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the platform's events service; new events, status changes
// and alerts go to the hub (the pages' live timeline and Devices page).
import { z } from 'zod';
import type { AreaParams, AreaServer } from './area';
import type { EventsMethods } from './events';
import type { Emit } from './hub';
import type { Services } from './services';
import { PlatformError } from '../platform/errors';
import type { EventsService } from '../platform/events/types';

const none = z.strictObject({}) as unknown as z.ZodType<Record<string, never>>;
const devSno = z.string({ error: 'devSno must be text' }).min(1, 'give the device (dev_sno)').max(64);
const eventId = z.string({ error: 'id must be text' }).min(1, 'give the event id').max(128);
const personId = z.string({ error: 'personId must be text' }).min(1, 'give the person id').max(64);
const ms = (what: string) => z.number({ error: `${what} must be a time in ms since the epoch` }).int().min(0).max(8.64e15);

export const eventsParams = {
  'events.list': z.strictObject({
    devSno: devSno.optional(),
    epId: z.string().min(1).max(200).optional(),
    personId: personId.optional(),
    kind: z.enum(['all', 'known', 'stranger']).optional(),
    since: ms('since').optional(),
    until: ms('until').optional(),
    receivedSince: ms('receivedSince').optional(),
    limit: z.number().int().min(1, 'limit is 1–1000').max(1000, 'limit is 1–1000').optional(),
    offset: z.number().int().min(0).optional(),
  }),
  'events.get': z.strictObject({ id: eventId }),
  'events.picture': z.strictObject({ id: eventId, which: z.enum(['spot', 'registration']) }),
  'events.enrolStranger': z.strictObject({
    id: eventId,
    name: z.string().trim().min(1, 'give the person a name').max(128),
    personId: personId.optional(),
    type: z.number().int().min(1).max(5).optional(),
    groups: z.array(z.string().min(1).max(64)).max(100).optional(),
    force: z.boolean().optional(),
  }),
  'events.identify': z.strictObject({ id: eventId, personId }),
  'events.retention': z.strictObject({
    maxEvents: z.number().int().min(0, 'maxEvents is 0 (no limit) or more').max(100_000_000).optional(),
    maxAgeDays: z.number().min(0, 'maxAgeDays is 0 (no limit) or more').max(36_500).optional(),
  }),
  'events.devices.status': none,
  'events.devices.metrics': z.strictObject({
    devSno,
    since: ms('since').optional(),
    until: ms('until').optional(),
    maxPoints: z.number().int().min(2).max(10_000).optional(),
  }),
  'events.alerts.list': z.strictObject({ all: z.boolean().optional(), devSno: devSno.optional(), limit: z.number().int().min(1).max(10_000).optional() }),
} satisfies AreaParams<EventsMethods>;

export function eventsHandlers(services: Services, emit: Emit): AreaServer<EventsMethods> {
  const svc = services.platform?.events ?? null;
  const events = (): EventsService => {
    const e = svc;
    if (!e) throw new PlatformError('the site platform is not running in this app (start it with `se3kit serve`)', 'no_platform', 503);
    return e;
  };
  const offs = svc ? [svc.onEvent((e) => emit('events.new', e)), svc.onDeviceStatus((d) => emit('events.devices.status', d)), svc.onAlert((a) => emit('events.alerts.changed', a))] : [];
  return {
    handlers: {
      'events.list': async (x) => events().list(x),
      'events.get': async (x) => events().get(x.id),
      'events.picture': async (x) => {
        const pic = await events().picture(x.id, x.which);
        return { type: pic.type, data: pic.bytes.toString('base64') };
      },
      'events.enrolStranger': async (x) => events().enrolStranger(x),
      'events.identify': async (x) => events().identify(x.id, x.personId),
      'events.retention': async (x) => events().retention(x),
      'events.devices.status': async () => events().devicesStatus(),
      'events.devices.metrics': async ({ devSno: d, ...o }) => events().metrics(d, o),
      'events.alerts.list': async (x) => events().alerts(x),
    },
    dispose() {
      for (const off of offs) off();
    },
  };
}
