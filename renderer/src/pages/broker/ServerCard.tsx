// Start/stop the embedded broker: state, port and listen address, the plain-language reason a
// start failed, and how boxes reach it.
import { useEffect, useState, type FormEvent } from 'react';
import { useConfirmFocus } from '../../confirm-focus';
import { brokerPortProblem, type BrokerHost, type BrokerStartRequest, type BrokerStatus } from '../../../../electron/api/broker';
import { duration } from './format';

const STATE_LABEL = { stopped: 'Stopped', starting: 'Starting…', running: 'Running', stopping: 'Stopping…' } as const;

const HOSTS: Array<{ value: BrokerHost; label: string }> = [
  { value: '0.0.0.0', label: 'All network interfaces (boxes on the LAN)' },
  { value: '127.0.0.1', label: 'This computer only (127.0.0.1)' },
];

/** The amqp:// addresses boxes can use: this machine's real addresses for the port and listen address. */
function connectUrls(status: BrokerStatus, port: number, host: BrokerHost): string[] {
  const p = Number.isFinite(port) ? port : status.settings.port;
  const all = status.addresses.map((a) => a.replace(/:\d+$/, `:${p}`));
  const list = host === '127.0.0.1' ? all.filter((a) => a.startsWith('amqp://127.')) : all;
  return list.length > 0 ? list : [`amqp://127.0.0.1:${p}`];
}

export interface ServerCardProps {
  status: BrokerStatus;
  uptimeMs: number | null;
  busy: boolean;
  /** The failed action's reason, else the service's last error. */
  error: string | null;
  onStart(request: BrokerStartRequest): void;
  onStop(): void;
}

export function ServerCard({ status, uptimeMs, busy, error, onStart, onStop }: ServerCardProps) {
  const [port, setPort] = useState(String(status.settings.port));
  const [host, setHost] = useState<BrokerHost>(status.settings.host);
  const [touched, setTouched] = useState(false);
  // the site platform runs on this broker: Stop asks first, naming what it cuts
  const [confirmStop, setConfirmStop] = useState(false);
  const running = status.state === 'running';
  const idle = status.state === 'stopped';
  const keys = useConfirmFocus<HTMLFormElement, 'stop'>(running && confirmStop ? 'stop' : null, () => setConfirmStop(false));

  // Follow the remembered settings (and the running port) until the operator edits the fields.
  useEffect(() => {
    if (touched) return;
    setPort(String(status.port ?? status.settings.port));
    setHost(status.host ?? status.settings.host);
  }, [status.port, status.host, status.settings.port, status.settings.host, touched]);

  const portNum = /^\d+$/.test(port) ? Number(port) : NaN;
  const portProblem = brokerPortProblem(portNum);
  const noUsers = status.users.length === 0;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (running && status.usedBySite && !confirmStop) return setConfirmStop(true);
    if (running) {
      setConfirmStop(false);
      return onStop();
    }
    if (portProblem || noUsers) return;
    onStart({ port: portNum, host });
  }

  return (
    <form className="card broker-server" onSubmit={submit} noValidate aria-label="Broker server" ref={keys.ref} onKeyDown={keys.onKeyDown}>
      <div className="section-head">
        <div>
          <h2>
            AMQP broker{' '}
            <span className={`state-pill ${status.state}`} data-testid="broker-state">
              {STATE_LABEL[status.state]}
            </span>
          </h2>
          <p className="muted">
            {running
              ? 'SE3 boxes and apps can connect now, with one of the users.'
              : 'Start the broker so SE3 boxes can connect. Choose the port they are configured for.'}
          </p>
        </div>
      </div>
      <div className="broker-fields">
        <label className="field port">
          <span>Port</span>
          <input
            name="port"
            inputMode="numeric"
            value={port}
            disabled={!idle}
            aria-invalid={idle && !!portProblem}
            onChange={(e) => {
              setTouched(true);
              setPort(e.target.value.trim());
            }}
          />
        </label>
        <label className="field grow">
          <span>Listen on</span>
          <select
            name="host"
            value={host}
            disabled={!idle}
            onChange={(e) => {
              setTouched(true);
              setHost(e.target.value as BrokerHost);
            }}
          >
            {HOSTS.map((h) => (
              <option key={h.value} value={h.value}>
                {h.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" data-opens="stop" className={running ? 'secondary' : 'primary'} disabled={busy || (!running && !idle) || (idle && (!!portProblem || noUsers))}>
          {running || status.state === 'stopping' ? 'Stop' : 'Start'}
        </button>
      </div>
      {running && confirmStop && (
        <div className="banner warn broker-stop-confirm" role="alertdialog" aria-label="Stop the site's broker?">
          <p>
            The site platform runs on this broker. Stopping it cuts every box's link: no people, commands or results reach or leave
            the boxes until the broker starts again.
          </p>
          <div className="form-actions">
            <button type="button" className="danger small" disabled={busy} onClick={() => { setConfirmStop(false); onStop(); }}>
              Yes, stop the broker
            </button>
            <button type="button" className="secondary small" data-safe onClick={() => setConfirmStop(false)}>
              Keep it running
            </button>
          </div>
        </div>
      )}
      {running && status.usedBySite === false && (
        <p className="hint broker-site-note">
          The site platform has no boxes on this broker yet: stopping it breaks nothing for the site, which starts it again by itself (on its
          own port) when the first box is added or logs in.
        </p>
      )}
      {idle && portProblem && port !== '' && (
        <p className="field-error" role="alert">
          {portProblem}
        </p>
      )}
      {idle && noUsers && <p className="hint broker-hint">Add a broker user first (under Users): the broker lets nobody in until one exists.</p>}
      {error && (
        <div className="banner error broker-error" role="alert">
          {error}
        </div>
      )}
      <dl className="facts broker-facts">
        <dt>{running ? 'Addresses' : 'Addresses once started'}</dt>
        <dd className="broker-urls">
          {connectUrls(status, running ? status.port ?? portNum : portNum, running ? status.host ?? host : host).map((u) => (
            <code key={u} data-testid="broker-url">
              {u}
            </code>
          ))}
        </dd>
        {running && uptimeMs !== null && (
          <>
            <dt>Up for</dt>
            <dd>{duration(uptimeMs)}</dd>
          </>
        )}
        <dt>After a restart</dt>
        <dd>{status.settings.enabled ? 'Starts again by itself with Field Kit' : 'Stays stopped until you press Start'}</dd>
        <dt>Data folder</dt>
        <dd className="mono">{status.dataDir}</dd>
      </dl>
    </form>
  );
}
