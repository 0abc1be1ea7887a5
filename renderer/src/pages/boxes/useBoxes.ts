// The Boxes page's live state: the discovery list (boxes.list + boxes.row events) and the
// current scan's progress (boxes.progress events).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BoxRow, ScanOptions, ScanProgress } from '../../../../electron/api/boxes';
import { api } from '../../api';

export interface BoxesState {
  rows: BoxRow[];
  progress: ScanProgress | null;
  scanning: boolean;
  error: string | null;
  scan(options: ScanOptions): Promise<void>;
  stop(): Promise<void>;
  refresh(): Promise<void>;
  /** Merge a row we learnt about (e.g. values read back after configuring). */
  update(id: string, patch: Partial<BoxRow>): void;
}

function sortRows(map: Map<string, BoxRow>): BoxRow[] {
  const ipKey = (ip: string) => ip.split('.').map((p) => p.padStart(3, '0')).join('.');
  return [...map.values()].sort((a, b) => ipKey(a.ip).localeCompare(ipKey(b.ip)) || a.port - b.port);
}

export function useBoxes(): BoxesState {
  const map = useRef(new Map<string, BoxRow>());
  const [rows, setRows] = useState<BoxRow[]>([]);
  const [progress, setProgress] = useState<ScanProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const scanId = useRef<number | null>(null);

  const publish = useCallback(() => setRows(sortRows(map.current)), []);

  const refresh = useCallback(async () => {
    try {
      const list = await api.call('boxes.list', {});
      for (const r of list) map.current.set(r.id, r);
      publish();
    } catch (err) {
      setError((err as Error).message);
    }
  }, [publish]);

  useEffect(() => {
    const offRow = api.on('boxes.row', (row) => {
      map.current.set(row.id, row);
      publish();
    });
    const offProgress = api.on('boxes.progress', (p) => {
      if (scanId.current === null || p.scanId >= scanId.current) {
        scanId.current = p.scanId;
        setProgress(p);
      }
    });
    // After the event stream reconnects, rows may have been missed: re-read the list.
    const offLink = api.onLinkState((s) => {
      if (s === 'live') void refresh();
    });
    void refresh();
    return () => {
      offRow();
      offProgress();
      offLink();
    };
  }, [publish, refresh]);

  const scan = useCallback(async (options: ScanOptions) => {
    setError(null);
    try {
      const { scanId: id } = await api.call('boxes.scan', options);
      scanId.current = id;
      setProgress((p) => (p && p.scanId === id ? p : { scanId: id, probed: 0, total: 0, found: 0, done: false }));
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);

  const stop = useCallback(async () => {
    try {
      await api.call('boxes.stopScan', {});
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);

  const update = useCallback(
    (id: string, patch: Partial<BoxRow>) => {
      const old = map.current.get(id);
      if (!old) return;
      map.current.set(id, { ...old, ...patch });
      publish();
    },
    [publish],
  );

  return { rows, progress, scanning: !!progress && !progress.done, error, scan, stop, refresh, update };
}
