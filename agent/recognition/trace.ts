// Opt-in timing trace of the realtime path (SE3_AGENT_TRACE=1; off by default, costs nothing then):
// per snapshot the moments it went through — arrival, engine start/end, search, event prepared
// (group name looked up), realtime body ready (reg_pic), POST started/answered, SQLite insert —
// and the longest the event loop was blocked meanwhile; per history batch its read, build and
// POST. One log line each, `trace {json}`, times in ms since the Unix epoch with sub-ms
// precision (performance.timeOrigin + now), so another process on the machine can line them up
// with its own clock (bench:recognition's end-to-end section reads them).
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

export const TRACE = process.env.SE3_AGENT_TRACE === '1';

/** ms since the Unix epoch, sub-ms precision */
export const epochMs = (): number => performance.timeOrigin + performance.now();

let sink: ((line: string) => void) | null = null;
let loop: IntervalHistogram | null = null;

/** Where the trace lines go (the agent's log); starts the event-loop delay histogram. */
export function traceTo(log: (line: string) => void): void {
  if (!TRACE) return;
  sink = log;
  loop ??= monitorEventLoopDelay({ resolution: 2 });
  loop.enable();
}

/** The marks of one snapshot (or one history batch), logged once by `end`. */
export class Trace {
  private readonly marks: Record<string, number> = {};
  private readonly info: Record<string, unknown> = {};
  constructor(readonly kind: 'snapshot' | 'history') {
    if (kind === 'snapshot') loop?.reset();
  }
  mark(stage: string): this {
    this.marks[stage] = epochMs();
    return this;
  }
  set(k: string, v: unknown): this {
    this.info[k] = v;
    return this;
  }
  end(stage?: string): void {
    if (stage) this.mark(stage);
    if (!sink) return;
    const blocked = loop ? loop.max / 1e6 : null;
    sink(`trace ${JSON.stringify({ kind: this.kind, ...this.info, loop_max_ms: blocked, marks: this.marks })}`);
  }
}

/** A trace when tracing is on, else null (callers use `?.`). */
export const trace = (kind: Trace['kind']): Trace | null => (TRACE ? new Trace(kind) : null);
