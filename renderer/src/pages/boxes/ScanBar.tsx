// Scan controls: ranges, port, mDNS; Scan/Stop; progress. The form lives in the page's store
// (kept across pages, remembered between starts).
import type { FormEvent } from 'react';
import { cidrProblem, type ScanOptions, type ScanProgress } from '../../../../electron/api/boxes';
import { boxesStore } from './boxes-store';

/** Splits the ranges field; returns the ranges or a sentence saying which one is wrong. */
export function parseRanges(text: string): { cidrs: string[] } | { problem: string } {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  for (const p of parts) {
    const problem = cidrProblem(p);
    if (problem) return { problem };
  }
  return { cidrs: parts };
}

/** The progress line in words; a stopped scan says so. */
export function progressWords(p: ScanProgress): string {
  const what = p.stopped ? 'Scan stopped' : p.done ? 'Scan finished' : 'Scanning';
  const boxes = `${p.found} ${p.found === 1 ? 'box' : 'boxes'} found`;
  if (p.stopped) return `${what} after ${p.probed} of ${p.total} addresses: ${boxes} (press Scan to sweep them all)`;
  return `${what}: ${p.probed} of ${p.total} addresses probed, ${boxes}`;
}

export function ScanBar(props: {
  ranges: string;
  port: string;
  mdns: boolean;
  progress: ScanProgress | null;
  scanning: boolean;
  onScan: (o: ScanOptions) => void;
  onStop: () => void;
}) {
  const { ranges, port, mdns } = props;
  const setRanges = (v: string) => boxesStore.set({ ranges: v });
  const setPort = (v: string) => boxesStore.set({ port: v });
  const setMdns = (v: boolean) => boxesStore.set({ mdns: v });
  const parsed = parseRanges(ranges);
  const portNum = Number(port);
  const portProblem = /^\d+$/.test(port) && portNum >= 1 && portNum <= 65535 ? null : 'Port must be a number from 1 to 65535.';
  const rangeProblem = 'problem' in parsed ? parsed.problem : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (props.scanning) return props.onStop();
    if (rangeProblem || portProblem || 'problem' in parsed) return;
    const opts: ScanOptions = { port: portNum, mdns };
    if (parsed.cidrs.length) opts.cidrs = parsed.cidrs;
    props.onScan(opts);
  }

  const p = props.progress;
  const pct = p && p.total > 0 ? Math.min(100, Math.round((p.probed / p.total) * 100)) : p && !p.done ? 0 : 100;
  const where = ranges.trim() ? null : mdns ? "every network of this machine, and mDNS" : "every network of this machine";
  return (
    <form className="card scanbar" onSubmit={submit} noValidate aria-label="Scan">
      <div className="scan-fields">
        <label className="field grow">
          <span>Address ranges</span>
          <input
            name="cidrs"
            placeholder="This machine's networks (e.g. 192.168.1.0/24)"
            value={ranges}
            onChange={(e) => setRanges(e.target.value)}
            aria-invalid={!!rangeProblem}
            spellCheck={false}
          />
        </label>
        <label className="field port">
          <span>Port</span>
          <input name="port" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value.trim())} aria-invalid={!!portProblem} />
        </label>
        <label className="check">
          <input type="checkbox" name="mdns" checked={mdns} onChange={(e) => setMdns(e.target.checked)} />
          mDNS
        </label>
        <button type="submit" className={props.scanning ? 'secondary' : 'primary'} disabled={!props.scanning && !!(rangeProblem || portProblem)}>
          {props.scanning ? 'Stop' : 'Scan'}
        </button>
      </div>
      {where && !props.scanning && (
        <p className="hint scan-scope">Without ranges, a scan sweeps {where}.</p>
      )}
      {(rangeProblem || portProblem) && (
        <p className="field-error" role="alert">
          {rangeProblem ?? portProblem}
        </p>
      )}
      {p && (
        <div className="progress-row" aria-live="polite">
          <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
            <div className={`progress-fill ${p.stopped ? 'stopped' : p.done ? 'done' : ''}`} style={{ width: `${pct}%` }} />
          </div>
          <span className="progress-text" data-testid="scan-progress">
            {progressWords(p)}
          </span>
        </div>
      )}
    </form>
  );
}
