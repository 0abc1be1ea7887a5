// Small helpers of the deploy jobs service (./jobs.ts): its request error, listener sets,
// event snapshots and the report of a box that failed before the deploy service reported.
import type { JobBoxReport } from '../api/deploy';
import type { BoxTarget } from './connect';
import { DeployError, errorMessage, hostKeyMismatchOf } from './errors';

/** A caller's mistake (HTTP 400 in site mode), said plainly. */
export class JobRequestError extends Error {
  readonly httpStatus = 400;
  readonly code = 'bad_request';
}

type Listener<T> = (v: T) => void;

export function listeners<T>() {
  const set = new Set<Listener<T>>();
  return {
    add(l: Listener<T>) {
      set.add(l);
      return () => void set.delete(l);
    },
    emit(v: T) {
      for (const l of [...set]) {
        try {
          l(v);
        } catch (err) {
          process.emitWarning(`deploy job listener failed: ${errorMessage(err)}`);
        }
      }
    },
  };
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function failedReport(t: BoxTarget, started: number, err: unknown): JobBoxReport {
  return {
    host: t.host,
    port: t.port ?? 22,
    ok: false,
    status: 'failed',
    version: null,
    previousVersion: null,
    reason: errorMessage(err),
    code: err instanceof DeployError ? err.code : undefined,
    hostKey: hostKeyMismatchOf(err),
    durationMs: Date.now() - started,
  };
}
