// The Boxes page: scan, the live list (sort, filter, export, login state), one box's details
// and settings, CSV batch import; ticked boxes go to the Deploy page ("Deploy to selected").
// All state lives in boxes-store.ts, so it survives switching pages.
import { useEffect, useMemo, useState } from 'react';
import { openDeployWith } from '../deploy/handoff';
import { downloadText } from '../photos/export-csv';
import { BoxDetails } from './BoxDetails';
import { BoxTable } from './BoxTable';
import { boxesCsv, FILTERS, sortBoxes } from './box-list';
import { boxesStore, recheckBoxes, startScan, stopScan, updateRow, useBoxesStore, type BoxFilter, type SortKey } from './boxes-store';
import { CsvImport } from './CsvImport';
import { ScanBar } from './ScanBar';
import { CommissionPanel } from '../site/CommissionPanel';
import { returnFocus } from '../../confirm-focus';

/** How often the listed boxes are asked again (login state, offline) while the page is open. */
const RECHECK_MS = 15_000;

export function BoxesPage() {
  const s = useBoxesStore();
  const [now, setNow] = useState(Date.now());
  const scanning = !!s.progress && !s.progress.done;
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  // Keep login states and offline marks current while the page is shown (not during a scan).
  const haveRows = s.rows.length > 0;
  useEffect(() => {
    if (!haveRows || scanning) return;
    const t = setInterval(() => void recheckBoxes(), RECHECK_MS);
    return () => clearInterval(t);
  }, [haveRows, scanning]);

  const checked = useMemo(() => new Set(s.checked), [s.checked]);
  const shown = useMemo(() => sortBoxes(s.rows.filter(FILTERS[s.filter].test), s.sort.key, s.sort.dir), [s.rows, s.filter, s.sort]);
  const row = s.rows.find((r) => r.id === s.selected) ?? null;
  const picked = s.rows.filter((r) => checked.has(r.id));
  const check = (ids: string[], on: boolean) =>
    boxesStore.set((st) => {
      const next = new Set(st.checked);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return { checked: [...next] };
    });
  const sortBy = (key: SortKey) => boxesStore.set((st) => ({ sort: { key, dir: st.sort.key === key ? (-st.sort.dir as 1 | -1) : 1 } }));
  const select = (id: string | null) => boxesStore.set({ selected: id });
  // Closing the details (Escape, ×) from inside them gives the focus back to the box's row, so a
  // keyboard user goes on from where they were instead of from the top of the page.
  const closeDetails = (id: string) => {
    returnFocus(document.querySelector('aside.details'), `tr[data-box="${CSS.escape(id)}"]`);
    select(null);
  };

  return (
    <div className="page boxes-page">
      <ScanBar ranges={s.ranges} port={s.port} mdns={s.mdns} progress={s.progress} scanning={scanning} onScan={(o) => void startScan(o)} onStop={() => void stopScan()} />
      {s.error && (
        <div className="banner error" role="alert">
          {s.error}
        </div>
      )}
      <div className={row ? 'split' : undefined}>
        <section className="card list" aria-label="Discovered boxes">
          <div className="section-head list-head">
            <h2>
              Discovered boxes{' '}
              <span className="count" data-testid="box-count">
                {shown.length === s.rows.length ? s.rows.length : `${shown.length} of ${s.rows.length}`}
              </span>
            </h2>
            {s.rows.length > 0 && (
              <div className="list-tools">
                <label className="inline-field">
                  <span>Show</span>
                  <select name="filter" value={s.filter} onChange={(e) => boxesStore.set({ filter: e.target.value as BoxFilter })}>
                    {Object.entries(FILTERS).map(([k, f]) => (
                      <option key={k} value={k}>
                        {f.label}
                      </option>
                    ))}
                  </select>
                </label>
                <button
                  type="button"
                  className="secondary"
                  title="Save the boxes shown as CSV (the columns of se3kit discover --json)"
                  disabled={shown.length === 0}
                  onClick={() => downloadText(boxesCsv(shown), `se3-boxes-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}.csv`)}
                >
                  Export CSV
                </button>
                <button
                  type="button"
                  className="primary"
                  disabled={picked.length === 0}
                  title="Open the Deploy page with the ticked boxes (SSH on port 22 of each address)"
                  onClick={() => openDeployWith([...new Set(picked.map((r) => r.ip))])}
                >
                  Deploy to selected{picked.length ? ` (${picked.length})` : ''}
                </button>
              </div>
            )}
          </div>
          {s.rows.length === 0 ? (
            <div className="empty">
              {scanning ? (
                <>
                  <div className="spinner" aria-hidden="true" />
                  <p>Searching… boxes appear here as soon as they answer.</p>
                </>
              ) : (
                <>
                  <p className="empty-title">No boxes found yet</p>
                  <p>
                    Press <strong>Scan</strong> to look for SE3 boxes: over mDNS, and by probing port 5555 on this machine's networks (or the ranges you
                    enter). Boxes with the vendor firmware are found by the probe.
                  </p>
                </>
              )}
            </div>
          ) : shown.length === 0 ? (
            <div className="empty">
              <p className="empty-title">No box matches “{FILTERS[s.filter].label}”</p>
              <button type="button" className="secondary" onClick={() => boxesStore.set({ filter: 'all' })}>
                Show all boxes
              </button>
            </div>
          ) : (
            <BoxTable
              rows={shown}
              selected={s.selected}
              onSelect={select}
              now={now}
              compact={!!row}
              sort={s.sort}
              onSort={sortBy}
              checked={checked}
              onCheck={check}
            />
          )}
        </section>
        {row && <BoxDetails row={row} now={now} onClose={() => closeDetails(row.id)} onUpdated={(patch) => updateRow(row.id, patch)} />}
      </div>
      {s.rows.length > 0 && <CommissionPanel hosts={picked.map((r) => `${r.ip}:${r.port}`)} />}
      <CsvImport />
    </div>
  );
}
