// Batch configuration: one CSV, many boxes, bounded concurrency, one outcome per row. Every
// row is resolved to a box address first; two rows that reach the same box (say an IP row and
// a MAC row) are refused together as a conflict naming both lines, and a MAC that matches two
// boxes is reported as ambiguous — nothing is sent for those rows. A row that fails (bad line,
// bad value, box unreachable) is reported and the others go on.
import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { CONFIG_API_PORT, devSnoProblem, loginUrlProblem } from '../../../agent/protocol';
import type { BatchReport, BatchRowOutcome } from '../../api/boxes';
import type { BoxClient } from './box-client';
import { parseConfigCsv, type CsvRow } from './csv';
import { parseTarget } from './target';
import { mapLimit } from '../discovery/probe';

export interface BatchOptions {
  /** Boxes configured at once (default 8). */
  concurrency?: number;
  /** Called as each row finishes (for live progress). */
  onRow?: (row: BatchRowOutcome) => void;
}

type Resolved = { row: CsvRow; at: { host: string; port: number } } | { row: CsvRow; error: string };

/** Where a row's box is; a host name is looked up so that two names for one box are seen as one. */
async function resolveRow(client: BoxClient, row: CsvRow): Promise<Resolved> {
  try {
    const at = await client.resolve(row.host);
    if (isIPv4(at.host)) return { row, at };
    const ip = await lookup(at.host, { family: 4 }).then(
      (r) => r.address,
      () => null,
    );
    return { row, at: ip ? { host: ip, port: at.port } : at };
  } catch (err) {
    return { row, error: (err as Error).message };
  }
}

function unresolvedOutcome(row: CsvRow, error: string): BatchRowOutcome {
  let host = row.host;
  let port = CONFIG_API_PORT;
  try {
    const t = parseTarget(row.host);
    host = t.kind === 'mac' ? t.mac : t.host;
    port = t.port ?? CONFIG_API_PORT;
  } catch {
    /* keep the text as written */
  }
  return { line: row.line, host, port, target: row.host, unresolved: true, ok: false, error };
}

export async function configureCsv(client: BoxClient, csv: string, opts: BatchOptions = {}): Promise<BatchReport> {
  const rows = parseConfigCsv(csv);
  const outcomes: BatchRowOutcome[] = [];
  const report = (o: BatchRowOutcome) => {
    outcomes.push(o);
    opts.onRow?.(o);
  };

  // 1. Values are checked first (a row with a bad value reaches no box); then every
  //    well-formed row is resolved (MACs through discovery / the neighbour table).
  const resolved: Resolved[] = [];
  for (const row of rows) {
    if (row.problem) continue;
    const bad = [row.dev_sno !== undefined ? devSnoProblem(row.dev_sno) : null, row.login_url !== undefined ? loginUrlProblem(row.login_url) : null].filter(Boolean);
    if (bad.length) row.problem = `${bad.join('; ')} — nothing was sent to the box`;
  }
  await mapLimit(
    rows.filter((r) => !r.problem),
    16,
    async (row) => void resolved.push(await resolveRow(client, row)),
  );
  for (const row of rows) if (row.problem) report(unresolvedOutcome(row, row.problem));

  // 2. Rows that reach the same box conflict: all of them are refused, naming each other.
  const byBox = new Map<string, Array<Extract<Resolved, { at: unknown }>>>();
  for (const r of resolved) {
    if ('error' in r) {
      report(unresolvedOutcome(r.row, r.error));
      continue;
    }
    const key = `${r.at.host}:${r.at.port}`;
    byBox.set(key, [...(byBox.get(key) ?? []), r]);
  }
  const runnable: Array<Extract<Resolved, { at: unknown }>> = [];
  for (const [key, group] of byBox) {
    if (group.length === 1) {
      runnable.push(group[0]!);
      continue;
    }
    group.sort((a, b) => a.row.line - b.row.line);
    const lines = group.map((g) => `line ${g.row.line} (${g.row.host})`);
    const both = lines.length === 2 ? `${lines[0]} and ${lines[1]}` : `${lines.slice(0, -1).join(', ')} and ${lines[lines.length - 1]}`;
    for (const g of group)
      report({
        line: g.row.line,
        host: g.at.host,
        port: g.at.port,
        ...(g.row.host === g.at.host || g.row.host === key ? {} : { target: g.row.host }),
        ok: false,
        error: `conflict: ${both} ${group.length === 2 ? 'both' : 'all'} reach the box ${key} — keep one row per box; nothing was sent for these rows`,
      });
  }

  // 3. Configure the rest, each box once.
  await mapLimit(runnable, opts.concurrency ?? 8, async ({ row, at }) => {
    const outcome = await client.configure({ host: at.host, port: at.port, target: row.host, dev_sno: row.dev_sno, login_url: row.login_url });
    report({ line: row.line, ...outcome });
  });

  outcomes.sort((a, b) => a.line - b.line);
  const ok = outcomes.filter((o) => o.ok).length;
  return { rows: outcomes, ok, failed: outcomes.length - ok };
}
