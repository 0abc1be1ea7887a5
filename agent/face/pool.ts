// A pool of face engines in worker threads (`--jobs N`), used by the CLI, the desktop UI and
// the agent so photo checks never block the calling thread. Each worker owns one engine with
// single-threaded onnxruntime; a crashed worker fails only its own photos and is replaced.
//
// The worker entry is ./worker-dev.mjs (tsx + ./worker.ts) when running from source and dist/fiqa-worker.mjs in
// the bundled CLI/agent (an esbuild entry point next to cli.mjs).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createFaceEngine, type FaceEngine, type FaceEngineOptions } from './engine';
import { FiqaCodes, FiqaError } from './errors';
import { moduleDir } from './models';
import type { AnalyzeOptions, FiqaAnalysis } from './types';

export interface FacePoolOptions extends FaceEngineOptions {
  /** worker threads (default 1) */
  jobs?: number;
  /** explicit worker script (default: found next to this module) */
  workerFile?: string;
}

export interface FacePool {
  readonly size: number;
  /** true when photos run in worker threads (false: in-process fallback) */
  readonly threaded: boolean;
  analyze(image: Uint8Array, opts?: AnalyzeOptions): Promise<FiqaAnalysis>;
  close(): Promise<void>;
}

interface Task {
  id: number;
  image: Uint8Array;
  opts: AnalyzeOptions;
  resolve: (r: FiqaAnalysis) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  inFlight: Map<number, Task>;
}

/** Photos each worker holds at once: one running, one waiting (hides the hand-off gap). */
const PER_WORKER = 2;

export function findWorkerFile(): string | null {
  const here = moduleDir();
  // dist/cli.mjs → dist/fiqa-worker.mjs; dist/electron/main.cjs → dist/fiqa-worker.mjs; source → worker-dev.mjs
  const candidates = [join(here, 'fiqa-worker.mjs'), join(here, '../fiqa-worker.mjs'), join(here, 'worker-dev.mjs')];
  return candidates.find((p) => existsSync(p)) ?? null;
}

export async function createFacePool(opts: FacePoolOptions = {}): Promise<FacePool> {
  const jobs = Math.max(1, Math.floor(opts.jobs ?? 1));
  const workerFile = opts.workerFile ?? findWorkerFile();
  const { jobs: _j, workerFile: _w, ...engineOpts } = opts;
  if (!workerFile) return inProcess(await createFaceEngine(engineOpts));

  let nextId = 1;
  let closed = false;
  const queue: Task[] = [];
  const slots: Slot[] = [];

  const spawn = (): Slot => {
    const worker = new Worker(workerFile, { workerData: engineOpts });
    const slot: Slot = { worker, inFlight: new Map(), ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (msg: { ready?: true; fatal?: { code: number; message: string }; id?: number; ok?: boolean; result?: FiqaAnalysis; error?: { code: number; message: string; hint?: string } }) => {
        if (msg.ready) return resolve();
        if (msg.fatal) return reject(new FiqaError(msg.fatal.code as FiqaError['code'], msg.fatal.message));
        const task = slot.inFlight.get(msg.id!);
        if (!task) return;
        slot.inFlight.delete(msg.id!);
        if (msg.ok) task.resolve(msg.result!);
        else task.reject(new FiqaError(msg.error!.code as FiqaError['code'], msg.error!.message, msg.error!.hint));
        pump();
      });
      worker.on('error', (err) => {
        reject(err);
        fail(slot, err);
      });
      worker.on('exit', (code) => {
        if (!closed) fail(slot, new Error(`face worker exited with code ${code}`));
      });
    });
    return slot;
  };

  const fail = (slot: Slot, err: Error) => {
    for (const t of slot.inFlight.values()) t.reject(new FiqaError(FiqaCodes.SERVER_PROCESS_FAILED, `face worker failed: ${err.message}`));
    slot.inFlight.clear();
    const i = slots.indexOf(slot);
    if (i >= 0 && !closed) {
      slots[i] = spawn(); // replace it and carry on with the queue
      slots[i]!.ready.then(pump, () => undefined);
    }
  };

  const pump = () => {
    for (const slot of slots) {
      while (slot.inFlight.size < PER_WORKER && queue.length > 0) {
        const t = queue.shift()!;
        slot.inFlight.set(t.id, t);
        slot.worker.postMessage({ id: t.id, image: t.image, opts: t.opts });
      }
    }
  };

  for (let i = 0; i < jobs; i++) slots.push(spawn());
  try {
    await Promise.all(slots.map((s) => s.ready));
  } catch (err) {
    closed = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw err;
  }

  return {
    size: jobs,
    threaded: true,
    analyze(image, o = {}) {
      if (closed) return Promise.reject(new Error('face pool is closed'));
      return new Promise<FiqaAnalysis>((resolve, reject) => {
        queue.push({ id: nextId++, image, opts: o, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const t of queue.splice(0)) t.reject(new Error('face pool closed'));
      for (const s of slots) for (const t of s.inFlight.values()) t.reject(new Error('face pool closed'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

function inProcess(engine: FaceEngine): FacePool {
  return { size: 1, threaded: false, analyze: (i, o) => engine.analyze(i, o), close: () => engine.close() };
}
