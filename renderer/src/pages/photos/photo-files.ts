// Getting photos into the page: from the file picker, the folder picker and drag-and-drop
// (files and whole folders), and reading one as base64 for the photos.check call.
// As with `se3kit fiqa`: files named one by one are checked whatever their extension; inside
// folders only .jpg .jpeg .png .webp are taken.

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];

/** A file and the name the page shows and exports (folder-relative path when from a folder). */
export interface NamedFile {
  file: File;
  name: string;
}

export interface Collected {
  files: NamedFile[];
  /** Files inside folders that were left out because they are not photos. */
  skipped: number;
}

export function isPhotoName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

const byName = (a: NamedFile, b: NamedFile) => a.name.localeCompare(b.name);

/** Files chosen one by one (file input). */
export function fromFileList(list: FileList | null): Collected {
  return { files: Array.from(list ?? [], (file) => ({ file, name: file.name })), skipped: 0 };
}

/** Files of a chosen folder (webkitdirectory input): photos only, by path. */
export function fromFolderList(list: FileList | null): Collected {
  const all = Array.from(list ?? [], (file) => ({ file, name: file.webkitRelativePath || file.name }));
  const files = all.filter((f) => isPhotoName(f.name)).sort(byName);
  return { files, skipped: all.length - files.length };
}

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries answers in batches (about 100 at a time) until it answers an empty one
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) return resolve(out);
        out.push(...batch);
        next();
      }, reject);
    next();
  });
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(dir: FileSystemDirectoryEntry, into: Collected): Promise<void> {
  for (const entry of await readAll(dir.createReader())) {
    if (entry.isDirectory) await walk(entry as FileSystemDirectoryEntry, into);
    else if (entry.isFile) {
      const name = entry.fullPath.replace(/^\//, '');
      if (isPhotoName(name)) into.files.push({ file: await entryFile(entry as FileSystemFileEntry), name });
      else into.skipped++;
    }
  }
}

/**
 * What was dropped: files as they are, folders searched recursively for photos. The entries
 * must be taken from the DataTransfer synchronously, in the drop handler itself.
 */
export function fromDrop(data: DataTransfer): Promise<Collected> {
  const dirs: FileSystemDirectoryEntry[] = [];
  const loose: NamedFile[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.() ?? null;
    if (entry?.isDirectory) dirs.push(entry as FileSystemDirectoryEntry);
    else {
      const file = item.getAsFile();
      if (file) loose.push({ file, name: file.name });
    }
  }
  if (data.items.length === 0) loose.push(...fromFileList(data.files).files);
  return (async () => {
    const inFolders: Collected = { files: [], skipped: 0 };
    for (const d of dirs) await walk(d, inFolders);
    return { files: [...loose, ...inFolders.files.sort(byName)], skipped: inFolders.skipped };
  })();
}

/** The file's bytes as base64 (no data: prefix). */
export function readBase64(file: File): Promise<string> {
  if (file.size === 0) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result ?? '');
      const comma = url.indexOf(',');
      resolve(comma >= 0 ? url.slice(comma + 1) : '');
    };
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}
