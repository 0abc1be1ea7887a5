// API contract, "broker" area. Types and name lists only (shared by the services, both transports
// and the renderer; no runtime dependencies: the sandboxed preload imports this).

/** Methods of this area: name → [params, result]. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BrokerMethods {}

/** Events of this area: name → payload. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BrokerEvents {}

/** Runtime name lists (typed as Records so the compiler checks they match the interfaces). */
export const BROKER_METHODS: Record<keyof BrokerMethods, true> = {};
export const BROKER_EVENTS: Record<keyof BrokerEvents, true> = {};
