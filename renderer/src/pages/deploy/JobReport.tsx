// The finished job's report: one row per box with its result and, when it failed or rolled
// back, the reason in plain words.
import type { JobSummary } from '../../../../electron/api/deploy';
import { seconds } from './format';

export function JobReport(props: { job: JobSummary }) {
  const boxes = props.job.boxes;
  const bad = boxes.filter((b) => !b.report?.ok).length;
  return (
    <section className="card report-card" aria-label="Report" data-testid="deploy-report">
      <div className="section-head">
        <h2>Report</h2>
        <p className={`summary ${bad ? 'warn' : 'ok'}`}>{bad ? `${bad} of ${boxes.length} box(es) failed` : `All ${boxes.length} box(es) OK`}</p>
      </div>
      <div className="table-wrap">
        <table className="boxes compact" aria-label="Report">
          <thead>
            <tr>
              <th>Box</th>
              <th>Result</th>
              <th>Version</th>
              <th>Before</th>
              <th>Time</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {boxes.map((b) => (
              <tr key={b.id} className={b.report?.ok ? undefined : 'failed'} data-report-box={b.id}>
                <td className="mono strong">{b.id}</td>
                <td>
                  <span className={`tag ${b.report?.ok ? 'okay' : 'bad'}`}>{b.report?.status ?? 'unfinished'}</span>
                </td>
                <td className="mono">{b.report?.version ?? '—'}</td>
                <td className="mono">{b.report?.previousVersion ?? '—'}</td>
                <td className="nowrap muted">{b.report ? seconds(b.report.durationMs) : ''}</td>
                <td className="reason">{b.report?.reason ?? (b.report?.ok ? '' : 'did not finish')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
