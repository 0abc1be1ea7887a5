// "Add a bundle file…": the technician picks the agent release they were given; it is sent in
// chunks (deploy.uploadBundle) with progress, checked on the server to be a bundle, added to
// the data folder's bundles and chosen.
import { useRef, useState } from 'react';
import type { BundleChoice } from '../../../../electron/api/deploy';
import { api } from '../../api';
import { bytes } from './format';

/** Bytes per call: 4 MiB (base64 on the wire: 5.3 MiB, well under the site's request limit). */
const CHUNK = 4 * 1024 * 1024;
const NAME = /^se3-agent-.+-linux-(arm64|x64)\.tar(\.gz)?$/;

function base64(buf: ArrayBuffer): string {
  const u8 = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return btoa(s);
}

export function BundleUpload(props: { onAdded: (bundle: BundleChoice | undefined) => void | Promise<void> }) {
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<{ name: string; sent: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);

  async function upload(file: File) {
    setError(null);
    setAdded(null);
    if (!NAME.test(file.name)) {
      setError(`“${file.name}” is not named like an agent bundle (se3-agent-<version>-linux-arm64.tar.gz). Choose the release file as you were given it.`);
      return;
    }
    setProgress({ name: file.name, sent: 0, total: file.size });
    try {
      let uploadId: string | undefined;
      let offset = 0;
      let last: BundleChoice | undefined;
      do {
        const slice = file.slice(offset, offset + CHUNK);
        const data = base64(await slice.arrayBuffer());
        const done = offset + slice.size >= file.size;
        const r = await api.call('deploy.uploadBundle', { ...(uploadId ? { uploadId } : {}), fileName: file.name, offset, data, done });
        uploadId = r.uploadId;
        offset = r.received;
        last = r.bundle;
        setProgress({ name: file.name, sent: offset, total: file.size });
      } while (offset < file.size);
      setAdded(file.name);
      await props.onAdded(last);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setProgress(null);
    }
  }

  const pct = progress && progress.total ? Math.round((progress.sent / progress.total) * 100) : 0;
  return (
    <div className="bundle-upload">
      <button type="button" className="secondary" disabled={!!progress} onClick={() => input.current?.click()}>
        Add a bundle file…
      </button>
      <input
        ref={input}
        type="file"
        name="bundleFile"
        accept=".gz,.tar,application/gzip,application/x-tar"
        tabIndex={-1}
        hidden
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void upload(f);
        }}
      />
      {progress && (
        <div className="progress-row" aria-live="polite" data-testid="bundle-upload-progress">
          <div className="progress" role="progressbar" aria-label="Bundle upload" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
            <div className="progress-fill" style={{ width: `${pct}%` }} />
          </div>
          <span className="muted">
            Adding {progress.name}: {bytes(progress.sent)} of {bytes(progress.total)}
          </span>
        </div>
      )}
      {added && !progress && (
        <p className="hint" role="status" data-testid="bundle-upload-done">
          {added} added and chosen.
        </p>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="bundle-upload-error">
          {error}
        </p>
      )}
    </div>
  );
}
