// bench:recognition end-to-end section, its helpers: the platform forked into its own process
// (recognition-platform.ts) and the breakdown of the agent's trace lines (SE3_AGENT_TRACE=1,
// agent/recognition/trace.ts) against the bench's POST times and the platform's arrival times —
// all three processes' clocks are timeOrigin + now, ms since the Unix epoch.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { LoginSuccessBody } from '../../agent/protocol';

export interface ForkedPlatform {
  url: string;
  /** event_id → epoch ms the platform had parsed the realtime event */
  arrived: Map<string, number>;
  /** epoch ms of every acknowledged history batch at the first recordAddr URL, with its size */
  history: Array<{ at: number; events: number }>;
  onArrive: (id: string) => void;
  close(): Promise<void>;
}

export async function forkPlatform(devSno: string, rabbit: LoginSuccessBody['rabbitmq'], periods: { record: number; monitor: number }): Promise<ForkedPlatform> {
  const child = fork(join(import.meta.dirname, 'recognition-platform.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const p: ForkedPlatform = {
    url: '',
    arrived: new Map(),
    history: [],
    onArrive: () => undefined,
    async close() {
      if (child.exitCode === null) child.send({ close: true });
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
  p.url = await new Promise<string>((ok, fail) => {
    child.on('message', (m: { url?: string; arrived?: string; at?: number; history?: number; error?: string }) => {
      if (m.url) ok(m.url);
      else if (m.error) fail(new Error(`platform process: ${m.error}`));
      else if (m.arrived) {
        p.arrived.set(m.arrived, m.at!);
        p.onArrive(m.arrived);
      } else if (m.history !== undefined) p.history.push({ at: m.at!, events: m.history });
    });
    void exited.then(() => fail(new Error('the platform process exited')));
    child.send({ devSno, rabbit, periods });
  });
  return p;
}

interface TraceLine {
  kind: 'snapshot' | 'history';
  event_id?: string;
  events?: number;
  loop_max_ms: number | null;
  marks: Record<string, number>;
}

/** The stages of a snapshot, each from the previous mark to this one. */
const STAGES: Array<[string, string, string]> = [
  ['bench POST → agent request', 'posted', 'arrived'],
  ['body read', 'arrived', 'read'],
  ['to the engine', 'read', 'engine_start'],
  ['engine (worker thread)', 'engine_start', 'engine_end'],
  ['1:N search', 'engine_end', 'searched'],
  ['event prepared (group name lookup)', 'searched', 'prepared'],
  ['realtime body ready (reg_pic)', 'prepared', 'body_ready'],
  ['POST → parsed at the platform', 'body_ready', 'platform'],
];

export interface TraceSummary {
  /** per stage: mean, p99 and max ms */
  stages: Array<{ stage: string; mean: number; p99: number; max: number }>;
  /** the slowest snapshots: e2e ms, stage ms, event-loop max, history batches overlapping */
  slowest: Array<{ e2e: number; stages: number[]; loopMaxMs: number | null; insertMs: number; historyOverlap: string }>;
  /** history batches: count, mean/max ms from start to the platform's 200 */
  history: { batches: number; meanMs: number; maxMs: number; meanEvents: number };
  /** e2e p99 of the snapshots that overlapped a history batch, and of those that did not */
  withHistory: { n: number; p50: number; p99: number };
  withoutHistory: { n: number; p50: number; p99: number };
}

const pctl = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

/** Lines up the agent's trace lines with the bench's POST times and the platform's arrivals. */
export function stageBreakdown(output: string, posted: Map<string, number>, arrived: Map<string, number>): TraceSummary | null {
  const lines: TraceLine[] = [];
  for (const m of output.matchAll(/ trace (\{.*\})$/gm)) {
    try {
      lines.push(JSON.parse(m[1]!) as TraceLine);
    } catch {
      /* a line cut by the log: skip */
    }
  }
  const hist = lines.filter((l) => l.kind === 'history' && l.marks.start && l.marks.answered);
  const snaps = lines
    .filter((l) => l.kind === 'snapshot' && l.event_id && posted.has(l.event_id) && arrived.has(l.event_id))
    .map((l) => ({ ...l, marks: { ...l.marks, posted: posted.get(l.event_id!)!, platform: arrived.get(l.event_id!)! } as Record<string, number> }));
  if (!snaps.length) return null;
  const rows = snaps.map((l) => {
    const m = l.marks;
    const e2e = m.platform! - m.posted!;
    const overl = hist.filter((h) => h.marks.start! < m.platform! && h.marks.answered! > m.posted!);
    return {
      e2e,
      stages: STAGES.map(([, a, b]) => (m[a] !== undefined && m[b] !== undefined ? m[b]! - m[a]! : NaN)),
      loopMaxMs: l.loop_max_ms,
      insertMs: m.inserted !== undefined && m.insert_start !== undefined ? m.inserted - m.insert_start : NaN,
      historyOverlap: overl.map((h) => `${h.events} ev, read ${(h.marks.read! - h.marks.start!).toFixed(0)} / built ${(h.marks.prepared! - h.marks.read!).toFixed(0)} / sent ${(h.marks.answered! - h.marks.prepared!).toFixed(0)} ms`).join('; '),
    };
  });
  const stages = STAGES.map(([name], i) => {
    const xs = rows.map((r) => r.stages[i]!).filter((x) => Number.isFinite(x));
    return { stage: name, mean: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), p99: pctl(xs, 0.99), max: Math.max(...xs) };
  });
  const hs = hist.map((h) => h.marks.answered! - h.marks.start!);
  const w = rows.filter((r) => r.historyOverlap).map((r) => r.e2e);
  const wo = rows.filter((r) => !r.historyOverlap).map((r) => r.e2e);
  return {
    stages,
    slowest: [...rows].sort((a, b) => b.e2e - a.e2e).slice(0, 8),
    history: { batches: hist.length, meanMs: hs.reduce((a, b) => a + b, 0) / Math.max(1, hs.length), maxMs: hs.length ? Math.max(...hs) : 0, meanEvents: hist.reduce((a, h) => a + (h.events ?? 0), 0) / Math.max(1, hist.length) },
    withHistory: { n: w.length, p50: pctl(w, 0.5), p99: pctl(w, 0.99) },
    withoutHistory: { n: wo.length, p50: pctl(wo, 0.5), p99: pctl(wo, 0.99) },
  };
}

export function printTrace(t: TraceSummary): void {
  console.log(`\nThe agent's trace (SE3_AGENT_TRACE=1), per snapshot, ms:\n`);
  console.log('| stage | mean | p99 | max |');
  console.log('|---|---:|---:|---:|');
  for (const s of t.stages) console.log(`| ${s.stage} | ${s.mean.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.max.toFixed(1)} |`);
  console.log(`\nSlowest snapshots (stages in the order above; loop = the agent's longest event-loop block during the snapshot; insert = its SQLite insert, alongside the POST):\n`);
  for (const r of t.slowest) {
    console.log(`- ${r.e2e.toFixed(0)} ms: ${r.stages.map((x) => (Number.isFinite(x) ? x.toFixed(0) : '-')).join(' / ')}; loop ${r.loopMaxMs?.toFixed(0) ?? '-'} ms; insert ${r.insertMs.toFixed(0)} ms${r.historyOverlap ? `; history batch meanwhile: ${r.historyOverlap}` : ''}`);
  }
  console.log(`\nHistory batches to the platform: ${t.history.batches}, ${t.history.meanEvents.toFixed(0)} events each on average, start → 200 mean ${t.history.meanMs.toFixed(0)} ms, max ${t.history.maxMs.toFixed(0)} ms.`);
  console.log(`Snapshots overlapping a history batch: ${t.withHistory.n}, e2e p50 ${t.withHistory.p50.toFixed(1)} / p99 ${t.withHistory.p99.toFixed(1)} ms; the others: ${t.withoutHistory.n}, p50 ${t.withoutHistory.p50.toFixed(1)} / p99 ${t.withoutHistory.p99.toFixed(1)} ms.`);
}
