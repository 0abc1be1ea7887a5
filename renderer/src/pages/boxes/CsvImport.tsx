// Batch configuration from a CSV (host,dev_sno,login_url): paste or pick a file, apply, and
// see one outcome per row. Text and report live in the page's store (kept across pages).
import { useRef, type CSSProperties } from 'react';
import { outcomeLabel } from '../../../../electron/api/boxes';
import { applyCsv, boxesStore, useBoxesStore } from './boxes-store';

const EXAMPLE = 'host,dev_sno,login_url\n192.168.1.20,TJGSDX000120190726103455,http://platform.example:8080/login\ne0:a5:09:12:34:56,TJGSDX000120190726103456,http://platform.example:8080/login';

export function CsvImport() {
  const { csv, csvFile: fileName, csvBusy: busy, csvReport: report, csvError: error } = useBoxesStore();
  const fileInput = useRef<HTMLInputElement>(null);
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '').length;

  async function pick(file: File | undefined) {
    if (!file) return;
    if (file.size > 2 * 1024 * 1024) {
      boxesStore.set({ csvError: `${file.name} is larger than 2 MiB; split it into smaller files.` });
      return;
    }
    boxesStore.set({ csv: await file.text(), csvFile: file.name, csvReport: null, csvError: null });
  }

  return (
    <section className="card csv" aria-label="CSV batch import">
      <div className="section-head">
        <div>
          <h2>Configure many boxes from a CSV</h2>
          <p className="muted">
            One box per line: <code>host,dev_sno,login_url</code> — host is an IP (optionally <code>:port</code>) or a MAC address from the list above. A
            header line is optional; failed rows do not stop the others.
          </p>
        </div>
        <button type="button" className="secondary file-button" onClick={() => fileInput.current?.click()}>
          Choose file…
        </button>
        <input
          ref={fileInput}
          type="file"
          name="csvFile"
          accept=".csv,text/csv,text/plain"
          tabIndex={-1}
          onChange={(e) => {
            void pick(e.target.files?.[0]);
            e.target.value = ''; // the same file again is a new pick
          }}
          hidden
        />
      </div>
      <textarea
        name="csv"
        className="mono"
        rows={5}
        placeholder={EXAMPLE}
        value={csv}
        onChange={(e) => boxesStore.set({ csv: e.target.value, csvFile: null, csvReport: null })}
        spellCheck={false}
      />
      <div className="form-actions">
        <button className="primary" onClick={() => void applyCsv()} disabled={busy || !csv.trim()}>
          {busy ? 'Configuring…' : `Apply ${lines ? `(${lines} line${lines === 1 ? '' : 's'})` : ''}`}
        </button>
        {fileName && <span className="muted">from {fileName}</span>}
      </div>
      {error && (
        <div className="banner error" role="alert">
          {error}
        </div>
      )}
      {report && (
        <div className="report" data-testid="csv-report">
          <p className={report.failed ? 'summary warn' : 'summary ok'}>
            {report.ok} configured, {report.failed} failed
          </p>
          <div className="table-wrap stack-wrap" style={{ '--stack-cols': 4 } as CSSProperties}>
            <table className="boxes compact">
              <thead>
                <tr>
                  <th>Line</th>
                  <th>Box</th>
                  <th>Result</th>
                  <th>DevSno (read back)</th>
                  <th>LoginUrl (read back)</th>
                </tr>
              </thead>
              <tbody>
                {report.rows.map((r) => (
                  <tr key={r.line} className={r.ok ? undefined : 'failed'}>
                    <td data-label="Line">{r.line}</td>
                    <td className="mono" data-label="Box">
                      {outcomeLabel(r)}
                    </td>
                    <td className="stack-full stack-last" data-label="Result">
                      {r.ok ? <span className="tag okay">OK</span> : <span className="error-text">{r.error}</span>}
                    </td>
                    <td className="mono stack-whole" data-label="DevSno (read back)">
                      {r.dev_sno ?? '—'}
                    </td>
                    <td className="mono wrap-anywhere" data-label="LoginUrl (read back)">
                      {r.login_url ?? '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
