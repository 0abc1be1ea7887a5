// The one typed API contract between the UI and the services. It is served over IPC in the
// desktop app (electron/main + electron/preload) and over HTTP + WebSocket in headless site
// mode (electron/site); the renderer talks to it only.
// Each area declares its methods (name → [params, result]) and events in its own file;
// this file merges them.
import type { BoxesEvents, BoxesMethods } from './boxes';

export type ApiMethods = BoxesMethods;
export type ApiEvents = BoxesEvents;

export type MethodName = keyof ApiMethods;
export type Params<M extends MethodName> = ApiMethods[M][0];
export type Result<M extends MethodName> = ApiMethods[M][1];
export type EventName = keyof ApiEvents;

/** What the renderer holds, whichever the transport. */
export interface ApiClient {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** The runtime list of method names: the IPC allowlist and the HTTP router use it. */
export const METHOD_NAMES = [
  'boxes.scan',
  'boxes.stopScan',
  'boxes.list',
  'boxes.getConfig',
  'boxes.configure',
  'boxes.configureCsv',
] as const satisfies readonly MethodName[];

export const EVENT_NAMES = ['boxes.row', 'boxes.progress'] as const satisfies readonly EventName[];

/** Errors crossing the contract carry a plain message and an optional machine code. */
export interface ApiErrorBody {
  error: { message: string; code?: number | string };
}
