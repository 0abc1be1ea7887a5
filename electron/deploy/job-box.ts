// One box of a deploy job: folds the deploy service's events (steps, upload progress, host key,
// preflight, report) into the JobBox the page shows, with a 0–100 progress figure, and turns
// them into readable log lines.
import type { BoxPhase, JobBox, JobKind, JobLogLine } from '../api/deploy';
import type { BoxTarget } from './connect';
import type { DeployEvent } from './events';

/** Progress (0–100) reached when a phase starts, per job kind; the upload fills 12 → 72. */
const DEPLOY_AT: Record<BoxPhase, number> = {
  queued: 0,
  adopt: 2,
  connect: 5,
  preflight: 9,
  upload: 12,
  verify: 74,
  unpack: 80,
  switch: 84,
  restart: 86,
  health: 88,
  rollback: 92,
  prune: 96,
  done: 100,
};
const UPLOAD_FROM = 12;
const UPLOAD_SPAN = 60;
const ROLLBACK_AT: Partial<Record<BoxPhase, number>> = { queued: 0, connect: 10, rollback: 40, health: 70, done: 100 };
const ADOPT_AT: Partial<Record<BoxPhase, number>> = { queued: 0, adopt: 10, connect: 30, done: 100 };

function progressAt(kind: JobKind, phase: BoxPhase): number | undefined {
  if (kind === 'rollback') return ROLLBACK_AT[phase];
  if (kind === 'adopt') return ADOPT_AT[phase];
  return DEPLOY_AT[phase];
}

export function boxId(t: BoxTarget): string {
  return `${t.host}:${t.port ?? 22}`;
}

export function newJobBox(t: BoxTarget): JobBox {
  return {
    id: boxId(t),
    host: t.host,
    port: t.port ?? 22,
    user: t.user ?? 'root',
    phase: 'queued',
    message: 'waiting for its turn',
    progress: 0,
    upload: null,
    hostKey: null,
    checks: null,
    report: null,
  };
}

function fmtBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
}

export interface Applied {
  /** Whether the box changed (worth an update to the page). */
  changed: boolean;
  /** Log lines this event is worth. */
  lines: Array<Omit<JobLogLine, 'at' | 'box'>>;
}

/**
 * Applies one service event to the box. `adopting`: the event comes from the adopt stage of a
 * deploy job (its steps, including its own 'done', stay in the 'adopt' phase).
 */
export function applyEvent(box: JobBox, kind: JobKind, e: DeployEvent, adopting: boolean): Applied {
  switch (e.type) {
    case 'step': {
      const phase: BoxPhase = adopting ? 'adopt' : e.step;
      box.phase = phase;
      box.message = e.message;
      box.progress = Math.max(box.progress, progressAt(kind, phase) ?? box.progress);
      return { changed: true, lines: [{ level: 'info', message: e.message }] };
    }
    case 'upload': {
      box.upload = { bytes: e.bytes, total: e.total, percent: e.percent, rate: e.rate };
      if (kind === 'deploy') box.progress = Math.max(box.progress, Math.round(UPLOAD_FROM + (UPLOAD_SPAN * e.percent) / 100));
      const lines: Applied['lines'] = [];
      if (e.percent >= 100) lines.push({ level: 'info', message: `uploaded ${fmtBytes(e.total)} at ${fmtBytes(e.rate)}/s` });
      return { changed: true, lines };
    }
    case 'hostkey': {
      // a key first seen earlier in this job (the adopt's login) stays "new" for the page
      const firstSeenHere = box.hostKey?.status === 'new' && box.hostKey.fingerprint === e.fingerprint;
      box.hostKey = { fingerprint: e.fingerprint, keyType: e.keyType, status: firstSeenHere ? 'new' : e.status };
      // (the service logs new and accepted-changed keys itself)
      return { changed: true, lines: [] };
    }
    case 'preflight': {
      box.checks = e.checks;
      const bad = e.checks.filter((c) => !c.ok);
      const lines: Applied['lines'] = bad.length
        ? bad.map((c) => ({ level: 'error' as const, message: `preflight ${c.name}: ${c.detail}` }))
        : [{ level: 'info', message: `preflight passed: ${e.checks.map((c) => c.name).join(', ')}` }];
      return { changed: true, lines };
    }
    case 'log':
      return { changed: false, lines: [{ level: e.level, message: e.message }] };
    case 'done':
      return { changed: false, lines: [] }; // the job records the report itself (finishBox)
  }
}

/** Records the box's final report. */
export function finishBox(box: JobBox, report: NonNullable<JobBox['report']>): Omit<JobLogLine, 'at' | 'box'> {
  box.report = report;
  box.phase = 'done';
  box.progress = 100;
  const what = report.ok ? `${report.status}${report.version ? ` ${report.version}` : ''}` : `${report.status}: ${report.reason ?? 'no reason given'}`;
  box.message = what;
  return { level: report.ok ? 'info' : 'error', message: `result: ${what}` };
}
