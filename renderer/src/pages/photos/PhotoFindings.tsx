// What a photo's card says under the thumbnail: why it failed and how to fix it, why it could
// not be checked, and every check's measurement on demand.
import type { FiqaEntry } from '../../../../electron/api/photos';
import { BOX_CHECKS, LEVELS } from '../../../../agent/face/levels';
import type { CheckName, CheckResult } from '../../../../agent/face/types';
import type { PhotoItem } from './check-store';
import { CHECK_LABELS, problemTitle, sentence } from './photo-words';

interface Finding {
  /** 1-based face numbers the same reason applies to */
  faces: number[];
  check: CheckResult;
}

/** Whether a check counts at level high (what level `no` compares against). */
const countsAtHigh = (name: CheckName) => (BOX_CHECKS as readonly string[]).includes(name) || (LEVELS.high.enforce as readonly string[]).includes(name);

/**
 * Failed checks: the enforced ones at a judging level; at level `no`, those that would fail at
 * high. The same reason on several faces (e.g. "2 faces in the photo") is listed once.
 */
function findings(data: FiqaEntry[], judged: boolean): Finding[] {
  const out = new Map<string, Finding>();
  data.forEach((d, i) => {
    for (const check of d.checks) {
      if (check.passed || !(judged ? check.enforced : countsAtHigh(check.name))) continue;
      const key = `${check.name}\u0000${check.reason}`;
      const f = out.get(key);
      if (f) f.faces.push(i + 1);
      else out.set(key, { faces: [i + 1], check });
    }
  });
  return [...out.values()];
}

function FindingList({ items, faceCount, tone }: { items: Finding[]; faceCount: number; tone: 'fail' | 'info' }) {
  return (
    <ul className={`pc-findings pc-${tone}`}>
      {items.map(({ faces, check }) => (
        <li key={`${faces.join()}-${check.name}`}>
          <p className="pc-reason">
            {faceCount > 1 && faces.length < faceCount && <span className="pc-face-no">Face {faces.join(', ')}: </span>}
            {sentence(check.reason ?? CHECK_LABELS[check.name])}
          </p>
          {check.hint && <p className="pc-fix">Fix: {check.hint}</p>}
        </li>
      ))}
    </ul>
  );
}

const r2 = (v: number) => String(Math.round(v * 100) / 100);

/** A check's measured value in words and units. */
function shown(c: CheckResult): string {
  const v = c.value;
  switch (c.name) {
    case 'face_size':
    case 'inter_eye_distance':
      return `${v} px`;
    case 'partial':
      return v ? 'cut off' : 'whole';
    case 'occlusion': {
      const hidden = ['eyes', 'nose', 'mouth'].filter((_, i) => String(v).split(',')[i] !== 'true');
      return hidden.length ? `${hidden.join(', ')} hidden` : 'all visible';
    }
    case 'single_face':
      return `${v} face${v === 1 ? '' : 's'}`;
    case 'dynamic_range':
      return `${typeof v === 'number' ? v.toFixed(1) : v} bits`;
    case 'compression':
      return `quality ${v}`;
    default:
      return typeof v === 'number' ? r2(v) : String(v);
  }
}

function Measurements({ data, judged }: { data: FiqaEntry[]; judged: boolean }) {
  return (
    <details className="pc-measurements">
      <summary>All checks{data.length > 1 ? ` (${data.length} faces)` : ''}</summary>
      {data.map((d, i) => (
        <table key={i} className="pc-checks">
          {data.length > 1 && <caption>Face {i + 1}</caption>}
          <tbody>
            {d.checks.map((c) => {
              const counts = judged ? c.enforced : countsAtHigh(c.name);
              const mark = c.passed ? 'ok' : counts ? 'bad' : 'note';
              return (
                <tr key={c.name} className={`pc-${mark}`}>
                  <td className="pc-mark" aria-label={c.passed ? 'passed' : counts ? 'failed' : 'advice'}>
                    {c.passed ? '✓' : counts ? '✕' : '!'}
                  </td>
                  <th scope="row">
                    {CHECK_LABELS[c.name]}
                    <span className="pc-req">{c.requirement}</span>
                  </th>
                  <td className="pc-value">{shown(c)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ))}
      <p className="hint">{judged ? '✕ counts against the photo at this level; ! is advice only.' : 'Compared with level high: ✕ would fail it there; ! is advice only.'}</p>
    </details>
  );
}

export function PhotoFindings({ item, onRetry }: { item: PhotoItem; onRetry: () => void }) {
  if (item.status === 'error' && item.error) {
    const e = item.error;
    return (
      <div className="pc-findings-block" role="status">
        <p className="pc-problem">{problemTitle(e.code, e.message)}</p>
        <p className="pc-detail">
          {sentence(e.message)} <span className="pc-code">({e.code})</span>
        </p>
        {e.hint && <p className="pc-fix">Fix: {e.hint}</p>}
        {typeof e.code !== 'number' && (
          <button className="secondary pc-small" onClick={onRetry}>
            Check again
          </button>
        )}
      </div>
    );
  }
  const a = item.analysis;
  if (!a) return <p className="muted pc-findings-block">{item.status === 'checking' ? 'Checking the face quality…' : 'Waiting to be checked…'}</p>;
  const judged = item.level !== 'no';
  const found = findings(a.data, judged);
  return (
    <div className="pc-findings-block">
      {item.status === 'failed' && <FindingList items={found} faceCount={a.data.length} tone="fail" />}
      {item.status === 'passed' && <p className="pc-all-good">All checks passed at level {item.level}.</p>}
      {item.status === 'measured' && (
        <>
          <p className="muted">Not judged (level no).{found.length ? ' At level high it would fail on:' : ' It would pass at level high.'}</p>
          {found.length > 0 && <FindingList items={found} faceCount={a.data.length} tone="info" />}
        </>
      )}
      <Measurements data={a.data} judged={judged} />
    </div>
  );
}
