// Under the targets: each box's pinned SSH host key (the first-seen fingerprint), or that none is
// pinned yet (it will be on the first connection).
import { useEffect, useState } from 'react';
import type { PinnedHostKey } from '../../../../electron/api/deploy';
import { api } from '../../api';

const MAX_SHOWN = 8;
/** Fired (on window) when a host key was accepted on this page. */
export const HOSTKEYS_CHANGED = 'se3kit:deploy-hostkeys-changed';

export function PinnedKeys(props: { targets: string[] }) {
  const [keys, setKeys] = useState<PinnedHostKey[]>([]);
  const wanted = props.targets.slice(0, 64).join('\n');
  // read again when a job starts or ends (first connections pin keys) or a key is accepted
  const [round, setRound] = useState(0);
  useEffect(() => {
    const bump = () => setRound((n) => n + 1);
    const off = api.on('deploy.job', bump);
    window.addEventListener(HOSTKEYS_CHANGED, bump);
    return () => {
      off();
      window.removeEventListener(HOSTKEYS_CHANGED, bump);
    };
  }, []);

  useEffect(() => {
    const list = wanted ? wanted.split('\n') : [];
    if (list.length === 0) {
      setKeys([]);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      api.call('deploy.hostKeys', { targets: list }).then(
        (k) => live && setKeys(k),
        () => live && setKeys([]), // a half-typed address: nothing to show yet
      );
    }, 350);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [wanted, round]);

  if (keys.length === 0) return null;
  return (
    <ul className="pinned-keys" aria-label="Pinned host keys" data-testid="pinned-keys">
      {keys.slice(0, MAX_SHOWN).map((k) => (
        <li key={`${k.host}:${k.port}`}>
          <span className="mono strong">
            {k.host}:{k.port}
          </span>{' '}
          {k.fingerprint ? (
            <span title={`first seen ${k.firstSeen ?? '?'}`}>
              host key pinned <code>{k.fingerprint}</code> <span className="muted">({k.keyType})</span>
            </span>
          ) : (
            <span className="muted">no host key pinned yet: the first connection pins it</span>
          )}
        </li>
      ))}
      {keys.length > MAX_SHOWN && <li className="muted">and {keys.length - MAX_SHOWN} more</li>}
    </ul>
  );
}
