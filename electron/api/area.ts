// Helper types for an area's server side (electron/api/<area>.server.ts).
import type { z } from 'zod';

type MethodTable<M> = { [K in keyof M]: [unknown, unknown] };

/** One zod schema per method, validating its params. */
export type AreaParams<M extends MethodTable<M>> = { [K in keyof M]: z.ZodType<M[K][0]> };
/** One async handler per method. */
export type AreaHandlers<M extends MethodTable<M>> = { [K in keyof M]: (params: M[K][0]) => Promise<M[K][1]> };
/** What an area's handler factory returns: its handlers and how to detach from service events. */
export interface AreaServer<M extends MethodTable<M>> {
  handlers: AreaHandlers<M>;
  dispose(): void;
}
