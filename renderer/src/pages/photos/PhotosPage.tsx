// The Photo Check page: add photos (drop, files, folder), check their face quality at a level,
// see each photo with its face boxes, badge, reasons and fix hints, filter to the failures and
// export the results as CSV. The checks run in the service's worker threads; the page sends
// one photo per call, a few at a time, and shows results as they arrive.
import { useCallback, useMemo } from 'react';
import { createPageStore, usePageStore } from '../../page-store';
import { CheckToolbar } from './CheckToolbar';
import { countPhotos, isFailure, photoChecks, usePhotoChecks } from './check-store';
import { csvFileName, downloadText, photosCsv } from './export-csv';
import { PhotoCard } from './PhotoCard';
import { PhotoPicker } from './PhotoPicker';
import './photos.css';

/** The page's view choices (the photos themselves live in check-store.ts); kept across pages. */
const photosView = createPageStore({ failuresOnly: false });
const setFailuresOnly = (on: boolean) => photosView.set({ failuresOnly: on });

export function PhotosPage() {
  const { items, level, notice } = usePhotoChecks();
  const { failuresOnly } = usePageStore(photosView);
  const counts = useMemo(() => countPhotos(items), [items]);
  const shown = useMemo(() => (failuresOnly ? items.filter(isFailure) : items), [items, failuresOnly]);
  const exportable = shown.filter((it) => it.analysis || it.error).length;
  const retry = useCallback((id: number) => photoChecks.retry(id), []);

  return (
    <div className="page photos-page">
      <PhotoPicker compact={items.length > 0} level={level} onLevel={(l) => photoChecks.setLevel(l)} onPhotos={(c) => photoChecks.add(c)} />
      {level === 'no' && (
        <div className="banner warn" role="note">
          Level “no” measures without judging: nothing passes or fails, and each photo shows how it would fare at level high.
        </div>
      )}
      {notice && (
        <div className="banner warn" role="status">
          {notice}
        </div>
      )}
      {items.length > 0 && (
        <CheckToolbar
          counts={counts}
          failuresOnly={failuresOnly}
          exportable={exportable}
          onFailuresOnly={setFailuresOnly}
          onExport={() => downloadText(photosCsv(shown), csvFileName({ failuresOnly, level }))}
          onClear={() => {
            photoChecks.clear();
            setFailuresOnly(false);
          }}
        />
      )}
      {items.length > 0 && shown.length === 0 && (
        <div className="card empty">
          <p className="empty-title">{counts.done < counts.total ? 'No failures so far' : 'No failures'}</p>
          <p>
            {counts.done < counts.total
              ? 'Photos that fail or cannot be read appear here as they are checked.'
              : level === 'no'
                ? 'Level “no” judges nothing; every photo could be read and measured.'
                : 'Every photo passed at this level.'}
          </p>
        </div>
      )}
      {shown.length > 0 && (
        <section className="pc-grid" aria-label="Checked photos">
          {shown.map((it) => (
            <PhotoCard key={it.id} item={it} onRetry={retry} />
          ))}
        </section>
      )}
    </div>
  );
}
