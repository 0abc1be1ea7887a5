// Face engine public API (see README "Photo check (FIQA)"): in-process engine, worker pool,
// types, levels and helpers. Never imports electron, so the CLI and the agent use it too.
export { createFaceEngine, protocolEntry, type FaceEngine, type FaceEngineOptions } from './engine';
export { createFacePool, type FacePool, type FacePoolOptions } from './pool';
export { FiqaError, FiqaCodes, asFiqaError } from './errors';
export { cosineSimilarity } from './describe';
export { LEVELS, BOX_CHECKS, EXTRA_CHECKS, thresholdsFor } from './levels';
export { defaultModelsDir } from './models';
export { DEFAULT_LIMITS, type DecodeLimits } from './decode';
export * from './types';
