// API contract, "deploy" area. Types and name lists only (shared by the services, both transports
// and the renderer; no runtime dependencies: the sandboxed preload imports this).

/** Methods of this area: name → [params, result]. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DeployMethods {}

/** Events of this area: name → payload. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DeployEvents {}

/** Runtime name lists (typed as Records so the compiler checks they match the interfaces). */
export const DEPLOY_METHODS: Record<keyof DeployMethods, true> = {};
export const DEPLOY_EVENTS: Record<keyof DeployEvents, true> = {};
