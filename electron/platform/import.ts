// CSV import of people (csv-parse): a header row naming the columns id, name and optionally
// groups (separated by ; or |), photo (a file name in the photo folder; several separated by ;),
// type. Quoted fields may hold commas and newlines. Continues past bad rows and says which.
import { isAbsolute, join, resolve, sep } from 'node:path';
import { stat } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { ImportReport } from '../api/platform';
import type { PlatformService } from './service';

export async function importPeople(
  platform: PlatformService,
  csv: string,
  photosDir: string | undefined,
  read: (path: string) => Promise<Buffer>,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportReport> {
  const report: ImportReport = { added: 0, updated: 0, failed: [], photoFailed: [], summary: '' };
  const done = (): ImportReport => ({ ...report, summary: importSummary(report) });
  const HEADER = 'the CSV needs a header row with at least the columns id and name (optional: groups, photo, type)';
  const SEPARATOR = 'the CSV separates its columns with semicolons or tabs: separate them with commas (id,name,groups,photo,type); in a spreadsheet, save as "CSV (comma delimited)"';
  let rows: Array<{ record: Record<string, string>; line: number }>;
  try {
    const columns = (h: string[]) => {
      const cols = h.map((c) => c.trim().toLowerCase());
      if (!cols.includes('id') || !cols.includes('name')) throw new Error(cols.length === 1 && /[;\t]/.test(cols[0]!) ? SEPARATOR : HEADER);
      return cols;
    };
    rows = (parse(csv, { columns, skip_empty_lines: true, trim: true, bom: true, info: true }) as Array<{ record: Record<string, string>; info: { lines: number } }>).map((r) => ({
      record: r.record,
      line: r.info.lines,
    }));
  } catch (err) {
    const message = (err as Error).message;
    report.failed.push({
      line: (err as { lines?: number }).lines ?? 1,
      id: null,
      error: `${[HEADER, SEPARATOR].find((m) => message.includes(m)) ?? `the CSV cannot be read (${message})`}; nothing was imported: fix the file and import it again`,
    });
    return done();
  }
  if (photosDir && rows.some((r) => r.record.photo?.trim()) && !(await isFolder(photosDir))) {
    report.failed.push({ line: 1, id: null, error: `the photo folder ${photosDir} is not a folder on the computer running Field Kit; nothing was imported: give the folder the photos are in` });
    return done();
  }
  let n = 0;
  const firstLine = new Map<string, number>(); // an id twice in one file is a mistake, not an update
  for (const { record, line } of rows) {
    const id = record.id ?? '';
    try {
      const first = id ? firstLine.get(id) : undefined;
      if (first !== undefined) throw new Error(`the id ${id} is also on line ${first} of this file; each person once per file: this row was not imported (merge the two rows, or give this person another id, and import again)`);
      if (id) firstLine.set(id, line);
      // no groups column: a re-imported person keeps the groups it has
      const groups = record.groups === undefined ? undefined : record.groups.split(/[;|]/).map((g) => g.trim()).filter(Boolean);
      const photos: Buffer[] = [];
      for (const name of (record.photo ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
        if (!photosDir) throw new Error(`a photo is named (${name}) but no photo folder was given`);
        const base = resolve(photosDir);
        const path = resolve(base, name);
        if (isAbsolute(name) || !(path + sep).startsWith(base + sep)) throw new Error(`the photo ${name} is outside the photo folder`);
        photos.push(await read(join(path)).catch(() => Promise.reject(new Error(`the photo ${name} is not in ${photosDir}`))));
      }
      const type = record.type ? Number(record.type) : undefined;
      // one transaction per row: the person, its photos and the groups it names that do not exist
      // yet (a row that fails adds no group); added or updated as decided under the write lock
      const outcome: { created?: boolean } = {};
      const view = await platform.savePerson({ id, name: record.name ?? '', type, groups }, { update: true, photos, createGroups: true, outcome });
      if (outcome.created) report.added++;
      else report.updated++;
      const best = view.photos[0];
      if (best && !best.verdict.passed) report.photoFailed.push({ id, message: best.verdict.message });
    } catch (err) {
      report.failed.push({ line, id: id || null, error: (err as Error).message });
    }
    onProgress?.(++n, rows.length);
  }
  return done();
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

/** The import's one-line summary, e.g. "2 added, 0 updated, 1 row failed, 1 photo fails the check". */
function importSummary(r: ImportReport): string {
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  return `${r.added} added, ${r.updated} updated, ${n(r.failed.length, 'row failed', 'rows failed')}, ${n(r.photoFailed.length, 'photo fails the check', 'photos fail the check')}`;
}
