// Server side of the "deploy" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the deploy jobs service; its job/box/log events go to the
// API event hub.
import { z } from 'zod';
import { BUNDLE_CHUNK_MAX, bundleUploads } from '../deploy/bundle-upload';
import { agentArgSchema, fingerprintSchema, prefixSchema } from '../deploy/params';
import { MAX_JOB_TARGETS, type DeployMethods } from './deploy';
import type { AreaParams, AreaServer } from './area';
import type { Emit } from './hub';
import type { Services } from './services';

const empty = z.strictObject({}) as unknown as z.ZodType<Record<string, never>>;
const port = (what: string) => z.number().int(`${what} must be a whole number`).min(1, `${what} must be 1–65535`).max(65535, `${what} must be 1–65535`);
const target = z
  .string()
  .trim()
  .min(1, 'a box address is empty')
  .max(300, 'a box address is too long')
  .regex(/^[^\s;&|`$<>'"\\]+$/, 'a box address is host, host:port or user@host[:port], without spaces or shell characters');
const targets = z.array(target).min(1, 'give at least one box (host or host:port)').max(MAX_JOB_TARGETS, `at most ${MAX_JOB_TARGETS} boxes per job`);
const user = z.string().trim().regex(/^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/, 'user: letters, digits, . _ - only (up to 32)');
const prefix = prefixSchema;
const keyFile = z.string().trim().regex(/^key-[0-9a-f]{16}$/, 'key file: the id of a key uploaded with deploy.uploadKey (key-…), not a path');
const password = z.string().min(1, 'password is required').max(1024, 'password is too long');
const selection = { targets, user: user.optional(), prefix: prefix.optional(), agentPort: port('agentPort').optional() };
const keyAuth = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('installation-key') }), z.strictObject({ kind: z.literal('key-file'), keyFile })]);
const auth = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('installation-key') }),
  z.strictObject({ kind: z.literal('key-file'), keyFile }),
  z.strictObject({ kind: z.literal('password'), password, remember: z.boolean().optional() }),
]);
const agentArg = agentArgSchema;
const fingerprint = fingerprintSchema;

export const deployParams = {
  'deploy.info': empty,
  'deploy.bundles': empty,
  'deploy.start': z.strictObject({
    ...selection,
    bundle: z.string().trim().min(1, 'choose an agent bundle').max(4096, 'bundle path is too long'),
    auth,
    trustBundleKey: fingerprintSchema.optional(),
    concurrency: z.number().int('concurrency must be a whole number').min(1, 'concurrency must be 1–64').max(64, 'concurrency must be 1–64').optional(),
    agentArgs: z.array(agentArg).max(32, 'at most 32 agent arguments').optional(),
    healthTimeoutSec: z.number().int().min(1, 'healthTimeoutSec must be 1–600').max(600, 'healthTimeoutSec must be 1–600').optional(),
  }),
  'deploy.adopt': z.strictObject({ ...selection, password, remember: z.boolean().optional() }),
  'deploy.rollback': z.strictObject({ ...selection, auth: keyAuth.optional() }),
  'deploy.jobs': empty,
  'deploy.job': z.strictObject({ jobId: z.string().min(1, 'jobId is required').max(64, 'jobId is too long') }),
  'deploy.status': z.strictObject({ target, user: user.optional(), prefix: prefix.optional(), agentPort: port('agentPort').optional(), auth: keyAuth.optional() }),
  'deploy.hostKeys': z.strictObject({ targets }),
  'deploy.acceptHostKey': z.strictObject({
    host: z.string().trim().min(1, 'host is required').max(253, 'host is too long'),
    port: port('port'),
    fingerprint,
    keyType: z.string().regex(/^[a-z0-9@.-]{1,64}$/, 'keyType looks wrong').optional(),
  }),
  'deploy.keys': empty,
  'deploy.uploadKey': z.strictObject({
    name: z.string().max(200, 'name is too long'),
    privateKey: z.string().min(1, 'privateKey: the key file is empty').max(16 * 1024, 'privateKey: too large for an SSH private key'),
  }),
  'deploy.deleteKey': z.strictObject({ id: keyFile }),
  'deploy.uploadBundle': z.strictObject({
    uploadId: z.string().regex(/^[0-9a-f]{16}$/, 'uploadId: the id the first chunk\'s answer gave').optional(),
    fileName: z.string().min(1, 'fileName is required').max(200, 'fileName is too long'),
    offset: z.number().int().min(0, 'offset must be 0 or more'),
    data: z.string().max(Math.ceil((BUNDLE_CHUNK_MAX * 4) / 3) + 4, 'a chunk may hold at most 8 MiB'),
    done: z.boolean(),
  }),
} satisfies AreaParams<DeployMethods>;

export function deployHandlers(services: Services, emit: Emit): AreaServer<DeployMethods> {
  const jobs = services.deploy;
  const offs = [
    jobs.onJob((j) => emit('deploy.job', j)),
    jobs.onBox((e) => emit('deploy.box', e)),
    jobs.onLog((e) => emit('deploy.log', e)),
  ];
  return {
    handlers: {
      'deploy.info': async () => jobs.info(),
      'deploy.bundles': async () => jobs.bundles(),
      'deploy.start': async (p) => jobs.start(p),
      'deploy.adopt': async (p) => jobs.adopt(p),
      'deploy.rollback': async (p) => jobs.rollback(p),
      'deploy.jobs': async () => jobs.list(),
      'deploy.job': async (p) => jobs.get(p.jobId),
      'deploy.status': async (p) => jobs.status(p),
      'deploy.hostKeys': async (p) => jobs.hostKeys(p.targets),
      'deploy.acceptHostKey': async (p) => jobs.acceptHostKey(p.host, p.port, p.fingerprint, p.keyType),
      'deploy.keys': async () => jobs.keys(),
      'deploy.uploadKey': async (p) => jobs.uploadKey(p.name, p.privateKey),
      'deploy.deleteKey': async (p) => jobs.deleteKey(p.id),
      'deploy.uploadBundle': async (p) => bundleUploads(services.dataDir).chunk(p),
    },
    dispose() {
      offs.forEach((off) => off());
    },
  };
}
