// One box: what discovery knows, its current DevSno/LoginUrl (read from the box), and the
// edit form with inline validation and the read-back outcome.
import { useEffect, useState, type FormEvent } from 'react';
import { devSnoProblem, loginUrlProblem } from '../../../../agent/protocol/config-api';
import type { BoxRow, ConfigureOutcome } from '../../../../electron/api/boxes';
import { api } from '../../api';
import { LoginCell } from './BoxTable';
import { ago, friendly } from './format';

export function BoxDetails(props: { row: BoxRow; now: number; onClose: () => void; onUpdated: (patch: Partial<BoxRow>) => void }) {
  const { row } = props;
  const [devSno, setDevSno] = useState(row.dev_sno ?? '');
  const [loginUrl, setLoginUrl] = useState(row.login_url ?? '');
  const [current, setCurrent] = useState<{ dev_sno: string | null; login_url: string | null } | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<ConfigureOutcome | null>(null);
  const [callError, setCallError] = useState<string | null>(null);

  // Escape closes the panel (unless a field's own Escape handling, e.g. an IME, took it).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) props.onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [props.onClose]);

  // Read the box's live values when a box is opened.
  useEffect(() => {
    let live = true;
    setDevSno(row.dev_sno ?? '');
    setLoginUrl(row.login_url ?? '');
    setOutcome(null);
    setCallError(null);
    setCurrent(null);
    setReadError(null);
    api.call('boxes.getConfig', { host: row.ip, port: row.port }).then(
      (c) => {
        if (!live) return;
        setCurrent({ dev_sno: c.dev_sno, login_url: c.login_url });
        setDevSno(c.dev_sno ?? '');
        setLoginUrl(c.login_url ?? '');
      },
      (err: Error) => live && setReadError(err.message),
    );
    return () => {
      live = false;
    };
  }, [row.id]);

  const base = current ?? { dev_sno: row.dev_sno, login_url: row.login_url };
  const devChanged = devSno !== (base.dev_sno ?? '');
  const urlChanged = loginUrl !== (base.login_url ?? '');
  const devProblem = devChanged || devSno ? friendly(devSnoProblem(devSno)) : null;
  const urlProblem = urlChanged || loginUrl ? friendly(loginUrlProblem(loginUrl)) : null;
  const blocking = (devChanged && devProblem) || (urlChanged && urlProblem);
  const canSave = !busy && (devChanged || urlChanged) && !blocking;

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!canSave) return;
    setBusy(true);
    setOutcome(null);
    setCallError(null);
    try {
      const res = await api.call('boxes.configure', {
        host: row.ip,
        port: row.port,
        ...(devChanged ? { dev_sno: devSno } : {}),
        ...(urlChanged ? { login_url: loginUrl } : {}),
      });
      setOutcome(res);
      if (res.ok) {
        const readBack = { dev_sno: res.dev_sno ?? base.dev_sno, login_url: res.login_url ?? base.login_url };
        setCurrent(readBack);
        setDevSno(readBack.dev_sno ?? '');
        setLoginUrl(readBack.login_url ?? '');
        props.onUpdated(readBack);
      }
    } catch (err) {
      setCallError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <aside className="card details" aria-label={`Box ${row.id}`}>
      <div className="details-head">
        <div>
          <h2 className="mono">{row.id}</h2>
          <p className="muted">
            {row.kind === 'se3-agent' ? `SE3 agent ${row.agentVersion ?? ''}` : 'Vendor firmware'} · seen {ago(row.lastSeen, props.now)}
          </p>
        </div>
        <button className="icon-button" onClick={props.onClose} aria-label="Close details" title="Close">
          ×
        </button>
      </div>
      <dl className="facts">
        <dt>Hostname</dt>
        <dd>{row.hostname ?? '—'}</dd>
        <dt>MAC</dt>
        <dd className="mono">{row.mac ?? '—'}</dd>
        <dt>Found by</dt>
        <dd>{row.sources.map((s) => (s === 'mdns' ? 'mDNS' : 'TCP probe')).join(' + ')}</dd>
        <dt>Status</dt>
        <dd>
          {row.offline ? (
            <>
              <span className="tag offline">offline</span> <span className="muted offline-why">no answer to the latest scan or check</span>
            </>
          ) : (
            'answering'
          )}
        </dd>
        <dt>Platform login</dt>
        <dd data-testid="details-login">
          {row.kind === 'vendor' && !row.login ? (
            'unknown — vendor firmware has no /health; check on the platform'
          ) : (
            <>
              <LoginCell row={row} />
              {row.login?.error && <div className="error-text small">{row.login.error}</div>}
              {row.login?.since && <div className="muted small">since {new Date(row.login.since).toLocaleString()}</div>}
            </>
          )}
        </dd>
        {row.broker?.error && (
          <>
            <dt>Broker</dt>
            <dd className="error-text small">{row.broker.error}</dd>
          </>
        )}
        {typeof row.users === 'number' && (
          <>
            <dt>People enrolled</dt>
            <dd>{row.users}</dd>
          </>
        )}
      </dl>
      {readError && (
        <div className="banner error" role="alert">
          Could not read the box's current settings: {readError}
        </div>
      )}
      <form className="config-form" onSubmit={save} noValidate aria-label="Configure box">
        <label className="field">
          <span>DevSno</span>
          <input
            name="dev_sno"
            className="mono"
            value={devSno}
            onChange={(e) => {
              setDevSno(e.target.value);
              setOutcome(null);
            }}
            placeholder="e.g. TJGSDX000120190726103455"
            aria-invalid={!!devProblem}
            aria-describedby="dev-sno-help"
            spellCheck={false}
          />
          {devProblem ? (
            <small id="dev-sno-help" className="field-error" data-testid="dev-sno-error">
              {devProblem}
            </small>
          ) : (
            <small id="dev-sno-help" className="hint">
              1–64 letters, digits, “_” or “-”, as issued by the platform.
            </small>
          )}
        </label>
        <label className="field">
          <span>LoginUrl</span>
          <input
            name="login_url"
            className="mono"
            value={loginUrl}
            onChange={(e) => {
              setLoginUrl(e.target.value);
              setOutcome(null);
            }}
            placeholder="e.g. http://platform.example:8080/login"
            aria-invalid={!!urlProblem}
            aria-describedby="login-url-help"
            spellCheck={false}
          />
          {urlProblem ? (
            <small id="login-url-help" className="field-error" data-testid="login-url-error">
              {urlProblem}
            </small>
          ) : (
            <small id="login-url-help" className="hint">
              The platform's login address: an absolute http:// or https:// URL.
            </small>
          )}
        </label>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={!canSave}>
            {busy ? 'Saving…' : 'Save to box'}
          </button>
          {(devChanged || urlChanged) && !busy && (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setDevSno(base.dev_sno ?? '');
                setLoginUrl(base.login_url ?? '');
              }}
            >
              Undo changes
            </button>
          )}
        </div>
      </form>
      {outcome?.ok && (
        <div className="banner ok" role="status" data-testid="configure-outcome">
          <strong>Saved and confirmed.</strong> The box now reports:
          <dl className="readback">
            <dt>DevSno</dt>
            <dd data-testid="readback-dev-sno">{outcome.dev_sno ?? '—'}</dd>
            <dt>LoginUrl</dt>
            <dd data-testid="readback-login-url">{outcome.login_url ?? '—'}</dd>
          </dl>
        </div>
      )}
      {outcome && !outcome.ok && (
        <div className="banner error" role="alert" data-testid="configure-outcome">
          <strong>Not saved.</strong> {outcome.error}
        </div>
      )}
      {callError && (
        <div className="banner error" role="alert">
          {callError}
        </div>
      )}
    </aside>
  );
}
