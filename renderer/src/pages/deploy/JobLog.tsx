// The shown job's live log: one line per step, warning and result, newest at the bottom (kept
// scrolled there unless the technician scrolled up to read).
import { useEffect, useRef } from 'react';
import type { JobLogLine } from '../../../../electron/api/deploy';
import { clock } from './format';

export function JobLog(props: { lines: JobLogLine[] }) {
  const ref = useRef<HTMLOListElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [props.lines]);

  return (
    <section className="card job-log-card" aria-label="Log">
      <div className="section-head">
        <h2>
          Log <span className="count">{props.lines.length}</span>
        </h2>
      </div>
      <ol
        className="job-log"
        ref={ref}
        data-testid="deploy-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {props.lines.length === 0 && <li className="muted">Nothing logged yet.</li>}
        {props.lines.map((l, i) => (
          <li key={i} className={`log-${l.level}`}>
            <span className="log-time">{clock(l.at)}</span>
            {l.box && <span className="log-box">{l.box}</span>}
            <span className="log-text">{l.message}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
