// One box of the shown job: its progress bar, current step, upload figures, host key, result in
// plain words, and the per-box actions (status, roll back); a changed host key shows the warning.
import { useState } from 'react';
import type { JobBox, JobKind, JobSettings, RollbackRequest, StatusResult } from '../../../../electron/api/deploy';
import { api } from '../../api';
import { BoxStatusPanel } from './BoxStatusPanel';
import { barState, bytes, PHASE_LABEL, seconds, shortFingerprint } from './format';
import { HostKeyWarning } from './HostKeyWarning';

/** How later per-box calls log in: what the job used (after an adopt: this installation's key). */
export function keyAuthOf(s: JobSettings): RollbackRequest['auth'] {
  return s.auth === 'key-file' && s.keyFile ? { kind: 'key-file', keyFile: s.keyFile } : { kind: 'installation-key' };
}

export function boxSelection(box: JobBox, s: JobSettings) {
  return {
    target: `${box.host}:${box.port}`,
    user: box.user,
    ...(s.prefix ? { prefix: s.prefix } : {}),
    ...(s.agentPort ? { agentPort: s.agentPort } : {}),
    auth: keyAuthOf(s),
  };
}

function resultText(box: JobBox): string {
  const r = box.report!;
  if (r.ok) {
    const v = r.version ? ` ${r.version}` : '';
    if (r.status === 'updated') return `updated${v} (was ${r.previousVersion})`;
    if (r.status === 'rolled-back') return `rolled back to${v}`;
    return `${r.status}${v}`;
  }
  return r.status === 'rolled-back' ? `rolled back to ${r.version}` : 'failed';
}

/**
 * Whether "Roll back" makes sense for this box: not after an adopt job, and not when the box
 * failed with no release of ours known to run there (a failed adopt or login: nothing to go
 * back from — "Status" tells what is installed).
 */
export function canRollBack(kind: JobKind, box: JobBox): boolean {
  if (kind === 'adopt') return false;
  const r = box.report;
  if (r && !r.ok && (box.phase === 'adopt' || box.phase === 'queued' || (r.version === null && r.previousVersion === null))) return false;
  return true;
}

export function BoxProgress(props: { box: JobBox; kind: JobKind; settings: JobSettings; jobRunning: boolean; onRollback: (box: JobBox) => void }) {
  const { box } = props;
  const [status, setStatus] = useState<StatusResult | 'loading' | null>(null);
  const state = barState(box);
  const r = box.report;
  const up = box.upload;

  const readStatus = async () => {
    setStatus('loading');
    try {
      setStatus(await api.call('deploy.status', boxSelection(box, props.settings)));
    } catch (err) {
      setStatus({ ok: false, reason: (err as Error).message });
    }
  };

  return (
    <li className={`job-box ${state}`} data-job-box={box.id}>
      <div className="job-box-head">
        <div className="job-box-name">
          <span className="mono strong">{box.id}</span>
          <span className="muted"> as {box.user}</span>
        </div>
        <div className="job-box-phase" data-testid="box-phase">
          {r ? <span className={`tag ${r.ok ? 'okay' : 'bad'}`}>{resultText(box)}</span> : <span className="phase-label">{PHASE_LABEL[box.phase]}</span>}
        </div>
        <div className="job-box-actions">
          <button type="button" className="secondary small" onClick={() => void readStatus()} disabled={status === 'loading'}>
            Status
          </button>
          {canRollBack(props.kind, box) && (
            <button type="button" className="secondary small" disabled={!r || props.jobRunning} onClick={() => props.onRollback(box)} title="Switch back to the previous release">
              Roll back
            </button>
          )}
        </div>
      </div>
      <div
        className="job-bar"
        role="progressbar"
        aria-label={`${box.id} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={box.progress}
        data-state={state}
      >
        <div className={`job-bar-fill ${state}`} style={{ width: `${box.progress}%` }} />
      </div>
      <div className="job-box-detail">
        <span className="job-box-message">
          {r && !r.ok ? <span className="error-text">{r.hostKey ? 'Refused: the host key changed. Nothing was sent to the box.' : r.reason}</span> : box.message}
        </span>
        {up && !r && box.phase === 'upload' && (
          <span className="upload-figures mono">
            {Math.floor(up.percent)}% · {bytes(up.bytes)} / {bytes(up.total)} · {bytes(up.rate)}/s
          </span>
        )}
        {r && <span className="muted nowrap">{seconds(r.durationMs)}</span>}
      </div>
      {box.hostKey && (
        <div className="job-box-hostkey muted" title={box.hostKey.fingerprint}>
          Host key {box.hostKey.status === 'new' ? 'seen for the first time and pinned' : box.hostKey.status === 'changed' ? 'changed, accepted' : 'matches the pinned key'}:{' '}
          <code>{shortFingerprint(box.hostKey.fingerprint)}</code> ({box.hostKey.keyType})
        </div>
      )}
      {r?.hostKey && <HostKeyWarning host={box.host} port={box.port} mismatch={r.hostKey} />}
      {r?.checks && !r.ok && r.checks.some((c) => !c.ok) && (
        <ul className="checks">
          {r.checks
            .filter((c) => !c.ok)
            .map((c) => (
              <li key={c.name}>
                <strong>{c.name}</strong>: {c.detail}
              </li>
            ))}
        </ul>
      )}
      {r?.agentLog && (
        <details className="agent-log">
          <summary>Agent log of the failed version</summary>
          <pre className="log-tail">{r.agentLog}</pre>
        </details>
      )}
      {status && <BoxStatusPanel host={box.host} port={box.port} result={status} onClose={() => setStatus(null)} />}
    </li>
  );
}
