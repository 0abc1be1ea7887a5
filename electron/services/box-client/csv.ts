// The batch file: `host,dev_sno,login_url` per line, header optional, `#` comments and blank
// lines ignored, fields may be double-quoted ("a,b" and "" for a quote). An empty dev_sno or
// login_url cell leaves that value as it is on the box.

export interface CsvRow {
  /** 1-based line number in the file. */
  line: number;
  host: string;
  dev_sno?: string;
  login_url?: string;
  /** Set when the line itself is malformed (the row is reported failed, the rest go on). */
  problem?: string;
}

/** Splits one CSV line into fields (RFC 4180 quoting within a line). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

export function parseConfigCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '' || raw.trim().startsWith('#')) return;
    const fields = splitCsvLine(raw);
    if (rows.length === 0 && fields[0]?.toLowerCase() === 'host') return; // header
    const [host = '', devSno = '', loginUrl = ''] = fields;
    const row: CsvRow = { line, host };
    if (devSno !== '') row.dev_sno = devSno;
    if (loginUrl !== '') row.login_url = loginUrl;
    if (fields.length > 3 && fields.slice(3).some((f) => f !== ''))
      row.problem = `line ${line} has ${fields.length} fields; expected host,dev_sno,login_url (quote values that contain commas)`;
    else if (host === '') row.problem = `line ${line} has no host; expected host,dev_sno,login_url`;
    else if (row.dev_sno === undefined && row.login_url === undefined) row.problem = `line ${line} sets nothing; give a dev_sno, a login_url or both`;
    rows.push(row);
  });
  return rows;
}
