// What the deploy service reports while it works (per box) and at the end. The CLI prints these
// (JSON lines with --json); the desktop app forwards them to the Deploy page.
import type { PreflightCheck } from './preflight';

export type DeployStep =
  | 'connect'
  | 'preflight'
  | 'upload'
  | 'verify'
  | 'unpack'
  | 'switch'
  | 'restart'
  | 'health'
  | 'rollback'
  | 'prune'
  | 'done';

export type DeployEvent =
  | { type: 'step'; host: string; step: DeployStep; message: string; at: string }
  | { type: 'hostkey'; host: string; fingerprint: string; keyType: string; status: 'new' | 'known' | 'changed'; at: string }
  | { type: 'preflight'; host: string; checks: PreflightCheck[]; at: string }
  | { type: 'upload'; host: string; bytes: number; total: number; percent: number; rate: number; at: string }
  | { type: 'log'; host: string; level: 'info' | 'warn' | 'error'; message: string; at: string }
  | { type: 'done'; host: string; report: BoxReport; at: string };

export type BoxStatus =
  | 'installed' // fresh install, healthy
  | 'updated' // new version running, healthy
  | 'unchanged' // the same version was already running (restarted, healthy)
  | 'rolled-back' // the new version failed after the switch; the previous one runs again
  | 'failed'; // nothing deployed (preflight, connection, upload...) or rollback impossible

export interface BoxReport {
  host: string;
  port: number;
  ok: boolean;
  status: BoxStatus;
  /** The version running at the end (null when none). */
  version: string | null;
  previousVersion: string | null;
  /** Why it failed or rolled back, in plain words. */
  reason?: string;
  /** Machine code of the failure (DeployError codes). */
  code?: string;
  checks?: PreflightCheck[];
  /** Tail of the agent's log when the new release failed its health check. */
  agentLog?: string;
  /** When refused because the box's host key changed: the pinned and the presented key. */
  hostKey?: HostKeyMismatch;
  durationMs: number;
}

export interface HostKeyMismatch {
  stored: string;
  presented: string;
  keyType: string;
}

export interface FleetReport {
  ok: boolean;
  boxes: BoxReport[];
  durationMs: number;
}

export type EventSink = (e: DeployEvent) => void;

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;

/** Adds the timestamp every event carries. */
export function emitter(sink: EventSink | undefined, host: string) {
  const at = () => new Date().toISOString();
  return {
    step(step: DeployStep, message: string) {
      sink?.({ type: 'step', host, step, message, at: at() });
    },
    log(level: 'info' | 'warn' | 'error', message: string) {
      sink?.({ type: 'log', host, level, message, at: at() });
    },
    raw(e: DistributiveOmit<Extract<DeployEvent, { type: 'hostkey' | 'preflight' | 'upload' | 'done' }>, 'at'>) {
      sink?.({ ...e, at: at() } as DeployEvent);
    },
  };
}
