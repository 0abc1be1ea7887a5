// Where photos come in: a drop zone for files and folders, a file picker (several at once), a
// folder picker, and the quality level. Large while the list is empty, a slim bar after.
import { useEffect, useRef, useState, type DragEvent } from 'react';
import type { FiqaLevel } from '../../../../electron/api/photos';
import { IMAGE_EXTENSIONS, fromDrop, fromFileList, fromFolderList, type Collected } from './photo-files';
import { LEVEL_OPTIONS } from './photo-words';

const ACCEPT = ['image/jpeg', 'image/png', 'image/webp', ...IMAGE_EXTENSIONS].join(',');

export interface PhotoPickerProps {
  compact: boolean;
  level: FiqaLevel;
  onLevel(level: FiqaLevel): void;
  onPhotos(c: Collected): void;
}

export function PhotoPicker({ compact, level, onLevel, onPhotos }: PhotoPickerProps) {
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  useEffect(() => {
    // not in React's typings; Chromium and Electron pick a whole folder with it
    folder.current?.setAttribute('webkitdirectory', '');
  }, []);

  // Photos dropped anywhere else on the page are taken too: left alone, the browser would
  // open the file in place of the app (and lose the list).
  const latest = useRef(onPhotos);
  latest.current = onPhotos;
  useEffect(() => {
    const hasFiles = (e: globalThis.DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
    const allow = (e: globalThis.DragEvent) => {
      if (hasFiles(e)) e.preventDefault();
    };
    const take = (e: globalThis.DragEvent) => {
      if (!hasFiles(e) || e.defaultPrevented) return; // the drop zone handled it
      e.preventDefault();
      void fromDrop(e.dataTransfer!).then((c) => latest.current(c));
    };
    window.addEventListener('dragover', allow);
    window.addEventListener('drop', take);
    return () => {
      window.removeEventListener('dragover', allow);
      window.removeEventListener('drop', take);
    };
  }, []);

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void fromDrop(e.dataTransfer).then(onPhotos);
  };
  const onDragOver = (e: DragEvent) => {
    if (!Array.from(e.dataTransfer.types).includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };

  return (
    <section
      className={`card pc-drop${compact ? ' pc-compact' : ''}${over ? ' pc-over' : ''}`}
      aria-label="Add photos"
      data-testid="drop-zone"
      onDragOver={onDragOver}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={onDrop}
    >
      <svg className="pc-drop-icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d="M19 13v6H5v-6H3v6a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-6h-2zm-6-.8 2.6-2.6L17 11l-5 5-5-5 1.4-1.4 2.6 2.6V3h2v9.2z" fill="currentColor" />
      </svg>
      <div className="pc-drop-text">
        <p className="pc-drop-title">{over ? 'Drop to check these photos' : compact ? 'Drop more photos or a folder here' : 'Drop photos or a folder here'}</p>
        <p className="muted">
          JPEG, PNG or WebP, up to 30 MB each; folders are searched, sub-folders included. {compact ? '' : 'Each photo gets the SE3 box’s own quality checks — face size, head pose, sharpness, brightness, whole face, mask — and more, with a fix for every failure.'}
        </p>
      </div>
      <div className="pc-drop-actions">
        <button type="button" className="primary" onClick={() => files.current?.click()}>
          Choose photos…
        </button>
        <button type="button" className="secondary" onClick={() => folder.current?.click()}>
          Choose a folder…
        </button>
        <label className="pc-level">
          <span>Level</span>
          <select name="level" value={level} onChange={(e) => onLevel(e.target.value as FiqaLevel)} aria-label="Quality level">
            {LEVEL_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <input
        ref={files}
        type="file"
        name="photos"
        multiple
        accept={ACCEPT}
        hidden
        onChange={(e) => {
          onPhotos(fromFileList(e.target.files));
          e.target.value = '';
        }}
      />
      <input
        ref={folder}
        type="file"
        name="folder"
        multiple
        hidden
        onChange={(e) => {
          onPhotos(fromFolderList(e.target.files));
          e.target.value = '';
        }}
      />
    </section>
  );
}
