// Errors the face engine reports, each with its PROTOCOL §8 code.

export const FiqaCodes = {
  IMAGE_ERROR: 40003,
  NO_FACE: 40004,
  LOW_QUALITY_ERROR: 40006,
  IMAGE_SIZE_TOO_LARGE_ERROR: 40007,
  SERVER_PROCESS_FAILED: 50072,
} as const;

export type FiqaCode = (typeof FiqaCodes)[keyof typeof FiqaCodes];

export class FiqaError extends Error {
  constructor(
    readonly code: FiqaCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'FiqaError';
  }

  toJSON(): { code: number; message: string; hint?: string } {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** Any thrown value as a FiqaError (unknown errors become 50072). */
export function asFiqaError(err: unknown): FiqaError {
  if (err instanceof FiqaError) return err;
  const e = err as { code?: unknown; message?: unknown; hint?: unknown };
  if (e && typeof e.code === 'number' && typeof e.message === 'string') {
    return new FiqaError(e.code as FiqaCode, e.message, typeof e.hint === 'string' ? e.hint : undefined);
  }
  return new FiqaError(FiqaCodes.SERVER_PROCESS_FAILED, `internal error: ${err instanceof Error ? err.message : String(err)}`);
}
