// Photo check results as CSV, one row per face (one row for a photo that could not be checked).
// The one implementation behind `se3kit fiqa --csv` and the Photo Check page's export. Types
// only, no runtime imports: the renderer bundles this file.
import type { FiqaAnalysis } from '../../agent/face/types';

/** One checked photo: its analysis, or the error that stopped it. */
export interface CsvOutcome {
  /** the name shown in the `file` column (a path on the CLI, the file or folder-relative path in the UI) */
  file: string;
  result?: FiqaAnalysis;
  /** a §8 code, or the UI's own code when the photo never reached the engine (e.g. 'network') */
  error?: { code: number | string; message: string; hint?: string };
}

export const CSV_HEADER = [
  'file', 'face', 'fiqa_result', 'fails', 'bbox', 'face_size', 'inter_eye_distance', 'yaw', 'pitch', 'roll', 'clarity', 'brightness',
  'mask', 'partial', 'occlusion', 'eyes_open', 'mouth_open', 'under_exposure', 'over_exposure', 'jpeg_quality', 'age', 'sex', 'reasons', 'error_code', 'error', 'level',
];

/**
 * One CSV cell (RFC 4180 quoting, CR included). A text cell that a spreadsheet would run as a
 * formula (starting with = + - @, or a tab or CR) gets a leading apostrophe, so a photo named
 * `=HYPERLINK(…).jpg` shows as text; numbers, negative ones included, stay numbers.
 */
export const csvCell = (v: unknown): string => {
  let s = String(v ?? '');
  const isNumber = typeof v === 'number' || /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s);
  if (!isNumber && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The CSV lines (without newline) of one photo: one per face, or one error line. */
export function csvRows(o: CsvOutcome): string[] {
  if (o.error) return [[o.file, '', 'false', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', '', o.error.hint ?? '', o.error.code, o.error.message, ''].map(csvCell).join(',')];
  return o.result!.data.map((d, i) =>
    [
      o.file, i + 1, d.fiqa_result, d.fails.join(' '), d.bbox.join(' '), d.info.face_size, d.measures.inter_eye_distance,
      d.info.headpose.yaw_angle, d.info.headpose.pitch_angle, d.info.headpose.roll_angle, d.info.clarity, d.info.brightness, d.info.mask,
      d.info.partial, d.info.occlusion.join(' '), d.measures.eyes_open, d.measures.mouth_open, d.measures.under_exposure, d.measures.over_exposure,
      d.measures.compression, d.attributes?.age ?? '', d.attributes?.sex ?? '',
      d.checks.filter((c) => !c.passed && c.enforced).map((c) => `${c.reason} (${c.hint})`).join('; '), 0, '', d.level,
    ].map(csvCell).join(','),
  );
}

/** A whole CSV document: the header, then every photo's rows, each line ending in "\n". */
export function csvDocument(outcomes: Iterable<CsvOutcome>): string {
  const lines = [CSV_HEADER.join(',')];
  for (const o of outcomes) lines.push(...csvRows(o));
  return lines.map((l) => `${l}\n`).join('');
}
