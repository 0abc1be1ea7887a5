// Server side of the "boxes" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the boxes service; the service's row/progress events go
// to the API event hub.
import { z } from 'zod';
import { devSnoSchema, loginUrlSchema } from '../../agent/protocol';
import { cidrProblem, type BoxesMethods } from './boxes';
import type { AreaParams, AreaServer } from './area';
import type { Emit } from './hub';
import type { Services } from './services';

const port = z.number().int().min(1, 'port must be 1–65535').max(65535, 'port must be 1–65535');
const host = z.string().trim().min(1, 'host is required').max(253, 'host is too long');

const cidr = z.string().superRefine((v, ctx) => {
  const p = cidrProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});

export const boxesParams = {
  'boxes.scan': z.strictObject({
    cidrs: z.array(cidr).max(64, 'at most 64 ranges per scan').optional(),
    port: port.optional(),
    timeoutMs: z.number().int().min(50, 'timeoutMs must be at least 50').max(30_000, 'timeoutMs must be at most 30000').optional(),
    mdns: z.boolean().optional(),
  }),
  'boxes.stopScan': z.strictObject({}) as unknown as z.ZodType<Record<string, never>>,
  'boxes.list': z.strictObject({}) as unknown as z.ZodType<Record<string, never>>,
  'boxes.getConfig': z.strictObject({ host, port: port.optional() }),
  'boxes.configure': z
    .strictObject({ host, port: port.optional(), dev_sno: devSnoSchema.optional(), login_url: loginUrlSchema.optional() })
    .refine((r) => r.dev_sno !== undefined || r.login_url !== undefined, { message: 'give dev_sno, login_url or both' }),
  'boxes.configureCsv': z.strictObject({ csv: z.string().max(2 * 1024 * 1024, 'the CSV is larger than 2 MiB; split it') }),
  'boxes.recheck': z.strictObject({ ids: z.array(z.string().max(300)).max(4096, 'at most 4096 boxes at once').optional() }),
} satisfies AreaParams<BoxesMethods>;

export function boxesHandlers(services: Services, emit: Emit): AreaServer<BoxesMethods> {
  const boxes = services.boxes;
  const offRow = boxes.onRow((row) => emit('boxes.row', row));
  const offProgress = boxes.onProgress((p) => emit('boxes.progress', p));
  return {
    handlers: {
      'boxes.scan': async (p) => boxes.scan(p),
      'boxes.stopScan': async () => boxes.stopScan(),
      'boxes.list': async () => boxes.list(),
      'boxes.getConfig': async (p) => boxes.getConfig(p.host, p.port),
      'boxes.configure': async (p) => boxes.configure(p),
      'boxes.configureCsv': async (p) => boxes.configureCsv(p.csv),
      'boxes.recheck': async (p) => {
        await boxes.recheck?.(p.ids);
      },
    },
    dispose() {
      offRow();
      offProgress();
    },
  };
}
