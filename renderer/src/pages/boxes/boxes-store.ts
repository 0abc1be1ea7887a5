// The Boxes page's state, kept outside React (renderer/src/page-store.ts) so that leaving the
// page and coming back loses nothing: the live list (boxes.list + boxes.row events, followed
// even while another page is shown), the scan form and its last progress line, the CSV text
// and report, sorting, filter, the open box and the ticked ones. The scan form (ranges, port,
// mDNS) is remembered between starts.
import type { BatchReport, BoxRow, ScanOptions, ScanProgress } from '../../../../electron/api/boxes';
import { api } from '../../api';
import { createPageStore, usePageStore } from '../../page-store';

export type SortKey = 'address' | 'dev_sno' | 'login_url' | 'hostname' | 'mac' | 'runs' | 'login' | 'lastSeen';
export type BoxFilter = 'all' | 'not-configured' | 'not-logged-in' | 'offline';

export interface BoxesPageState {
  rows: BoxRow[];
  progress: ScanProgress | null;
  error: string | null;
  // scan form (remembered between starts)
  ranges: string;
  port: string;
  mdns: boolean;
  // list view
  sort: { key: SortKey; dir: 1 | -1 };
  filter: BoxFilter;
  selected: string | null;
  checked: string[];
  // CSV batch
  csv: string;
  csvFile: string | null;
  csvBusy: boolean;
  csvReport: BatchReport | null;
  csvError: string | null;
}

export const boxesStore = createPageStore<BoxesPageState>(
  {
    rows: [],
    progress: null,
    error: null,
    ranges: '',
    port: '5555',
    mdns: true,
    sort: { key: 'address', dir: 1 },
    filter: 'all',
    selected: null,
    checked: [],
    csv: '',
    csvFile: null,
    csvBusy: false,
    csvReport: null,
    csvError: null,
  },
  { key: 'se3kit.boxes.scan', remember: ['ranges', 'port', 'mdns'] },
);

const map = new Map<string, BoxRow>();
let scanId: number | null = null;
let live = false;

const publish = () => boxesStore.set({ rows: [...map.values()] });

export async function refreshBoxes(): Promise<void> {
  try {
    const list = await api.call('boxes.list', {});
    for (const r of list) map.set(r.id, r);
    publish();
  } catch (err) {
    boxesStore.set({ error: (err as Error).message });
  }
}

/** Subscribes to the list's events once for the life of the window. */
function goLive(): void {
  if (live) return;
  live = true;
  api.on('boxes.row', (row) => {
    map.set(row.id, row);
    publish();
  });
  api.on('boxes.progress', (p) => {
    if (scanId === null || p.scanId >= scanId) {
      scanId = p.scanId;
      boxesStore.set({ progress: p });
    }
  });
  // After the event stream reconnects, rows may have been missed: re-read the list.
  api.onLinkState((s) => {
    if (s === 'live') void refreshBoxes();
  });
}

export async function startScan(options: ScanOptions): Promise<void> {
  boxesStore.set({ error: null });
  try {
    const { scanId: id } = await api.call('boxes.scan', options);
    scanId = id;
    const p = boxesStore.get().progress;
    if (!p || p.scanId !== id) boxesStore.set({ progress: { scanId: id, probed: 0, total: 0, found: 0, done: false } });
  } catch (err) {
    boxesStore.set({ error: (err as Error).message });
  }
}

export async function stopScan(): Promise<void> {
  try {
    await api.call('boxes.stopScan', {});
  } catch (err) {
    boxesStore.set({ error: (err as Error).message });
  }
}

/** Asks the listed boxes again (values, login state, offline); rows follow by events. */
export async function recheckBoxes(ids?: string[]): Promise<void> {
  try {
    await api.call('boxes.recheck', ids ? { ids } : {});
  } catch {
    /* the next re-check tries again; a lost server shows in the connection banner */
  }
}

/** Merge what we learnt about a row (e.g. values read back after configuring). */
export function updateRow(id: string, patch: Partial<BoxRow>): void {
  const old = map.get(id);
  if (!old) return;
  map.set(id, { ...old, ...patch });
  publish();
}

export async function applyCsv(): Promise<void> {
  const { csv } = boxesStore.get();
  if (!csv.trim()) {
    boxesStore.set({ csvError: 'Paste CSV rows or choose a file first.' });
    return;
  }
  boxesStore.set({ csvBusy: true, csvError: null, csvReport: null });
  try {
    const report = await api.call('boxes.configureCsv', { csv });
    boxesStore.set({ csvReport: report });
    await refreshBoxes();
  } catch (err) {
    boxesStore.set({ csvError: (err as Error).message });
  } finally {
    boxesStore.set({ csvBusy: false });
  }
}

export function useBoxesStore(): BoxesPageState {
  goLive();
  return usePageStore(boxesStore);
}
