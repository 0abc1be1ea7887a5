// One photo: its thumbnail with face boxes and landmarks, a pass/fail badge, its name and size,
// and the findings (reasons with fix hints, or why it could not be checked).
import { memo, useState } from 'react';
import type { PhotoItem } from './check-store';
import { FaceOverlay } from './FaceOverlay';
import { PhotoFindings } from './PhotoFindings';
import { badgeOf, formatBytes } from './photo-words';

function facts(it: PhotoItem): string {
  const parts: string[] = [];
  const a = it.analysis;
  if (a) parts.push(`${a.image.width}×${a.image.height}`, `${a.data.length} face${a.data.length === 1 ? '' : 's'}`);
  parts.push(formatBytes(it.file.size));
  return parts.join(' · ');
}

export const PhotoCard = memo(function PhotoCard({ item, onRetry }: { item: PhotoItem; onRetry: (id: number) => void }) {
  const [broken, setBroken] = useState(false);
  const badge = badgeOf(item);
  const ext = /\.([^./]{1,6})$/.exec(item.name)?.[1]?.toUpperCase() ?? 'FILE';
  return (
    <article className={`card pc-card pc-${badge.tone}`} data-testid="photo-card" data-status={item.status} aria-label={item.name}>
      <div className="pc-thumb">
        {broken ? (
          <div className="pc-no-preview" aria-hidden="true">
            <span>{ext}</span>
            no preview
          </div>
        ) : (
          <img src={item.url} alt="" loading="lazy" decoding="async" onError={() => setBroken(true)} />
        )}
        {item.analysis && !broken && <FaceOverlay analysis={item.analysis} judged={item.level !== 'no'} />}
        <span className={`pc-badge pc-${badge.tone}`} data-testid="badge">
          {item.status === 'checking' && <span className="pc-mini-spinner" aria-hidden="true" />}
          {badge.label}
        </span>
      </div>
      <div className="pc-body">
        <p className="pc-name" title={item.name}>
          {item.name}
        </p>
        <p className="pc-facts">{facts(item)}</p>
        <PhotoFindings item={item} onRetry={() => onRetry(item.id)} />
      </div>
    </article>
  );
});
