// The dispatcher both transports use: `call(method, params)` checks the method against the
// allowlist, validates params with the area's zod schema, runs the area's handler; events from
// the services fan out through one hub.
// Adding an area: spread its param schemas into PARAM_SCHEMAS and its handlers into
// buildHandlers (the types below make a forgotten method a compile error).
import type { z } from 'zod';
import type { MethodName, Params, Result } from './contract';
import { isMethodName } from './contract';
import { ApiError } from './errors';
import { EventHub, type Emit } from './hub';
import type { Services } from './services';
import { boxesHandlers, boxesParams } from './boxes.server';
import { brokerHandlers, brokerParams } from './broker.server';
import { deployHandlers, deployParams } from './deploy.server';
import { photosHandlers, photosParams } from './photos.server';
import { eventsHandlers, eventsParams } from './events.server';
import { platformHandlers, platformParams } from './platform.server';

export type ParamSchemas = { [M in MethodName]: z.ZodType<Params<M>> };
export type Handlers = { [M in MethodName]: (params: Params<M>) => Promise<Result<M>> };

const PARAM_SCHEMAS: ParamSchemas = { ...boxesParams, ...deployParams, ...photosParams, ...brokerParams, ...platformParams, ...eventsParams };

function buildHandlers(services: Services, emit: Emit): { handlers: Handlers; dispose: () => void } {
  const areas = [boxesHandlers(services, emit), deployHandlers(services, emit), photosHandlers(services, emit), brokerHandlers(services, emit), platformHandlers(services, emit), eventsHandlers(services, emit)] as const;
  const [boxes, deploy, photos, broker, platform, events] = areas;
  return {
    handlers: { ...boxes.handlers, ...deploy.handlers, ...photos.handlers, ...broker.handlers, ...platform.handlers, ...events.handlers },
    dispose: () => areas.forEach((a) => a.dispose()),
  };
}

export interface Api {
  /** Validates and runs one method. Throws ApiError for caller mistakes. */
  call(method: unknown, params: unknown): Promise<unknown>;
  readonly events: EventHub;
  /** Detaches from the services' events (the services themselves are closed by their owner). */
  dispose(): void;
}

/** Summarises zod issues as one sentence per field, e.g. "port: expected a number". */
export function describeIssues(err: z.ZodError): string {
  return err.issues
    .map((i) => {
      const where = i.path.length ? `${i.path.join('.')}: ` : '';
      return `${where}${i.message}`;
    })
    .join('; ');
}

export function createApiHandlers(services: Services): Api {
  const events = new EventHub();
  const { handlers, dispose } = buildHandlers(services, events.emit);
  return {
    events,
    dispose,
    async call(method, params) {
      if (!isMethodName(method)) throw new ApiError(`unknown API method ${JSON.stringify(method)}`, 'unknown_method', 404);
      const parsed = PARAM_SCHEMAS[method].safeParse(params ?? {});
      if (!parsed.success) throw new ApiError(`bad parameters for ${method}: ${describeIssues(parsed.error)}`, 'bad_params', 400);
      const handler = handlers[method] as (p: unknown) => Promise<unknown>;
      return handler(parsed.data);
    },
  };
}
