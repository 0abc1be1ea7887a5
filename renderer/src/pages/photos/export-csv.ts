// "Export CSV": the photos' outcomes in the same CSV as `se3kit fiqa --csv` (one shared
// implementation, electron/fiqa/csv.ts), saved as a download.
import { csvDocument, type CsvOutcome } from '../../../../electron/fiqa/csv';
import type { PhotoItem } from './check-store';

/** The checked photos among `items`, in order, as CSV (photos still waiting are left out). */
export function photosCsv(items: readonly PhotoItem[]): string {
  const outcomes: CsvOutcome[] = [];
  for (const it of items) {
    if (it.analysis) outcomes.push({ file: it.name, result: it.analysis });
    else if (it.error) outcomes.push({ file: it.name, error: it.error });
  }
  return csvDocument(outcomes);
}

/**
 * `photo-check-<level>-<date>-<time>.csv`, or `photo-check-failures-…` for the failures only:
 * the two exports never share a name (nor do two exports a second apart).
 */
export function csvFileName(opts: { failuresOnly?: boolean; level?: string } = {}, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const level = opts.level ? `-${opts.level.replace(/[^a-z0-9-]/gi, '')}` : '';
  return `photo-check${opts.failuresOnly ? '-failures' : ''}${level}-${stamp}.csv`;
}

export function downloadText(text: string, fileName: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
