// Worker-thread side of the face pool: one face engine per worker, one photo at a time.
// Messages in: {id, image: Uint8Array, opts}; out: {id, ok: true, result} | {id, ok: false, error}.
import { parentPort, workerData } from 'node:worker_threads';
import { createFaceEngine, type FaceEngineOptions } from './engine';
import { asFiqaError } from './errors';
import type { AnalyzeOptions } from './types';

interface Job {
  id: number;
  image: Uint8Array;
  opts: AnalyzeOptions;
}

async function main(): Promise<void> {
  if (!parentPort) throw new Error('fiqa worker must run in a worker thread');
  const port = parentPort;
  const engine = await createFaceEngine(workerData as FaceEngineOptions);
  port.on('message', (msg: Job | { close: true }) => {
    if ('close' in msg) {
      void engine.close().then(() => port.close());
      return;
    }
    engine.analyze(msg.image, msg.opts).then(
      (result) => port.postMessage({ id: msg.id, ok: true, result }),
      (err) => port.postMessage({ id: msg.id, ok: false, error: asFiqaError(err).toJSON() }),
    );
  });
  port.postMessage({ ready: true });
}

main().catch((err) => {
  parentPort?.postMessage({ fatal: asFiqaError(err).toJSON() });
});
