// API contract, "photos" area. Types and name lists only (shared by the services, both transports
// and the renderer; no runtime dependencies: the sandboxed preload imports this).

/** Methods of this area: name → [params, result]. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PhotosMethods {}

/** Events of this area: name → payload. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PhotosEvents {}

/** Runtime name lists (typed as Records so the compiler checks they match the interfaces). */
export const PHOTOS_METHODS: Record<keyof PhotosMethods, true> = {};
export const PHOTOS_EVENTS: Record<keyof PhotosEvents, true> = {};
