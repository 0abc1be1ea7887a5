// A box's agent status, read over SSH on demand: versions and releases on the box, whether the
// service runs and answers /health, the log tail.
import type { StatusResult } from '../../../../electron/api/deploy';
import { HostKeyWarning } from './HostKeyWarning';

export function BoxStatusPanel(props: { host: string; port: number; result: StatusResult | 'loading'; onClose: () => void }) {
  const r = props.result;
  return (
    <div className="box-status" data-testid="box-status">
      <div className="box-status-head">
        <strong>Agent status</strong>
        <button type="button" className="icon-button" aria-label="Close status" onClick={props.onClose}>
          ×
        </button>
      </div>
      {r === 'loading' ? (
        <p className="muted">Asking the box…</p>
      ) : !r.ok ? (
        r.hostKey ? (
          <HostKeyWarning host={props.host} port={props.port} mismatch={r.hostKey} />
        ) : (
          <p className="error-text">{r.reason}</p>
        )
      ) : (
        <dl className="facts">
          <dt>Running</dt>
          <dd>
            {r.status.current ? (
              <>
                {r.status.current.replace(/^releases\//, '')} <span className="muted">({r.status.init}{r.status.running ? ', active' : ', not running'})</span>
              </>
            ) : (
              <span className="muted">no agent installed</span>
            )}
          </dd>
          <dt>Health</dt>
          <dd>
            {r.status.healthy ? (
              <span className="tag okay">answers /health{r.status.reportedVersion ? ` · ${r.status.reportedVersion}` : ''}</span>
            ) : (
              <span className="error-text">{r.status.healthReason ?? 'not answering'}</span>
            )}
          </dd>
          <dt>DevSno</dt>
          <dd className="mono">{r.status.devSno || <span className="muted">not set</span>}</dd>
          <dt>Previous</dt>
          <dd>{r.status.previous?.replace(/^releases\//, '') ?? <span className="muted">none</span>}</dd>
          <dt>Releases</dt>
          <dd className="mono">{r.status.releases.join(', ') || '—'}</dd>
          {r.hostKey && (
            <>
              <dt>Host key</dt>
              <dd className="mono">{r.hostKey.fingerprint}</dd>
            </>
          )}
          {r.status.agentLogTail.length > 0 && (
            <>
              <dt>Log tail</dt>
              <dd>
                <pre className="log-tail">{r.status.agentLogTail.join('\n')}</pre>
              </dd>
            </>
          )}
        </dl>
      )}
    </div>
  );
}
