// The batch file: `host,dev_sno,login_url` per line, header optional, `#` comment lines and
// blank lines ignored, fields may be double-quoted ("a,b", "" for a quote, and a quoted value
// may span lines). An empty dev_sno or login_url cell leaves that value as it is on the box.
// Parsed with csv-parse; its errors are turned into one plain sentence with the line number.
import { CsvError, parse } from 'csv-parse/sync';

export interface CsvRow {
  /** 1-based line number in the file where the row starts. */
  line: number;
  host: string;
  dev_sno?: string;
  login_url?: string;
  /** Set when the line itself is malformed (the row is reported failed, the rest go on). */
  problem?: string;
}

const EXPECTED = 'expected host,dev_sno,login_url';
const USE_COMMAS = `separate the values with commas (${EXPECTED}); in a spreadsheet, save as "CSV (comma delimited)"`;

/** The line each record starts on: the first line after `prevEnd` that is neither blank nor a comment. */
function startLine(lines: string[], prevEnd: number): number {
  let n = prevEnd + 1;
  while (n <= lines.length && (lines[n - 1]!.trim() === '' || lines[n - 1]!.trimStart().startsWith('#'))) n++;
  return n;
}

function plainParseError(err: CsvError, line: number): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `line ${line} opens a quote (") that is never closed — close it, or remove it; the lines after it were not read`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `line ${line} has text right after a closing quote — write a quote inside a quoted value as "" (two quotes); the lines after it were not read`;
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return `line ${line} has the wrong number of fields; ${EXPECTED}`;
    default:
      return `line ${line} cannot be read as CSV (${err.message.replace(/\s+at line \d+.*$/, '')}); ${EXPECTED}; the lines after it were not read`;
  }
}

export function parseConfigCsv(text: string): CsvRow[] {
  const body = text.replace(/^\uFEFF/, '');
  const lines = body.split(/\r\n|\n|\r/);
  const records: Array<{ fields: string[]; line: number }> = [];
  let prevEnd = 0;
  let failure: CsvRow | null = null;
  try {
    parse(body, {
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      comment: '#',
      comment_no_infix: true,
      trim: true,
      on_record: (record, context) => {
        records.push({ fields: record, line: startLine(lines, prevEnd) });
        prevEnd = context.lines;
        return null; // nothing is kept by csv-parse itself
      },
    });
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const line = startLine(lines, prevEnd);
    failure = { line, host: '', problem: plainParseError(err, line) };
  }

  const rows: CsvRow[] = [];
  records.forEach(({ fields, line }, i) => {
    if (fields.every((f) => f === '')) return; // a line of bare commas
    if (i === 0 && /^host\s*([,;]|$)/i.test(fields[0] ?? '')) return; // header
    if (fields.length === 1 && fields[0]!.includes(';')) {
      rows.push({ line, host: fields[0]!.split(';')[0]!.trim(), problem: `line ${line} uses semicolons; ${USE_COMMAS}` });
      return;
    }
    const [host = '', devSno = '', loginUrl = ''] = fields;
    const row: CsvRow = { line, host };
    if (devSno !== '') row.dev_sno = devSno;
    if (loginUrl !== '') row.login_url = loginUrl;
    if (fields.length > 3 && fields.slice(3).some((f) => f !== ''))
      row.problem = `line ${line} has ${fields.length} fields; ${EXPECTED} (quote values that contain commas)`;
    else if (host === '') row.problem = `line ${line} has no host; ${EXPECTED}`;
    else if (row.dev_sno === undefined && row.login_url === undefined) row.problem = `line ${line} sets nothing; give a dev_sno, a login_url or both`;
    rows.push(row);
  });
  if (failure) rows.push(failure);
  return rows;
}
