// The one typed API contract between the UI and the services. It is served over IPC in the
// desktop app (electron/main + electron/preload) and over HTTP + WebSocket in headless site
// mode (electron/site); the renderer talks to it only.
// Each area declares its methods (name → [params, result]) and events in its own file
// (electron/api/<area>.ts); this file merges them. No runtime dependencies here: the sandboxed
// preload and the renderer import it.
import { BOXES_EVENTS, BOXES_METHODS, type BoxesEvents, type BoxesMethods } from './boxes';
import { BROKER_EVENTS, BROKER_METHODS, type BrokerEvents, type BrokerMethods } from './broker';
import { EVENTS_EVENTS, EVENTS_METHODS, type EventsEvents, type EventsMethods } from './events';
import { DEPLOY_EVENTS, DEPLOY_METHODS, type DeployEvents, type DeployMethods } from './deploy';
import { PHOTOS_EVENTS, PHOTOS_METHODS, type PhotosEvents, type PhotosMethods } from './photos';
import { PLATFORM_EVENTS, PLATFORM_METHODS, type PlatformEvents, type PlatformMethods } from './platform';

// Adding an area: intersect its types here and spread its name maps below.
export type ApiMethods = BoxesMethods & DeployMethods & PhotosMethods & BrokerMethods & PlatformMethods & EventsMethods;
export type ApiEvents = BoxesEvents & DeployEvents & PhotosEvents & BrokerEvents & PlatformEvents & EventsEvents;

const METHOD_MAP: Record<MethodName, true> = { ...BOXES_METHODS, ...DEPLOY_METHODS, ...PHOTOS_METHODS, ...BROKER_METHODS, ...PLATFORM_METHODS, ...EVENTS_METHODS };
const EVENT_MAP: Record<EventName, true> = { ...BOXES_EVENTS, ...DEPLOY_EVENTS, ...PHOTOS_EVENTS, ...BROKER_EVENTS, ...PLATFORM_EVENTS, ...EVENTS_EVENTS };

export type MethodName = keyof ApiMethods;
export type Params<M extends MethodName> = ApiMethods[M][0];
export type Result<M extends MethodName> = ApiMethods[M][1];
export type EventName = keyof ApiEvents;

/** What the renderer holds, whichever the transport. */
export interface ApiClient {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/**
 * The runtime list of method names: the IPC allowlist and the HTTP router use it. Built from
 * `Record<MethodName, true>` maps, so a method missing from (or unknown to) the types is a
 * compile error, not a silently unreachable method.
 */
export const METHOD_NAMES: readonly MethodName[] = Object.freeze(Object.keys(METHOD_MAP) as MethodName[]);
export const EVENT_NAMES: readonly EventName[] = Object.freeze(Object.keys(EVENT_MAP) as EventName[]);

export function isMethodName(x: unknown): x is MethodName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(METHOD_MAP, x);
}
export function isEventName(x: unknown): x is EventName {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(EVENT_MAP, x);
}

/** Errors crossing the contract carry a plain message and an optional machine code. */
export interface ApiErrorBody {
  error: { message: string; code?: number | string };
}

/** IPC channel names (the only ones the preload exposes and the main process handles). */
export const IPC_CALL_CHANNEL = 'se3kit:call';
export const IPC_EVENT_CHANNEL = 'se3kit:event';

/** What the main process answers on IPC_CALL_CHANNEL (errors travel as data, not as throws). */
export type IpcReply = { ok: true; result: unknown } | ({ ok: false } & ApiErrorBody);

/** One message on the site-mode WebSocket /api/events and on IPC_EVENT_CHANNEL. */
export interface EventMessage<E extends EventName = EventName> {
  event: E;
  payload: ApiEvents[E];
}
