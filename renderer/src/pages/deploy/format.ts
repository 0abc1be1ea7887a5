// Small display helpers of the Deploy page.
import type { BoxPhase, JobBox, JobKind } from '../../../../electron/api/deploy';

export const PHASE_LABEL: Record<BoxPhase, string> = {
  queued: 'Queued',
  adopt: 'Adopting (password login)',
  connect: 'Connecting',
  preflight: 'Checking the box',
  upload: 'Uploading',
  verify: 'Verifying',
  unpack: 'Unpacking',
  switch: 'Switching release',
  restart: 'Restarting',
  health: 'Health check',
  rollback: 'Rolling back',
  prune: 'Cleaning up',
  done: 'Finished',
};

export const KIND_LABEL: Record<JobKind, string> = { deploy: 'Deploy', adopt: 'Adopt', rollback: 'Roll back' };

export function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`;
  return `${n} B`;
}

export function seconds(ms: number): string {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A short fingerprint for tight places: SHA256:abcd…wxyz (the full one is in the title). */
export function shortFingerprint(fp: string): string {
  const body = fp.replace(/^SHA256:/, '');
  return body.length > 16 ? `SHA256:${body.slice(0, 8)}…${body.slice(-6)}` : fp;
}

/** "done-ok" | "done-failed" | "running": the bar's colour. */
export function barState(box: JobBox): 'running' | 'ok' | 'failed' | 'queued' {
  if (box.report) return box.report.ok ? 'ok' : 'failed';
  return box.phase === 'queued' ? 'queued' : 'running';
}

/** Splits the targets box: one box per line, or separated by commas/spaces. */
export function splitTargets(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
