// A box's name on the Site page, renamed in place: "Rename" opens a field (Enter saves, Escape
// or Cancel keeps the old name); a refused name keeps what was typed and says why.
import { useState, type FormEvent } from 'react';
import type { DeviceView } from '../../../../electron/api/platform';
import { api } from '../../api';

export function BoxName({ d }: { d: DeviceView }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(d.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const label = d.name || d.devSno;
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
  if (!editing)
    return (
      <div>
        <span className="strong">{d.name || '(no name)'}</span>{' '}
        <button
          type="button"
          className="link-button"
          aria-label={`Rename ${label}`}
          onClick={() => {
            setName(d.name);
            setError(null);
            setEditing(true);
          }}
        >
          Rename
        </button>
      </div>
    );
  return (
    <form className="rename-form" onSubmit={(e) => void save(e)} onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}>
      <input aria-label={`New name for ${label}`} value={name} maxLength={64} autoFocus onChange={(e) => setName(e.target.value)} />
      <button type="submit" className="primary small" disabled={busy}>
        Save
      </button>
      <button type="button" className="secondary small" onClick={() => setEditing(false)}>
        Cancel
      </button>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
