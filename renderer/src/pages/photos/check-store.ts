// The Photo Check page's state, outside React so it survives switching pages: the photos
// added, each one's outcome, the level, and the queue that sends them to photos.check one
// photo per call with a few in flight (results arrive one by one; the face work runs in the
// service's worker threads, so the page stays responsive).
import { useSyncExternalStore } from 'react';
import { PHOTO_MAX_BYTES, type FiqaAnalysis, type FiqaLevel, type PhotoCheckOutcome, type PhotoCheckRequest } from '../../../../electron/api/photos';
import { api, ApiCallError } from '../../api';
import { readBase64, type Collected } from './photo-files';

/** Photos in flight at once: enough to keep the service's two workers busy (each holds two). */
export const PARALLEL_CHECKS = 4;

export type PhotoStatus = 'waiting' | 'checking' | 'passed' | 'failed' | 'measured' | 'error';

/** Why a photo has no result: a §8 code from the engine, or the page's own ('read', 'network'...). */
export interface PhotoProblem {
  code: number | string;
  message: string;
  hint?: string;
}

export interface PhotoItem {
  id: number;
  /** file name, or its path inside the folder it came from */
  name: string;
  file: File;
  /** object URL of the file, for the thumbnail */
  url: string;
  /** the level it is (being) checked at */
  level: FiqaLevel;
  status: PhotoStatus;
  analysis?: FiqaAnalysis;
  error?: PhotoProblem;
}

export interface PhotoCheckState {
  items: PhotoItem[];
  level: FiqaLevel;
  /** What the last addition left out, in a sentence (or null). */
  notice: string | null;
}

export type CheckPhoto = (params: PhotoCheckRequest) => Promise<PhotoCheckOutcome>;

