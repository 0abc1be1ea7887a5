// Deploying to many boxes at once with a concurrency limit; per-box events stream through the
// sink as they happen, and the final report lists every box.
import { deployBox, type DeployOptions } from './box';
import type { BoxTarget, DeployContext } from './connect';
import type { BoxReport, EventSink, FleetReport } from './events';

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return out;
}

export async function deployFleet(
  targets: BoxTarget[],
  ctx: DeployContext,
  options: DeployOptions & { concurrency?: number },
  sink?: EventSink,
): Promise<FleetReport> {
  const started = Date.now();
  const boxes: BoxReport[] = await mapLimit(targets, options.concurrency ?? 4, (t) => deployBox(t, ctx, options, sink));
  return { ok: boxes.every((b) => b.ok), boxes, durationMs: Date.now() - started };
}
