// The shown job: what it is (and a picker for the earlier ones), every box with its progress bar.
import type { JobBox, JobDetail, JobSummary } from '../../../../electron/api/deploy';
import { BoxProgress } from './BoxProgress';
import { clock, KIND_LABEL } from './format';

export function JobView(props: { job: JobDetail; jobs: JobSummary[]; onShow: (id: string) => void; onRollback: (job: JobSummary, box: JobBox) => void }) {
  const { job } = props;
  const running = job.state === 'running';
  const finished = job.boxes.filter((b) => b.report).length;
  return (
    <section className="card job-card" aria-label="Job progress" data-job={job.id} data-job-state={job.state}>
        <div className="section-head">
          <div>
            <h2>
              {KIND_LABEL[job.kind]}
              {job.bundle ? ` ${job.bundle.version}` : ''}{' '}
              <span className={`tag ${running ? 'agent' : job.ok ? 'okay' : 'bad'}`} data-testid="job-state">
                {running ? `running · ${finished}/${job.boxes.length} done` : job.ok ? 'finished · all OK' : 'finished · with failures'}
              </span>
            </h2>
            <p className="muted">
              started {clock(job.createdAt)}
              {job.bundle ? ` · ${job.bundle.fileName}` : ''} · as {job.settings.user}
              {job.settings.prefix ? ` · ${job.settings.prefix}` : ''}
            </p>
          </div>
          {props.jobs.length > 1 && (
            <label className="job-pick">
              <span className="muted">Job</span>
              <select value={job.id} onChange={(e) => props.onShow(e.target.value)} aria-label="Show job">
                {props.jobs.map((j) => (
                  <option key={j.id} value={j.id}>
                    {clock(j.createdAt)} · {KIND_LABEL[j.kind]} {j.bundle?.version ?? ''} · {j.boxes.length} box(es)
                    {j.state === 'running' ? ' (running)' : ''}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        <ul className="job-boxes">
          {/* keyed by job too: a status read under an earlier job is not shown under the next one */}
          {job.boxes.map((b) => (
            <BoxProgress key={`${job.id}/${b.id}`} box={b} kind={job.kind} settings={job.settings} jobRunning={running && !b.report} onRollback={(box) => props.onRollback(job, box)} />
          ))}
        </ul>
    </section>
  );
}
