// The deploy service behind the API ("deploy" area): fleet deploys, adopts and rollbacks run in
// the background as jobs; each call returns a job id at once and progress arrives as events
// (per-box step, upload bytes/percent/rate, host key, log lines, the final report). Jobs stay in
// memory, so a reloaded page gets the current state back (list/get). Passwords live only in the
// running job's memory, and in the SecretStore when the technician asks and it is encrypted; a
// remembered password re-adopts a box that no longer accepts this installation's key.
import type {
  AdoptRequest,
  BoxSelection,
  BundleChoice,
  DeployAuth,
  DeployInfo,
  DeployRequest,
  JobBox,
  JobBoxReport,
  JobDetail,
  JobKind,
  JobLogLine,
  JobSettings,
  JobSummary,
  PinnedHostKey,
  RollbackRequest,
  StatusRequest,
  StatusResult,
  UploadedKeyInfo,
} from '../api/deploy';
import { ensureDataDir } from '../data-dir';
import { readBundle, requireTrustedBundle } from './bundle-verify';
import { deployBox } from './box';
import { listBundles } from './bundle-list';
import { knownHostsFor, parseTarget, type BoxTarget, type DeployContext } from './connect';
import { errorMessage, DeployError, hostKeyMismatchOf } from './errors';
import { clone, failedReport, JobRequestError, listeners } from './job-support';
import type { DeployEvent } from './events';
import { mapLimit } from './fleet';
import { applyEvent, boxId, finishBox, newJobBox } from './job-box';
import { installationKeyPath, loadInstallationKey } from './keys';
import { deleteUploadedKey, KeyUploadError, listUploadedKeys, storeUploadedKey, uploadedKeyPath } from './uploaded-keys';
import { adoptBox, agentStatus, rollbackBox } from './ops';
import { forThePage, hostKeyChangedReason } from './page-wording';
import { noSecretStore, passwordSecretName, type SecretStore } from './secret-store';

export interface DeployJobs {
  info(): DeployInfo;
  bundles(): Promise<BundleChoice[]>;
  start(request: DeployRequest): Promise<{ jobId: string }>;
  adopt(request: AdoptRequest): Promise<{ jobId: string }>;
  rollback(request: RollbackRequest): Promise<{ jobId: string }>;
  list(): JobSummary[];
  get(jobId: string): JobDetail;
  status(request: StatusRequest): Promise<StatusResult>;
  hostKeys(targets: string[]): PinnedHostKey[];
  acceptHostKey(host: string, port: number, fingerprint: string, keyType?: string): PinnedHostKey;
  keys(): UploadedKeyInfo[];
  uploadKey(name: string, privateKey: string): UploadedKeyInfo;
  deleteKey(id: string): { deleted: boolean };
  /** Each returns its unsubscribe function. */
  onJob(listener: (job: JobSummary) => void): () => void;
  onBox(listener: (e: { jobId: string; box: JobBox }) => void): () => void;
  onLog(listener: (e: { jobId: string; line: JobLogLine }) => void): () => void;
  /** Refuses new jobs; running ones finish on their own (they cannot be cut mid-switch safely). */
  close(): Promise<void>;
}

export { JobRequestError };

export interface DeployJobsOptions {
  dataDir: string;
  /** Electron safeStorage on the desktop; nothing is stored in headless site mode. */
  secretStore?: SecretStore;
}

const KEEP_JOBS = 20;
const KEEP_LOG_LINES = 2000;
/** Upload progress is forwarded at most this often per box. */
const UPLOAD_EVENT_MS = 200;

interface Job {
  summary: JobSummary;
  log: JobLogLine[];
}

