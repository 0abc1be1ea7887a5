// The Boxes list's pure parts: sorting by any column, the filters, the login state in words,
// and the CSV export (the same columns as `se3kit discover --json`).
import type { AgentLinkState, BoxRow } from '../../../../electron/api/boxes';
import type { BoxFilter, SortKey } from './boxes-store';

const ipKey = (ip: string) => ip.split('.').map((p) => p.padStart(3, '0')).join('.');

const LOGIN_ORDER: Record<string, number> = { 'logged-in': 0, pending: 1, failed: 2, 'not-configured': 3 };

function sortValue(r: BoxRow, key: SortKey): string | number {
  switch (key) {
    case 'address':
      return `${ipKey(r.ip)}:${String(r.port).padStart(5, '0')}`;
    case 'runs':
      return r.kind === 'vendor' ? 'zz vendor' : `agent ${r.agentVersion ?? ''}`;
    case 'login':
      return r.login ? (LOGIN_ORDER[r.login.state] ?? 4) : 5;
    case 'lastSeen':
      return r.lastSeen;
    default:
      return r[key] ?? '';
  }
}

/** Rows sorted by `key` (empty values last whichever way), then by address. */
export function sortBoxes(rows: readonly BoxRow[], key: SortKey, dir: 1 | -1): BoxRow[] {
  return [...rows].sort((a, b) => {
    const [x, y] = [sortValue(a, key), sortValue(b, key)];
    if (x === '' && y !== '') return 1;
    if (y === '' && x !== '') return -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return c * dir || sortValue(a, 'address').toString().localeCompare(sortValue(b, 'address').toString());
  });
}

export const FILTERS: Record<BoxFilter, { label: string; test: (r: BoxRow) => boolean }> = {
  all: { label: 'All boxes', test: () => true },
  'not-configured': { label: 'Not configured yet', test: (r) => !r.dev_sno || !r.login_url },
  'not-logged-in': { label: 'Not logged in', test: (r) => r.login?.state !== 'logged-in' },
  offline: { label: 'Offline', test: (r) => !!r.offline },
};

/** A login or broker state in a few words. */
export function stateWords(s: AgentLinkState | null | undefined, what: 'login' | 'broker'): string {
  if (!s) return what === 'login' ? 'no /health (vendor firmware)' : '—';
  const words: Record<string, string> = {
    'logged-in': 'logged in',
    pending: 'logging in…',
    failed: 'failed',
    'not-configured': 'not configured',
    connected: 'connected',
    connecting: 'connecting…',
    down: 'down',
  };
  return words[s.state] ?? s.state.replace(/-/g, ' ');
}

export function stateTone(s: AgentLinkState | null | undefined): 'ok' | 'warn' | 'bad' | 'none' {
  if (!s) return 'none';
  if (s.state === 'logged-in' || s.state === 'connected') return 'ok';
  if (s.state === 'failed' || s.state === 'down' || s.error) return 'bad';
  return 'warn';
}

/** The columns of `se3kit discover --json`, in its order. */
export const EXPORT_COLUMNS = ['id', 'ip', 'port', 'mac', 'hostname', 'dev_sno', 'login_url', 'agentVersion', 'kind', 'sources', 'lastSeen', 'offline', 'login', 'broker', 'users'] as const;

function cell(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (Array.isArray(v)) s = v.join(' ');
  else if (typeof v === 'object') {
    const o = v as AgentLinkState;
    s = [o.state, o.error, o.since].filter(Boolean).join(' — ');
  } else s = String(v);
  // A value that a spreadsheet would run as a formula is quoted as text.
  if (/^[=+@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function boxesCsv(rows: readonly BoxRow[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const r of rows) lines.push(EXPORT_COLUMNS.map((c) => (c === 'lastSeen' ? new Date(r.lastSeen).toISOString() : cell(r[c]))).join(','));
  return lines.map((l) => `${l}\n`).join('');
}
