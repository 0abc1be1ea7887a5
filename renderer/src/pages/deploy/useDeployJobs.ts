// The Deploy page's live state: the jobs (deploy.jobs + deploy.job/deploy.box events), the shown
// job with its log (deploy.job + deploy.log events). After a reload or a reconnect of the event
// stream the state is read again, so a running job's progress comes back.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobBox, JobDetail, JobLogLine, JobSummary } from '../../../../electron/api/deploy';
import { api } from '../../api';

const KEEP_LINES = 2000;

export interface DeployJobsState {
  jobs: JobSummary[];
  /** The job shown (its log included), null before the first one. */
  current: JobDetail | null;
  error: string | null;
  /** Shows another job. */
  show(jobId: string): void;
  /** Runs a call that starts a job, then shows that job. Returns the error message, if any. */
  launch(start: () => Promise<{ jobId: string }>): Promise<string | null>;
}

function lineKey(l: JobLogLine): string {
  return `${l.at}|${l.box ?? ''}|${l.level}|${l.message}`;
}

function mergeLog(a: JobLogLine[], b: JobLogLine[]): JobLogLine[] {
  const seen = new Set<string>();
  const out: JobLogLine[] = [];
  for (const l of [...a, ...b]) {
    const k = lineKey(l);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(l);
  }
  out.sort((x, y) => x.at.localeCompare(y.at));
  return out.slice(-KEEP_LINES);
}

function withBox<T extends { boxes: JobBox[] }>(job: T, box: JobBox): T {
  return { ...job, boxes: job.boxes.map((b) => (b.id === box.id ? box : b)) };
}

export function useDeployJobs(): DeployJobsState {
  const [jobs, setJobs] = useState<JobSummary[]>([]);
  const [current, setCurrent] = useState<JobDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const shownId = useRef<string | null>(null);
  /** Log lines that arrived by event for the shown job while its detail was being read. */
  const pending = useRef<JobLogLine[]>([]);
  const loading = useRef<string | null>(null);

  const load = useCallback(async (jobId: string) => {
    shownId.current = jobId;
    loading.current = jobId;
    pending.current = [];
    try {
      const detail = await api.call('deploy.job', { jobId });
      if (shownId.current !== jobId) return;
      setCurrent({ ...detail, log: mergeLog(detail.log, pending.current) });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      if (loading.current === jobId) {
        loading.current = null;
        pending.current = [];
      }
    }
  }, []);

  const refresh = useCallback(async () => {
    try {
      const list = await api.call('deploy.jobs', {});
      setJobs(list);
      const id = shownId.current ?? list[0]?.id ?? null;
      if (id && list.some((j) => j.id === id)) await load(id);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [load]);

  useEffect(() => {
    const offJob = api.on('deploy.job', (job) => {
      setJobs((list) => (list.some((j) => j.id === job.id) ? list.map((j) => (j.id === job.id ? job : j)) : [job, ...list]));
      if (job.id === shownId.current) setCurrent((c) => (c && c.id === job.id ? { ...job, log: c.log } : c));
    });
    const offBox = api.on('deploy.box', ({ jobId, box }) => {
      setJobs((list) => list.map((j) => (j.id === jobId ? withBox(j, box) : j)));
      if (jobId === shownId.current) setCurrent((c) => (c && c.id === jobId ? withBox(c, box) : c));
    });
    const offLog = api.on('deploy.log', ({ jobId, line }) => {
      if (jobId !== shownId.current) return;
      if (loading.current === jobId) pending.current.push(line);
      setCurrent((c) => (c && c.id === jobId ? { ...c, log: [...c.log, line].slice(-KEEP_LINES) } : c));
    });
    const offLink = api.onLinkState((s) => {
      if (s === 'live') void refresh();
    });
    void refresh();
    return () => {
      offJob();
      offBox();
      offLog();
      offLink();
    };
  }, [refresh]);

  const show = useCallback((jobId: string) => void load(jobId), [load]);

  const launch = useCallback(
    async (start: () => Promise<{ jobId: string }>) => {
      setError(null);
      try {
        const { jobId } = await start();
        await load(jobId);
        return null;
      } catch (err) {
        return (err as Error).message;
      }
    },
    [load],
  );

  return { jobs, current, error, show, launch };
}
