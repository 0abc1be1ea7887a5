// The Boxes page: scan, the live list, one box's details and settings, CSV batch import; ticked
// boxes go to the Deploy page ("Deploy to selected").
import { useEffect, useState } from 'react';
import { openDeployWith } from '../deploy/handoff';
import { BoxDetails } from './BoxDetails';
import { BoxTable } from './BoxTable';
import { CsvImport } from './CsvImport';
import { ScanBar } from './ScanBar';
import { CommissionPanel } from '../site/CommissionPanel';
import { useBoxes } from './useBoxes';

export function BoxesPage() {
  const boxes = useBoxes();
  const [selected, setSelected] = useState<string | null>(null);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  const row = boxes.rows.find((r) => r.id === selected) ?? null;
  const picked = boxes.rows.filter((r) => checked.has(r.id));
  const check = (ids: string[], on: boolean) =>
    setChecked((prev) => {
      const next = new Set(prev);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  return (
    <div className="page boxes-page">
      <ScanBar progress={boxes.progress} scanning={boxes.scanning} onScan={(o) => void boxes.scan(o)} onStop={() => void boxes.stop()} />
      {boxes.error && (
        <div className="banner error" role="alert">
          {boxes.error}
        </div>
      )}
      <div className={row ? 'split' : undefined}>
        <section className="card list" aria-label="Discovered boxes">
          <div className="section-head">
            <h2>
              Discovered boxes <span className="count">{boxes.rows.length}</span>
            </h2>
            {boxes.rows.length > 0 && (
              <button
                type="button"
                className="primary"
                disabled={picked.length === 0}
                title="Open the Deploy page with the ticked boxes (SSH on port 22 of each address)"
                onClick={() => openDeployWith([...new Set(picked.map((r) => r.ip))])}
              >
                Deploy to selected{picked.length ? ` (${picked.length})` : ''}
              </button>
            )}
          </div>
          {boxes.rows.length === 0 ? (
            <div className="empty">
              {boxes.scanning ? (
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
          ) : (
            <BoxTable rows={boxes.rows} selected={selected} onSelect={setSelected} now={now} compact={!!row} checked={checked} onCheck={check} />
          )}
        </section>
        {row && <BoxDetails row={row} now={now} onClose={() => setSelected(null)} onUpdated={(patch) => boxes.update(row.id, patch)} />}
      </div>
      {boxes.rows.length > 0 && <CommissionPanel hosts={picked.map((r) => `${r.ip}:${r.port}`)} />}
      <CsvImport onDone={() => void boxes.refresh()} />
    </div>
  );
}
