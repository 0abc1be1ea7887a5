// API contract, "deploy" area: push the edge agent to boxes over SSH as background jobs (deploy,
// adopt, rollback) with live per-box progress, plus a box's agent status and host-key pinning.
// Types and name lists only (shared by the services, both transports and the renderer; no
// runtime dependencies: the sandboxed preload imports this; the type imports below are erased).
import type { BoxReport, BoxStatus, DeployStep, HostKeyMismatch } from '../deploy/events';
import type { AgentStatus } from '../deploy/ops';
import type { PreflightCheck } from '../deploy/preflight';

export type { AgentStatus, BoxReport, BoxStatus, DeployStep, HostKeyMismatch, PreflightCheck };

/** One piece of a bundle file sent from the page (a bundle is larger than one call may carry). */
export interface BundleChunk {
  /** Absent on the first chunk; then the id the first answer gave. */
  uploadId?: string;
  /** The file's own name: se3-agent-<version>-linux-<arch>.tar.gz */
  fileName: string;
  /** Where this chunk starts (= bytes received so far). */
  offset: number;
  /** The chunk, base64 (at most 8 MiB decoded). */
  data: string;
  /** Set on the last chunk: the file is checked and added to the list. */
  done: boolean;
}

export interface BundleChunkResult {
  uploadId: string;
  received: number;
  /** The bundle as deploy.bundles now lists it (after the last chunk). */
  bundle?: BundleChoice;
}

/** An agent bundle the page can offer (found in the app's dist/agent or <data dir>/bundles). */
export interface BundleChoice {
  path: string;
  fileName: string;
  version: string;
  arch: 'arm64' | 'x64';
  size: number;
  builtAt: string;
  /** Where it was found, for the chooser's label. */
  source: 'app' | 'data';
  /** Fingerprint (SHA256:...) of the key that signed it; null: unsigned (refused by deploy). */
  signedBy: string | null;
  /** Whether this installation trusts that key (its own release key, or trusted explicitly). */
  trusted: boolean;
}

/** An SSH private key uploaded with deploy.uploadKey (the key itself never comes back). */
export interface UploadedKeyInfo {
  /** What a 'key-file' login names (never a path). */
  id: string;
  name: string;
  /** SHA256:... of its public key. */
  fingerprint: string;
  keyType: string;
  addedAt: string;
}

/** How a job logs in to the boxes. */
export type DeployAuth =
  /** This installation's key (installed earlier by an adopt). */
  | { kind: 'installation-key' }
  /** A private key uploaded earlier with deploy.uploadKey: its id (key-…), never a path. */
  | { kind: 'key-file'; keyFile: string }
  /** Adopt first: log in once with the box password and install this installation's key. */
  | { kind: 'password'; password: string; remember?: boolean };

/** Where the boxes are and how to reach them (shared by every job kind). */
export interface BoxSelection {
  /** "host", "host:port" (SSH port) or "user@host[:port]"; at most 256. */
  targets: string[];
  /** SSH user (default root). */
  user?: string;
  /** Install prefix on the boxes (default /opt/se3-agent). */
  prefix?: string;
  /** The agent's HTTP port on the boxes (default 5555). */
  agentPort?: number;
}

export interface DeployRequest extends BoxSelection {
  /** The agent bundle: a `path` exactly as deploy.bundles lists it (no other file is accepted). */
  bundle: string;
  auth: DeployAuth;
  /**
   * Trust the bundle's signing key from now on: its fingerprint, as deploy.bundles shows it
   * (only for a key the technician knows builds their releases).
   */
  trustBundleKey?: string;
  /** Boxes deployed at the same time (default 4). */
  concurrency?: number;
  /** Extra agent arguments kept in <prefix>/agent.env (plain words). */
  agentArgs?: string[];
  /** Seconds the new version has to answer /health (default 30). */
  healthTimeoutSec?: number;
}

export interface AdoptRequest extends BoxSelection {
  password: string;
  remember?: boolean;
}

export interface RollbackRequest extends BoxSelection {
  auth?: Exclude<DeployAuth, { kind: 'password' }>;
}

export interface StatusRequest {
  /** One box: "host", "host:port" or "user@host[:port]". */
  target: string;
  user?: string;
  prefix?: string;
  agentPort?: number;
  auth?: Exclude<DeployAuth, { kind: 'password' }>;
}

export type JobKind = 'deploy' | 'adopt' | 'rollback';
/** Where one box is in its job: 'queued', 'adopt' (password login), then the deploy steps. */
export type BoxPhase = 'queued' | 'adopt' | DeployStep;

export interface UploadState {
  bytes: number;
  total: number;
  percent: number;
  /** Bytes per second. */
  rate: number;
}

export interface HostKeyState {
  fingerprint: string;
  keyType: string;
  /** new: first seen and pinned now; known: matches the pin; changed: a changed key was accepted. */
  status: 'new' | 'known' | 'changed';
}

