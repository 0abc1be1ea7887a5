// Batch configuration: one CSV, many boxes, bounded concurrency, one outcome per row. A row
// that fails (bad line, bad value, box unreachable) is reported and the others go on.
import { CONFIG_API_PORT } from '../../../agent/protocol';
import type { BatchReport, BatchRowOutcome } from '../../api/boxes';
import type { BoxClient } from './box-client';
import { parseConfigCsv } from './csv';
import { mapLimit } from '../discovery/probe';

export interface BatchOptions {
  /** Boxes configured at once (default 8). */
  concurrency?: number;
  /** Called as each row finishes (for live progress). */
  onRow?: (row: BatchRowOutcome) => void;
}

export async function configureCsv(client: BoxClient, csv: string, opts: BatchOptions = {}): Promise<BatchReport> {
  const rows = parseConfigCsv(csv);
  const outcomes: BatchRowOutcome[] = [];
  // Rows naming the same box run one after the other, in file order.
  const chains = new Map<string, Promise<void>>();
  await mapLimit(rows, opts.concurrency ?? 8, async (row) => {
    const key = row.host.trim().toLowerCase();
    const before = chains.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    chains.set(key, before.then(() => mine));
    await before;
    try {
      const outcome: BatchRowOutcome = row.problem
        ? { line: row.line, host: row.host, port: CONFIG_API_PORT, ok: false, error: row.problem }
        : { line: row.line, ...(await client.configure({ host: row.host, dev_sno: row.dev_sno, login_url: row.login_url })) };
      outcomes.push(outcome);
      opts.onRow?.(outcome);
    } finally {
      release();
    }
  });
  outcomes.sort((a, b) => a.line - b.line);
  const ok = outcomes.filter((o) => o.ok).length;
  return { rows: outcomes, ok, failed: outcomes.length - ok };
}
