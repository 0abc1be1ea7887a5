// Small pieces the People page and the person editor share: reading a file as base64, a photo
// thumbnail fetched through the API, and a FIQA verdict with its reasons.
import { useEffect, useState } from 'react';
import type { PhotoVerdictView } from '../../../../electron/api/platform';
import { api } from '../../api';

export function toBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error(`cannot read ${file.name}`));
    r.readAsDataURL(file);
  });
}

export function Thumb({ sha256, large = false }: { sha256: string | undefined; large?: boolean }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    if (sha256) void api.call('platform.people.photo', { sha256 }).then((p) => live && setSrc(`data:${p.type};base64,${p.data}`), () => undefined);
    return () => {
      live = false;
    };
  }, [sha256]);
  const cls = large ? 'thumb large' : 'thumb';
  return src ? <img className={cls} src={src} alt="" /> : <span className={cls} aria-hidden="true" />;
}

/**
 * A photo's verdict. `sent`: whether the person is sent with this photo (their best) — a failing
 * one then says the person is not sent and what to do; a failing photo that is not the best says
 * it is not used.
 */
export function Verdict({ v, sent }: { v: PhotoVerdictView | undefined; sent?: boolean }) {
  if (!v) return <span className="tag warn">no photo</span>;
  return (
    <div>
      <span className={`tag ${v.passed ? 'ok' : 'bad'}`}>{v.passed ? `photo ok · ${v.score.toFixed(2)}` : 'photo fails the check'}</span>
      {!v.passed && sent === true && <div className="verdict-todo">Not sent to the boxes (they would refuse it): replace the photo.</div>}
      {!v.passed && sent === false && <div className="muted">Not used: the person's best photo is sent.</div>}
      {!v.passed && (
        <ul className="verdict-reasons">
          {v.reasons.map((r, i) => (
            <li key={i}>
              {r.reason}
              {r.hint ? <span className="muted"> — {r.hint}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export const PERSON_TYPES: Array<[number, string]> = [
  [1, 'staff'],
  [2, 'visitor'],
  [3, 'blacklist'],
  [4, 'stranger'],
  [5, 'VIP'],
];