/** One box of a job as the page shows it. */
export interface JobBox {
  /** "host:port" (SSH port): the key of the box within the job. */
  id: string;
  host: string;
  port: number;
  user: string;
  phase: BoxPhase;
  /** The last step's message. */
  message: string;
  /** 0–100, the whole job for this box (the upload is the largest share). */
  progress: number;
  upload: UploadState | null;
  hostKey: HostKeyState | null;
  checks: PreflightCheck[] | null;
  /** Set when the box is finished. */
  report: JobBoxReport | null;
}

/** A box's outcome: the deploy service's report; an adopt-only job reports 'adopted'. */
export type JobBoxReport = Omit<BoxReport, 'status'> & { status: BoxStatus | 'adopted' };

export interface JobLogLine {
  at: string;
  /** "host:port", or null for the job itself. */
  box: string | null;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** What a job was started with (never the password): the page repeats it for a box's rollback/status. */
export interface JobSettings {
  user: string;
  prefix: string | null;
  agentPort: number | null;
  auth: DeployAuth['kind'];
  keyFile: string | null;
}

export interface JobSummary {
  id: string;
  kind: JobKind;
  settings: JobSettings;
  state: 'running' | 'done';
  createdAt: string;
  finishedAt: string | null;
  /** The bundle deployed (deploy jobs). */
  bundle: { fileName: string; version: string } | null;
  boxes: JobBox[];
  /** Set when done: true when every box ended ok. */
  ok: boolean | null;
}

/** A job with its log (the last 2000 lines). */
export interface JobDetail extends JobSummary {
  log: JobLogLine[];
}

export interface DeployInfo {
  /** Whether box passwords can be remembered (encrypted by the OS: desktop only). */
  canRememberPasswords: boolean;
  /** Why not, when they cannot be remembered. */
  passwordNote: string | null;
  /** This installation's public SSH key (null until the first adopt creates it). */
  installationKey: string | null;
}

export type StatusResult =
  | { ok: true; status: AgentStatus; hostKey: HostKeyState | null }
  | { ok: false; reason: string; code?: string; hostKey?: HostKeyMismatch };

export interface PinnedHostKey {
  host: string;
  port: number;
  fingerprint: string | null;
  keyType: string | null;
  firstSeen: string | null;
}

/** Methods of this area: name → [params, result]. */
export interface DeployMethods {
  'deploy.info': [Record<string, never>, DeployInfo];
  'deploy.bundles': [Record<string, never>, BundleChoice[]];
  /** Starts a deploy job; progress arrives as deploy.job / deploy.box / deploy.log events. */
  'deploy.start': [DeployRequest, { jobId: string }];
  'deploy.adopt': [AdoptRequest, { jobId: string }];
  'deploy.rollback': [RollbackRequest, { jobId: string }];
  /** Jobs of this session of the services, newest first. */
  'deploy.jobs': [Record<string, never>, JobSummary[]];
  'deploy.job': [{ jobId: string }, JobDetail];
  'deploy.status': [StatusRequest, StatusResult];
  'deploy.hostKeys': [{ targets: string[] }, PinnedHostKey[]];
  /** Pins exactly this fingerprint for host:port (after the technician checked it on the box). */
  'deploy.acceptHostKey': [{ host: string; port: number; fingerprint: string; keyType?: string }, PinnedHostKey];
  /** Uploaded SSH keys ('key-file' logins name one by id). */
  'deploy.keys': [Record<string, never>, UploadedKeyInfo[]];
  /** Stores a private key (OpenSSH or PEM text, no passphrase) 0600 in the data dir. */
  'deploy.uploadKey': [{ name: string; privateKey: string }, UploadedKeyInfo];
  'deploy.deleteKey': [{ id: string }, { deleted: boolean }];
  /** Adds a bundle file to <data dir>/bundles, in chunks (see BundleChunk). */
  'deploy.uploadBundle': [BundleChunk, BundleChunkResult];
}

/** Events of this area: name → payload. */
export interface DeployEvents {
  /** A job started or finished (boxes included). */
  'deploy.job': JobSummary;
  /** One box of a job changed (step, upload progress, host key, report). */
  'deploy.box': { jobId: string; box: JobBox };
  'deploy.log': { jobId: string; line: JobLogLine };
}

/** Runtime name lists (typed as Records so the compiler checks they match the interfaces). */
export const DEPLOY_METHODS: Record<keyof DeployMethods, true> = {
  'deploy.info': true,
  'deploy.bundles': true,
  'deploy.start': true,
  'deploy.adopt': true,
  'deploy.rollback': true,
  'deploy.jobs': true,
  'deploy.job': true,
  'deploy.status': true,
  'deploy.hostKeys': true,
  'deploy.acceptHostKey': true,
  'deploy.keys': true,
  'deploy.uploadKey': true,
  'deploy.deleteKey': true,
  'deploy.uploadBundle': true,
};
export const DEPLOY_EVENTS: Record<keyof DeployEvents, true> = { 'deploy.job': true, 'deploy.box': true, 'deploy.log': true };

/** Most boxes one job may target. */
export const MAX_JOB_TARGETS = 256;
