// The bar above the photos: progress (n of m checked), the summary counts, "Failures only",
// Export CSV and Clear.
import type { PhotoCounts } from './check-store';

export interface CheckToolbarProps {
  counts: PhotoCounts;
  failuresOnly: boolean;
  /** how many checked photos an export would hold (those shown) */
  exportable: number;
  onFailuresOnly(on: boolean): void;
  onExport(): void;
  onClear(): void;
}

export function CheckToolbar(p: CheckToolbarProps) {
  const c = p.counts;
  const pct = c.total ? Math.round((c.done / c.total) * 100) : 0;
  const finished = c.total > 0 && c.done === c.total;
  return (
    <section className="card pc-toolbar" aria-label="Photo check controls">
      <div className="pc-toolbar-row">
        <div className="pc-progress-block" aria-live="polite">
          <div className="pc-progress-line">
            <span className="strong" data-testid="photo-progress">
              {c.done} of {c.total} checked
            </span>
            {!finished && c.total > 0 && <span className="muted">checking…</span>}
          </div>
          <div className="progress" role="progressbar" aria-label="Photos checked" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
            <div className={`progress-fill ${finished ? 'done' : ''}`} style={{ width: `${pct}%` }} />
          </div>
        </div>
        <div className="pc-toolbar-actions">
          <label className="check">
            <input type="checkbox" name="failuresOnly" checked={p.failuresOnly} onChange={(e) => p.onFailuresOnly(e.target.checked)} />
            Failures only
          </label>
          <button className="secondary" onClick={p.onExport} disabled={p.exportable === 0} title="Save the results shown as CSV (same columns as se3kit fiqa --csv)">
            {p.failuresOnly ? 'Export failures (CSV)' : 'Export CSV'}
          </button>
          <button className="secondary" onClick={p.onClear}>
            Clear
          </button>
        </div>
      </div>
      <ul className="pc-summary-chips" data-testid="photo-summary">
        <li className="pc-chip pc-pass">
          <strong>{c.passed}</strong> passed
        </li>
        <li className="pc-chip pc-fail">
          <strong>{c.failed}</strong> failed
        </li>
        <li className="pc-chip pc-error">
          <strong>{c.errors}</strong> unreadable or without a face
        </li>
        {c.measured > 0 && (
          <li className="pc-chip pc-info">
            <strong>{c.measured}</strong> measured only
          </li>
        )}
      </ul>
    </section>
  );
}
