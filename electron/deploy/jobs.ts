// The deploy service behind the API ("deploy" area): runs fleet deploys in the background and
// reports their progress. (Filled in by the Deploy page work.)
import type { SecretStore } from './secret-store';

export interface DeployJobs {
  close(): Promise<void>;
}

export interface DeployJobsOptions {
  dataDir: string;
  /** Electron safeStorage on the desktop; nothing is stored in headless site mode. */
  secretStore?: SecretStore;
}

export function createDeployJobs(_o: DeployJobsOptions): DeployJobs {
  return { close: async () => {} };
}