export function createDeployJobs(o: DeployJobsOptions): DeployJobs {
  const store = o.secretStore ?? noSecretStore;
  try {
    ensureDataDir(o.dataDir); // 0700 from the start, whoever writes into it first
  } catch {
    /* reported by the first writer that needs it */
  }
  const jobs = new Map<string, Job>();
  const busy = new Map<string, string>(); // box id → job id
  const jobEvents = listeners<JobSummary>();
  const boxEvents = listeners<{ jobId: string; box: JobBox }>();
  const logEvents = listeners<{ jobId: string; line: JobLogLine }>();
  let seq = 0;
  let closed = false;

  /** Parses and de-duplicates the targets; `forJob` also refuses boxes busy in another job. */
  function parseTargets(sel: BoxSelection, forJob = true): BoxTarget[] {
    const seen = new Set<string>();
    const out: BoxTarget[] = [];
    for (const spec of sel.targets) {
      let t: BoxTarget;
      try {
        t = parseTarget(spec, { user: sel.user || 'root', port: 22 });
      } catch (err) {
        throw new JobRequestError(errorMessage(err));
      }
      if (sel.prefix) t.prefix = sel.prefix;
      if (sel.agentPort) t.agentPort = sel.agentPort;
      if (seen.has(boxId(t))) continue;
      seen.add(boxId(t));
      out.push(t);
    }
    if (out.length === 0) throw new JobRequestError('give at least one box (host or host:port)');
    for (const t of out) {
      if (!forJob) break;
      const other = busy.get(boxId(t));
      if (other) throw new JobRequestError(`${boxId(t)} is busy in job ${other}; wait until it finishes`);
    }
    return out;
  }

  function contextFor(auth: DeployAuth | undefined): DeployContext {
    const ctx: DeployContext = { dataDir: o.dataDir, secretStore: store };
    if (auth?.kind === 'key-file') {
      // only keys uploaded through the API, by id: never a path on this machine
      const path = uploadedKeyPath(o.dataDir, auth.keyFile);
      if (!path) throw new JobRequestError(`there is no uploaded key ${auth.keyFile}; upload the key file (again) and choose it`);
      ctx.keyFile = path;
    } else if (auth?.kind !== 'password' && !loadInstallationKey(o.dataDir)) {
      throw new JobRequestError('this installation has no SSH key yet: choose "Adopt with the box password" once for these boxes (it installs the key), or give a key file');
    }
    return ctx;
  }

  function settingsOf(sel: BoxSelection, auth: DeployAuth | undefined): JobSettings {
    return {
      user: sel.user || 'root',
      prefix: sel.prefix ?? null,
      agentPort: sel.agentPort ?? null,
      auth: auth?.kind ?? 'installation-key',
      keyFile: auth?.kind === 'key-file' ? auth.keyFile : null,
    };
  }

  function createJob(kind: JobKind, targets: BoxTarget[], settings: JobSettings, bundle: JobSummary['bundle']): Job {
    if (closed) throw new JobRequestError('Field Kit is shutting down; no new jobs');
    const id = `${kind}-${++seq}`;
    const job: Job = {
      summary: { id, kind, settings, state: 'running', createdAt: new Date().toISOString(), finishedAt: null, bundle, boxes: targets.map(newJobBox), ok: null },
      log: [],
    };
    jobs.set(id, job);
    for (const t of targets) busy.set(boxId(t), id);
    // forget the oldest finished jobs
    const finished = [...jobs.values()].filter((j) => j.summary.state === 'done');
    for (const j of finished.slice(0, Math.max(0, jobs.size - KEEP_JOBS))) jobs.delete(j.summary.id);
    jobEvents.emit(clone(job.summary));
    return job;
  }

  function log(job: Job, box: string | null, line: Omit<JobLogLine, 'at' | 'box'>): void {
    const full: JobLogLine = { at: new Date().toISOString(), box, ...line };
    job.log.push(full);
    if (job.log.length > KEEP_LOG_LINES) job.log.splice(0, job.log.length - KEEP_LOG_LINES);
    logEvents.emit({ jobId: job.summary.id, line: full });
  }

  function boxOf(job: Job, t: BoxTarget): JobBox {
    return job.summary.boxes.find((b) => b.id === boxId(t))!;
  }

  function emitBox(job: Job, box: JobBox): void {
    boxEvents.emit({ jobId: job.summary.id, box: clone(box) });
  }

  /** The event sink of one box; `stage.adopting` marks the adopt stage of a deploy job. */
  function sinkFor(job: Job, t: BoxTarget, stage: { adopting: boolean }) {
    const box = boxOf(job, t);
    let lastUpload = 0;
    return (e: DeployEvent) => {
      const r = applyEvent(box, job.summary.kind, e, stage.adopting);
      for (const line of r.lines) log(job, box.id, line);
      if (!r.changed) return;
      if (e.type === 'upload' && e.percent < 100 && Date.now() - lastUpload < UPLOAD_EVENT_MS) return;
      if (e.type === 'upload') lastUpload = Date.now();
      emitBox(job, box);
    };
  }

  function finish(job: Job, t: BoxTarget, raw: JobBoxReport): void {
    const box = boxOf(job, t);
    const report = { ...raw };
    if (report.hostKey) report.reason = hostKeyChangedReason(box.id, report.hostKey);
    else if (report.reason) report.reason = forThePage(report.reason);
    log(job, box.id, finishBox(box, report));
    busy.delete(box.id);
    emitBox(job, box);
  }

  function run(job: Job, targets: BoxTarget[], concurrency: number, perBox: (t: BoxTarget) => Promise<JobBoxReport>): void {
    log(job, null, { level: 'info', message: `${job.summary.kind} started for ${targets.length} box(es)` });
    void mapLimit(targets, concurrency, async (t) => {
      const started = Date.now();
      let report: JobBoxReport;
      try {
        report = await perBox(t);
      } catch (err) {
        report = failedReport(t, started, err);
      }
      finish(job, t, report);
    }).finally(() => {
      const s = job.summary;
      s.state = 'done';
      s.finishedAt = new Date().toISOString();
      s.ok = s.boxes.every((b) => b.report?.ok);
      const bad = s.boxes.filter((b) => !b.report?.ok).length;
      log(job, null, { level: bad ? 'warn' : 'info', message: bad ? `${bad} of ${s.boxes.length} box(es) failed` : `all ${s.boxes.length} box(es) OK` });
      jobEvents.emit(clone(s));
    });
  }

  async function adoptOne(job: Job, t: BoxTarget, ctx: DeployContext, password: string, remember: boolean, stage: { adopting: boolean }): Promise<void> {
    const box = boxOf(job, t);
    box.phase = 'adopt';
    box.message = `logging in to ${box.user}@${box.id} with the password`;
    emitBox(job, box);
    const r = await adoptBox(t, password, ctx, { rememberPassword: remember }, sinkFor(job, t, stage));
    log(job, box.id, {
      level: 'info',
      message: `${r.alreadyPresent ? 'this installation\'s key was already installed' : 'installation key installed'} for ${r.user}${r.passwordStored ? '; password kept encrypted' : ''}`,
    });
  }

  /**
   * The box refused this installation's key (its authorized_keys was reset, say): when the
   * technician had a password remembered (encrypted) for it, adopt again with it and retry once.
   * null when there is no remembered password.
   */
  async function readoptAndRetry(job: Job, t: BoxTarget, ctx: DeployContext, retry: () => Promise<JobBoxReport>): Promise<JobBoxReport | null> {
    if (!store.persistent) return null;
    const box = boxOf(job, t);
    const remembered = await store.get(passwordSecretName(box.user, box.host, box.port)).catch(() => null);
    if (!remembered) return null;
    log(job, box.id, { level: 'warn', message: "the box refused this installation's key; adopting it again with the remembered password" });
    const stage = { adopting: true };
    const started = Date.now();
    try {
      await adoptOne(job, t, ctx, remembered, false, stage);
    } catch (err) {
      const r = failedReport(t, started, err);
      return { ...r, reason: `the box refused this installation's key, and adopting it again with the remembered password failed: ${r.reason}` };
    }
    return retry();
  }

  return {
    info: () => ({ canRememberPasswords: store.persistent, passwordNote: store.persistent ? null : (store.note ?? 'Passwords are not stored.'), installationKey: loadInstallationKey(o.dataDir)?.publicKey ?? null }),

    bundles: () => listBundles(o.dataDir),

    async start(req) {
      const targets = parseTargets(req);
      const ctx = contextFor(req.auth);
      // only a bundle the list offers (never any other path; the answer is the same whether
      // or not such a file exists), intact, signed and trusted — checked before any job starts
      const listed = (await listBundles(o.dataDir)).find((b) => b.path === req.bundle);
      if (!listed) throw new JobRequestError('choose an agent bundle from the list (bundles are offered from the app\'s dist/agent and the data folder\'s bundles)');
      let manifest;
      try {
        const info = await readBundle(listed.path);
        requireTrustedBundle(info, o.dataDir, { trustBundleKeys: req.trustBundleKey ? [req.trustBundleKey] : [] });
        manifest = info.manifest;
      } catch (err) {
        throw new JobRequestError(forThePage(errorMessage(err)));
      }
      const bundleName = listed.fileName;
      const job = createJob('deploy', targets, settingsOf(req, req.auth), { fileName: bundleName, version: manifest.version });
      const password = req.auth.kind === 'password' ? req.auth.password : null;
      const remember = req.auth.kind === 'password' && !!req.auth.remember;
      const options = {
        bundle: listed.path,
        prefix: req.prefix,
        agentPort: req.agentPort,
        agentArgs: req.agentArgs,
        healthTimeoutSec: req.healthTimeoutSec,
      };
      run(job, targets, req.concurrency ?? 4, async (t) => {
        const stage = { adopting: false };
        let boxCtx = ctx;
        if (password !== null) {
          stage.adopting = true;
          const started = Date.now();
          try {
            await adoptOne(job, t, ctx, password, remember, stage);
          } catch (err) {
            const r = failedReport(t, started, err);
            return { ...r, reason: `adopt failed, nothing deployed: ${r.reason}` };
          }
          stage.adopting = false;
          boxCtx = { ...ctx, keyFile: installationKeyPath(o.dataDir) };
        }
        const report = await deployBox(t, boxCtx, options, sinkFor(job, t, stage));
        if (req.auth.kind !== 'installation-key' || report.code !== 'auth-failed') return report;
        return (await readoptAndRetry(job, t, ctx, () => deployBox(t, ctx, options, sinkFor(job, t, stage)))) ?? report;
      });
      return { jobId: job.summary.id };
    },

    async adopt(req) {
      const targets = parseTargets(req);
      const ctx = contextFor({ kind: 'password', password: req.password });
      const job = createJob('adopt', targets, settingsOf(req, { kind: 'password', password: '' }), null);
      run(job, targets, 4, async (t) => {
        const started = Date.now();
        await adoptOne(job, t, ctx, req.password, !!req.remember, { adopting: false });
        return { host: t.host, port: t.port ?? 22, ok: true, status: 'adopted', version: null, previousVersion: null, durationMs: Date.now() - started };
      });
      return { jobId: job.summary.id };
    },

    async rollback(req) {
      const targets = parseTargets(req);
      const ctx = contextFor(req.auth);
      const job = createJob('rollback', targets, settingsOf(req, req.auth), null);
      run(job, targets, 4, (t) => rollbackBox(t, ctx, { prefix: req.prefix, agentPort: req.agentPort }, sinkFor(job, t, { adopting: false })));
      return { jobId: job.summary.id };
    },

    list: () => [...jobs.values()].reverse().map((j) => clone(j.summary)),

    get(jobId) {
      const j = jobs.get(jobId);
      if (!j) throw new JobRequestError(`no job ${jobId} (jobs are kept until Field Kit restarts, the last ${KEEP_JOBS})`);
      return clone({ ...j.summary, log: j.log });
    },

    async status(req) {
      const t = parseTargets({ ...req, targets: [req.target] }, false)[0]!;
      const ctx = contextFor(req.auth);
      const known = knownHostsFor(ctx);
      const before = known.get(t.host, t.port ?? 22);
      try {
        const status = await agentStatus(t, ctx, { prefix: req.prefix, agentPort: req.agentPort });
        const pin = known.get(t.host, t.port ?? 22);
        return { ok: true, status, hostKey: pin ? { fingerprint: pin.fingerprint, keyType: pin.keyType, status: before ? 'known' : 'new' } : null };
      } catch (err) {
        const hostKey = hostKeyMismatchOf(err);
        const reason = hostKey ? hostKeyChangedReason(boxId(t), hostKey) : forThePage(errorMessage(err));
        return { ok: false, reason, code: err instanceof DeployError ? err.code : undefined, hostKey };
      }
    },

    hostKeys(specs) {
      const known = knownHostsFor({ dataDir: o.dataDir });
      return specs.map((spec) => {
        let t: BoxTarget;
        try {
          t = parseTarget(spec, { port: 22 });
        } catch (err) {
          throw new JobRequestError(errorMessage(err));
        }
        const e = known.get(t.host, t.port ?? 22);
        return { host: t.host, port: t.port ?? 22, fingerprint: e?.fingerprint ?? null, keyType: e?.keyType ?? null, firstSeen: e?.firstSeen ?? null };
      });
    },

    acceptHostKey(host, port, fingerprint, keyType) {
      const known = knownHostsFor({ dataDir: o.dataDir });
      known.pin(host, port, fingerprint, keyType ?? known.get(host, port)?.keyType ?? 'unknown');
      const e = known.get(host, port)!;
      return { host, port, fingerprint: e.fingerprint, keyType: e.keyType, firstSeen: e.firstSeen };
    },

    keys: () => listUploadedKeys(o.dataDir),

    uploadKey(name, privateKey) {
      try {
        return storeUploadedKey(o.dataDir, name, privateKey);
      } catch (err) {
        if (err instanceof KeyUploadError) throw new JobRequestError(err.message);
        throw err;
      }
    },

    deleteKey: (id) => ({ deleted: deleteUploadedKey(o.dataDir, id) }),

    onJob: (l) => jobEvents.add(l),
    onBox: (l) => boxEvents.add(l),
    onLog: (l) => logEvents.add(l),

    async close() {
      closed = true;
    },
  };
}