const MB = 1024 * 1024;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One photo from file to outcome; never throws (every problem becomes the photo's error). */
async function checkFile(file: File, level: FiqaLevel, check: CheckPhoto): Promise<Pick<PhotoItem, 'status' | 'analysis' | 'error'>> {
  if (file.size > PHOTO_MAX_BYTES) {
    // refused before reading: a huge file never gets into memory or onto the wire
    return {
      status: 'error',
      error: {
        code: 40007,
        message: `image file too large: ${(file.size / MB).toFixed(1)} MB, limit ${PHOTO_MAX_BYTES / MB} MB`,
        hint: 'export the photo as JPEG at a smaller size (e.g. 1920 px on the long side)',
      },
    };
  }
  let data: string;
  try {
    data = await readBase64(file);
  } catch (err) {
    return { status: 'error', error: { code: 'read', message: `the file could not be read: ${(err as Error).message}`, hint: 'choose it again; it may have been moved or deleted' } };
  }
  try {
    const out = await check({ data, level });
    if (!out.ok) return { status: 'error', error: out.error };
    return { status: level === 'no' ? 'measured' : out.analysis.passed ? 'passed' : 'failed', analysis: out.analysis };
  } catch (err) {
    const code = err instanceof ApiCallError && err.code !== undefined ? err.code : 'api';
    return { status: 'error', error: { code, message: (err as Error).message, hint: 'check the connection to Field Kit, then press Check again' } };
  }
}

export class PhotoCheckStore {
  private state: PhotoCheckState = { items: [], level: 'high', notice: null };
  private readonly listeners = new Set<() => void>();
  private readonly queue: number[] = [];
  /** The run each in-flight photo belongs to; an answer for an older run is dropped. */
  private readonly runs = new Map<number, number>();
  private nextId = 1;
  private nextRun = 1;
  private active = 0;

  constructor(private readonly check: CheckPhoto) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): PhotoCheckState => this.state;

  private set(patch: Partial<PhotoCheckState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of [...this.listeners]) l();
  }

  private patchItem(id: number, patch: Partial<PhotoItem>): void {
    this.set({ items: this.state.items.map((it) => (it.id === id ? { ...it, ...patch } : it)) });
  }

  /** Adds photos (the same file twice is added once) and queues them. */
  add(collected: Collected): void {
    const key = (f: File, name: string) => `${name}\u0000${f.size}\u0000${f.lastModified}`;
    const known = new Set(this.state.items.map((it) => key(it.file, it.name)));
    const added: PhotoItem[] = [];
    let repeated = 0;
    for (const { file, name } of collected.files) {
      const k = key(file, name);
      if (known.has(k)) {
        repeated++;
        continue;
      }
      known.add(k);
      added.push({ id: this.nextId++, name, file, url: URL.createObjectURL(file), level: this.state.level, status: 'waiting' });
    }
    const notes = [
      collected.skipped ? `Skipped ${plural(collected.skipped, 'file')} in the folder that ${collected.skipped === 1 ? 'is' : 'are'} not a photo (.jpg, .jpeg, .png, .webp).` : '',
      repeated ? `${plural(repeated, 'photo was', 'photos were')} already in the list.` : '',
      collected.files.length === 0 && !collected.skipped ? 'Nothing to check: no files were chosen.' : '',
    ].filter(Boolean);
    this.set({ items: [...this.state.items, ...added], notice: notes.length ? notes.join(' ') : null });
    this.queue.push(...added.map((it) => it.id));
    this.pump();
  }

  /** Changes the level and checks every photo again at it. */
  setLevel(level: FiqaLevel): void {
    if (level === this.state.level) return;
    this.runs.clear();
    this.queue.length = 0;
    const items = this.state.items.map((it): PhotoItem => ({ id: it.id, name: it.name, file: it.file, url: it.url, level, status: 'waiting' }));
    this.set({ level, items });
    this.queue.push(...items.map((it) => it.id));
    this.pump();
  }

  /** Checks one photo again (after a connection problem). */
  retry(id: number): void {
    const it = this.state.items.find((x) => x.id === id);
    if (!it || it.status === 'waiting' || it.status === 'checking') return;
    this.patchItem(id, { status: 'waiting', level: this.state.level, analysis: undefined, error: undefined });
    this.queue.push(id);
    this.pump();
  }

  /** Removes every photo (answers still on their way are dropped). */
  clear(): void {
    for (const it of this.state.items) URL.revokeObjectURL(it.url);
    this.runs.clear();
    this.queue.length = 0;
    this.set({ items: [], notice: null });
  }

  private pump(): void {
    while (this.active < PARALLEL_CHECKS && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const item = this.state.items.find((it) => it.id === id);
      if (!item || item.status !== 'waiting') continue;
      const run = this.nextRun++;
      this.runs.set(id, run);
      this.active++;
      this.patchItem(id, { status: 'checking' });
      void checkFile(item.file, item.level, this.check)
        .then((outcome) => {
          if (this.runs.get(id) !== run) return; // level changed or list cleared meanwhile
          this.runs.delete(id);
          this.patchItem(id, outcome);
        })
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
  }
}

/** The page's one store (module-level: the checks go on while another page is shown). */
export const photoChecks = new PhotoCheckStore((params) => api.call('photos.check', params));

export function usePhotoChecks(): PhotoCheckState {
  return useSyncExternalStore(photoChecks.subscribe, photoChecks.getSnapshot);
}

export interface PhotoCounts {
  total: number;
  done: number;
  passed: number;
  failed: number;
  measured: number;
  errors: number;
}

export function countPhotos(items: readonly PhotoItem[]): PhotoCounts {
  const c: PhotoCounts = { total: items.length, done: 0, passed: 0, failed: 0, measured: 0, errors: 0 };
  for (const it of items) {
    if (it.status === 'passed') c.passed++;
    else if (it.status === 'failed') c.failed++;
    else if (it.status === 'measured') c.measured++;
    else if (it.status === 'error') c.errors++;
  }
  c.done = c.passed + c.failed + c.measured + c.errors;
  return c;
}

/** Failed or could not be checked: what "Failures only" shows. */
export const isFailure = (it: PhotoItem): boolean => it.status === 'failed' || it.status === 'error';
