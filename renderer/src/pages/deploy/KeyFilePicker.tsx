// "Log in with a key file": the technician uploads a private key file from their own computer
// (it is stored 0600 in the data folder of the machine running Field Kit) and chooses among the
// uploaded keys by name and fingerprint. Jobs name the key by its id, never by a path.
import { useCallback, useEffect, useState } from 'react';
import type { UploadedKeyInfo } from '../../../../electron/api/deploy';
import { api } from '../../api';

export function KeyFilePicker(props: { value: string; onChange: (id: string) => void }) {
  const [keys, setKeys] = useState<UploadedKeyInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { value, onChange } = props;

  const load = useCallback(() => {
    api.call('deploy.keys', {}).then(setKeys, (err: Error) => setError(err.message));
  }, []);
  useEffect(load, [load]);
  useEffect(() => {
    if (keys && keys.length > 0 && !keys.some((k) => k.id === value)) onChange(keys[keys.length - 1]!.id);
  }, [keys, value, onChange]);

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    if (file.size > 16 * 1024) {
      setError(`${file.name} is too large to be an SSH private key`);
      return;
    }
    setBusy(true);
    try {
      const k = await api.call('deploy.uploadKey', { name: file.name, privateKey: await file.text() });
      onChange(k.id);
      load();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="field key-file-picker">
      <span>Key file</span>
      <select name="keyFile" value={keys?.some((k) => k.id === value) ? value : ''} onChange={(e) => onChange(e.target.value)}>
        {!keys?.length && <option value="">{keys === null ? 'Loading…' : 'No key uploaded yet'}</option>}
        {keys?.map((k) => (
          <option key={k.id} value={k.id}>
            {k.name} · {k.keyType} · {k.fingerprint}
          </option>
        ))}
      </select>
      <label className="check">
        <span>Upload a private key:</span>
        <input name="keyUpload" type="file" disabled={busy} onChange={(e) => void upload(e.target.files?.[0])} />
      </label>
      <p className="hint">Kept on the machine running Field Kit, readable only by it (mode 0600); a key with a passphrase cannot be used.</p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
