// Small helpers of the deploy jobs service (./jobs.ts): its request error, listener sets,
// event snapshots and the report of a box that failed before the deploy service reported.
import { errorMessage } from './errors';

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

export { failedReport } from './box';
