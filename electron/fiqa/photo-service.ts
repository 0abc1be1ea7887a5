// The Photo Check service behind the API ("photos" area): checks enrolment photos with the
// face worker pool, off the UI thread and off the main/server thread. The pool (and its face
// models) is created on the first photo, not at startup, and closed with the service.
import { availableParallelism } from 'node:os';
import { FiqaCodes, FiqaError } from '../../agent/face/errors';
import { createFacePool, type FacePool, type FacePoolOptions } from '../../agent/face/pool';
import type { FiqaAnalysis, FiqaLevel } from '../../agent/face/types';

export interface PhotoCheckService {
  /** Analyses one photo (file bytes). Throws FiqaError (40003, 40004, 40007, 50072). */
  check(image: Uint8Array, opts?: { level?: FiqaLevel }): Promise<FiqaAnalysis>;
  /** Whether the face pool has been started (it starts on the first check). */
  readonly started: boolean;
  close(): Promise<void>;
}

export interface PhotoCheckServiceOptions {
  dataDir: string;
  /** Worker threads (default min(2, CPU count)). */
  jobs?: number;
  /** Models folder, worker script, decode limits... (default: the engine's). */
  pool?: Omit<FacePoolOptions, 'jobs'>;
}

export function defaultPhotoJobs(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

export function createPhotoCheckService(o: PhotoCheckServiceOptions): PhotoCheckService {
  const jobs = o.jobs ?? defaultPhotoJobs();
  let pool: Promise<FacePool> | null = null;
  let closed = false;

  const facePool = (): Promise<FacePool> => {
    if (!pool) {
      const starting = createFacePool({ ...o.pool, jobs });
      pool = starting;
      // A pool that failed to start (models missing...) is retried on the next photo.
      starting.catch(() => {
        if (pool === starting) pool = null;
      });
    }
    return pool;
  };

  return {
    get started() {
      return pool !== null;
    },
    async check(image, opts = {}) {
      if (closed) throw new FiqaError(FiqaCodes.SERVER_PROCESS_FAILED, 'photo check is shutting down', 'restart Field Kit and try again');
      const p = await facePool();
      // attributes (embedding, age, sex) are not shown on the page and cost a model run per face
      return p.analyze(image, { level: opts.level ?? 'high', attributes: false });
    },
    async close() {
      closed = true;
      const p = pool;
      pool = null;
      if (p) await p.then((x) => x.close(), () => undefined);
    },
  };
}
