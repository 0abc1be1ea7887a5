// Server side of the "platform" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the platform service; its change events go to the hub.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { AreaParams, AreaServer } from './area';
import type { Emit } from './hub';
import { IMPORT_CSV_MAX_CHARS, type PlatformMethods } from './platform';
import type { Services } from './services';
import { importPeople } from '../platform/import';
import { commission } from '../platform/commission';
import { PlatformError } from '../platform/errors';

const none = z.strictObject({}) as unknown as z.ZodType<Record<string, never>>;
const devSno = z.string({ error: 'devSno must be text' }).min(1, 'give the device (dev_sno)').max(64);
const group = z.string({ error: 'group must be text' }).min(1, 'give a group name').max(64);
const id = z.string({ error: 'id must be text' }).min(1, 'give the person id').max(64);
const base64 = z.string().max(14 * 1024 * 1024, 'a photo is at most 10 MB').regex(/^[A-Za-z0-9+/=\s]*$/, 'photos are sent as base64');
const person = z.strictObject({
  id,
  name: z.string().min(1, 'give the person a name').max(128),
  type: z.number().int().min(1).max(5).optional(),
  registerType: z.number().int().min(1).max(2).optional(),
  info: z.record(z.string(), z.unknown()).optional(),
  groups: z.array(group).max(100).optional(),
  photos: z.array(base64).max(10).optional(),
});
const personUpdate = person.extend({ name: z.string().min(1).max(128) });

export const platformParams = {
  'platform.status': none,
  'platform.settings': z.strictObject({ resultsMode: z.enum(['queue', 'notify', 'none']).optional(), inlineUsers: z.boolean().optional() }),
  'platform.devices.list': none,
  'platform.devices.add': z.strictObject({ name: z.string().max(64).optional() }),
  'platform.devices.enable': z.strictObject({ devSno, enabled: z.boolean() }),
  'platform.devices.rename': z.strictObject({ devSno, name: z.string().max(64) }),
  'platform.devices.release': z.strictObject({ devSno }),
  'platform.devices.remove': z.strictObject({ devSno }),
  'platform.devices.assign': z.strictObject({ devSno, group }),
  'platform.devices.unassign': z.strictObject({ devSno, group }),
  'platform.groups.list': none,
  'platform.groups.add': z.strictObject({ name: group }),
  'platform.groups.rename': z.strictObject({ name: group, to: group }),
  'platform.groups.delete': z.strictObject({ name: group }),
  'platform.people.list': z.strictObject({
    search: z.string().max(128).optional(),
    group: z.string().max(64).optional(),
    limit: z.number().int().min(1).max(5000).optional(),
    offset: z.number().int().min(0).optional(),
  }),
  'platform.people.get': z.strictObject({ id }),
  'platform.people.add': person,
  'platform.people.update': personUpdate,
  'platform.people.delete': z.strictObject({ id }),
  'platform.people.addPhoto': z.strictObject({ id, photo: base64 }),
  'platform.people.removePhoto': z.strictObject({ id, sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 is 64 hex digits') }),
  'platform.people.photo': z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 is 64 hex digits') }),
  'platform.people.import': z.strictObject({ csv: z.string().max(IMPORT_CSV_MAX_CHARS), photosDir: z.string().optional(), progressId: z.string().max(64).optional() }),
  'platform.sync': z.strictObject({ devSno: devSno.optional() }),
  'platform.sync.summary': none,
  'platform.wipe': z.strictObject({ devSno, users: z.boolean(), events: z.boolean() }),
  'platform.commission': z.strictObject({
    hosts: z.array(z.string().min(1).max(128)).min(1, 'give at least one box').max(256),
    port: z.number().int().min(1).max(65535).optional(),
    timeoutS: z.number().int().min(5).max(600).optional(),
  }),
} satisfies AreaParams<PlatformMethods>;

const decode = (b64: string) => Buffer.from(b64.replace(/\s+/g, ''), 'base64');

export function platformHandlers(services: Services, emit: Emit): AreaServer<PlatformMethods> {
  const p = () => {
    if (!services.platform) throw new PlatformError('the site platform is not running in this app (start it with `se3kit serve`)', 'no_platform', 503);
    return services.platform;
  };
  const off = services.platform?.onChange((what) => emit('platform.changed', { what })) ?? (() => undefined);
  return {
    handlers: {
      'platform.status': async () => p().status(),
      'platform.settings': async (x) => p().setSettings(x),
      'platform.devices.list': async () => p().listDevices(),
      'platform.devices.add': async (x) => p().addDevice(x.name ?? ''),
      'platform.devices.enable': async (x) => p().setDeviceEnabled(x.devSno, x.enabled),
      'platform.devices.rename': async (x) => p().renameDevice(x.devSno, x.name),
      'platform.devices.release': async (x) => p().releaseDevice(x.devSno),
      'platform.devices.remove': async (x) => {
        await p().removeDevice(x.devSno);
        return { removed: x.devSno };
      },
      'platform.devices.assign': async (x) => p().assign(x.devSno, x.group),
      'platform.devices.unassign': async (x) => p().unassign(x.devSno, x.group),
      'platform.groups.list': async () => p().listGroups(),
      'platform.groups.add': async (x) => {
        await p().addGroup(x.name);
        return { name: x.name };
      },
      'platform.groups.rename': async (x) => {
        await p().renameGroup(x.name, x.to);
        return { name: x.to };
      },
      'platform.groups.delete': async (x) => {
        await p().deleteGroup(x.name);
        return { deleted: x.name };
      },
      'platform.people.list': async (x) => p().listPeople(x),
      'platform.people.get': async (x) => p().getPerson(x.id),
      'platform.people.add': async ({ photos, ...x }) => p().savePerson(x, { update: false, photos: photos?.map(decode) }),
      'platform.people.update': async ({ photos, ...x }) => p().savePerson(x, { update: true, photos: photos?.map(decode) }),
      'platform.people.delete': async (x) => {
        await p().deletePerson(x.id);
        return { deleted: x.id };
      },
      'platform.people.addPhoto': async (x) => p().addPhoto(x.id, decode(x.photo)),
      'platform.people.removePhoto': async (x) => p().removePhoto(x.id, x.sha256),
      'platform.people.photo': async (x) => {
        const ph = await p().photo(x.sha256);
        if (!ph) throw new PlatformError('no such photo', 'no_photo', 404);
        return { type: ph.type, data: ph.bytes.toString('base64') };
      },
      'platform.people.import': async (x) =>
        importPeople(p(), x.csv, x.photosDir, (path) => readFile(path), x.progressId ? (done, total) => emit('platform.import', { progressId: x.progressId!, done, total }) : undefined),
      'platform.sync': async (x) => p().sync(x.devSno),
      'platform.sync.summary': async () => p().syncSummary(),
      'platform.wipe': async (x) => p().wipe(x.devSno, { users: x.users, events: x.events }),
      'platform.commission': async (x) =>
        commission({ getConfig: (h, port) => services.boxes.getConfig(h, port), configure: (r) => services.boxes.configure(r), platform: p() }, x.hosts, {
          port: x.port,
          timeoutS: x.timeoutS,
          onProgress: (pr) => emit('platform.commission', pr),
        }),
    },
    dispose() {
      off();
    },
  };
}
