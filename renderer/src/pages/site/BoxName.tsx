// A box's name on the Site page, renamed in place: "Rename" opens a field (Enter saves, Escape
// or Cancel keeps the old name); a refused name keeps what was typed and says why. Closing the
// field gives the focus back to "Rename".
import { useState, type FormEvent } from 'react';
import { useConfirmFocus } from '../../confirm-focus';
import type { DeviceView } from '../../../../electron/api/platform';
import { api } from '../../api';

export function BoxName({ d }: { d: DeviceView }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(d.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const label = d.name || d.devSno;
  const keys = useConfirmFocus<HTMLDivElement, 'rename'>(editing ? 'rename' : null, () => setEditing(false));
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.call('platform.devices.rename', { devSno: d.devSno, name: name.trim() });
      setEditing(false);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div ref={keys.ref} onKeyDown={keys.onKeyDown}>
      {editing ? (
        <RenameForm label={label} name={name} setName={setName} busy={busy} error={error} onSave={save} onCancel={() => setEditing(false)} />
      ) : (
        <>
          <span className="strong">{d.name || '(no name)'}</span>{' '}
          <button
            type="button"
            className="link-button"
            aria-label={`Rename ${label}`}
            data-opens="rename"
            onClick={() => {
              setName(d.name);
              setError(null);
              setEditing(true);
            }}
          >
            Rename
          </button>
        </>
      )}
    </div>
  );
}

function RenameForm(props: { label: string; name: string; setName: (n: string) => void; busy: boolean; error: string | null; onSave: (e: FormEvent) => Promise<void>; onCancel: () => void }) {
  return (
    <form className="rename-form" onSubmit={(e) => void props.onSave(e)}>
      <input aria-label={`New name for ${props.label}`} value={props.name} maxLength={64} data-safe onChange={(e) => props.setName(e.target.value)} />
      <button type="submit" className="primary small" disabled={props.busy}>
        Save
      </button>
      <button type="button" className="secondary small" onClick={props.onCancel}>
        Cancel
      </button>
      {props.error && (
        <p className="error-text" role="alert">
          {props.error}
        </p>
      )}
    </form>
  );
}
