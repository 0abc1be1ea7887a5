// A box refused because its SSH host key changed: both fingerprints, what it can mean, how to
// check on the box, and the explicit "accept new key" action (pins exactly the key shown).
import { useState } from 'react';
import type { HostKeyMismatch } from '../../../../electron/api/deploy';
import { api } from '../../api';
import { HOSTKEYS_CHANGED } from './PinnedKeys';

export function HostKeyWarning(props: { host: string; port: number; mismatch: HostKeyMismatch; onAccepted?: () => void }) {
  const [state, setState] = useState<'ask' | 'saving' | 'accepted'>('ask');
  const [error, setError] = useState<string | null>(null);
  const m = props.mismatch;

  const accept = async () => {
    setState('saving');
    setError(null);
    try {
      await api.call('deploy.acceptHostKey', { host: props.host, port: props.port, fingerprint: m.presented, keyType: m.keyType });
      setState('accepted');
      window.dispatchEvent(new Event(HOSTKEYS_CHANGED));
      props.onAccepted?.();
    } catch (err) {
      setError((err as Error).message);
      setState('ask');
    }
  };

  if (state === 'accepted') {
    return (
      <div className="banner ok hostkey-accepted" role="status" data-testid="hostkey-accepted">
        New host key of {props.host}:{props.port} accepted and pinned: <code>{m.presented}</code>. Deploy again to continue.
      </div>
    );
  }
  return (
    <div className="hostkey-warning" role="alert" data-testid="hostkey-warning">
      <p className="hostkey-title">The SSH host key of {props.host}:{props.port} has CHANGED — nothing was sent to the box.</p>
      <p>
        This happens when a box was reinstalled, but it can also mean someone is intercepting the connection. Compare the new fingerprint with the
        one the box itself shows (on its console: <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>) before accepting it.
      </p>
      <dl className="facts">
        <dt>Pinned</dt>
        <dd className="mono">{m.stored || 'unknown'}</dd>
        <dt>Now</dt>
        <dd className="mono strong">
          {m.presented} <span className="muted">({m.keyType})</span>
        </dd>
      </dl>
      {error && <p className="field-error">{error}</p>}
      <div className="form-actions">
        <button type="button" className="danger" disabled={state === 'saving'} onClick={() => void accept()}>
          Accept new key
        </button>
        <span className="hint">Only after checking the fingerprint on the box.</span>
      </div>
    </div>
  );
}
