// CSV import of people (csv-parse): a header row naming the columns id, name and optionally
// groups (separated by ; or |), photo (a file name in the photo folder; several separated by ;),
// type. Quoted fields may hold commas and newlines. Continues past bad rows and says which.
import { isAbsolute, join, resolve, sep } from 'node:path';
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
  const report: ImportReport = { added: 0, updated: 0, failed: [], photoFailed: [] };
  let rows: Array<{ record: Record<string, string>; line: number }>;
  try {
    rows = (parse(csv, { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, info: true }) as Array<{ record: Record<string, string>; info: { lines: number } }>).map(
      (r) => ({ record: r.record, line: r.info.lines }),
    );
  } catch (err) {
    report.failed.push({ line: (err as { lines?: number }).lines ?? 0, id: null, error: `the CSV cannot be read: ${(err as Error).message}` });
    return report;
  }
  if (rows.length > 0 && !('id' in rows[0]!.record && 'name' in rows[0]!.record)) {
    report.failed.push({ line: 1, id: null, error: 'the CSV needs a header row with at least the columns id and name (optional: groups, photo, type)' });
    return report;
  }
  const existingGroups = new Set((await platform.listGroups()).map((g) => g.name));
  let done = 0;
  for (const { record, line } of rows) {
    const id = record.id ?? '';
    try {
      const groups = (record.groups ?? '').split(/[;|]/).map((g) => g.trim()).filter(Boolean);
      for (const g of groups) {
        if (!existingGroups.has(g)) {
          await platform.addGroup(g);
          existingGroups.add(g);
        }
      }
      const photos: Buffer[] = [];
      for (const name of (record.photo ?? '').split(';').map((s) => s.trim()).filter(Boolean)) {
        if (!photosDir) throw new Error(`a photo is named (${name}) but no photo folder was given`);
        const base = resolve(photosDir);
        const path = resolve(base, name);
        if (isAbsolute(name) || !(path + sep).startsWith(base + sep)) throw new Error(`the photo ${name} is outside the photo folder`);
        photos.push(await read(join(path)).catch(() => Promise.reject(new Error(`the photo ${name} is not in ${photosDir}`))));
      }
      const type = record.type ? Number(record.type) : undefined;
      let existed = true;
      await platform.getPerson(id).catch(() => (existed = false));
      const view = await platform.savePerson({ id, name: record.name ?? '', type, groups }, { update: true, photos });
      if (existed) report.updated++;
      else report.added++;
      const best = view.photos[0];
      if (best && !best.verdict.passed) report.photoFailed.push({ id, message: best.verdict.message });
    } catch (err) {
      report.failed.push({ line, id: id || null, error: (err as Error).message });
    }
    onProgress?.(++done, rows.length);
  }
  return report;
}
