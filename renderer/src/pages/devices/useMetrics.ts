// One box's CPU/memory/disk series for its charts: the last 24 h from events.devices.metrics,
// then each newer status point (the box's `latest`, pushed with events.devices.status) appended
// without reading the series again. Bounded to MAX_POINTS.
import { useEffect, useRef, useState } from 'react';
import type { MetricPoint } from '../../../../electron/api/events';
import { api } from '../../api';

const WINDOW_MS = 24 * 3600_000;
const MAX_POINTS = 300;

export function useMetrics(devSno: string, latest: MetricPoint | null): { points: MetricPoint[]; error: string | null } {
  const [points, setPoints] = useState<MetricPoint[]>([]);
  const [error, setError] = useState<string | null>(null);
  const loaded = useRef(false);
  useEffect(() => {
    let live = true;
    loaded.current = false;
    api.call('events.devices.metrics', { devSno, since: Date.now() - WINDOW_MS, maxPoints: MAX_POINTS }).then(
      (s) => {
        if (!live) return;
        loaded.current = true;
        setPoints(s.points);
        setError(null);
      },
      (err: Error) => live && setError(err.message),
    );
    return () => {
      live = false;
    };
  }, [devSno]);
  useEffect(() => {
    if (!latest || !loaded.current) return;
    setPoints((cur) => {
      const last = cur[cur.length - 1];
      if (last && last.at >= latest.at) return cur;
      const next = [...cur, latest];
      return next.length > MAX_POINTS ? next.slice(next.length - MAX_POINTS) : next;
    });
  }, [latest]);
  return { points, error };
}
