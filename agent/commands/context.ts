// What a command needs from the rest of the agent.
import type { FacePool } from '../face';
import type { UsersStore } from '../users/store';
import type { LoginSession } from '../link/login';
import type { AgentDb } from '../store/db';

export interface PhotoLimits {
  /** largest photo accepted, bytes (default 10 MiB) */
  maxBytes: number;
  /** time for one photo download (default 15 s) */
  timeoutMs: number;
}

export const DEFAULT_PHOTO_LIMITS: PhotoLimits = { maxBytes: 10 * 1024 * 1024, timeoutMs: 15_000 };

export interface CommandContext {
  /** the box's dev_sno (results carry it) */
  devSno(): string;
  /** the current login (token, login_url, imgServerAddr); null before the first login */
  session(): LoginSession | null;
  users: UsersStore;
  db: AgentDb;
  /** the face engine pool, started on first use */
  face(): Promise<FacePool>;
  /** descriptorModelId() of the engine's descriptor model */
  modelId(): string;
  photoLimits: PhotoLimits;
  /** users of one batch in flight at once (downloads and face runs overlap) */
  concurrency: number;
  log(line: string): void;
  /** true once the agent is shutting down: results are then not committed (the message is redelivered) */
  stopping(): boolean;
}
