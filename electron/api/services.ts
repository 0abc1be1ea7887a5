// The services behind the API, created by ONE function used by both the desktop app
// (electron/main) and headless site mode (se3kit serve). Services never import electron.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BatchReport, BoxConfig, BoxRow, ConfigureOutcome, ConfigureRequest, ScanOptions, ScanProgress } from './boxes';

/** What the "boxes" API area needs from the discovery + box-client services. */
export interface BoxesService {
  scan(options: ScanOptions): Promise<{ scanId: number }>;
  stopScan(): Promise<void>;
  list(): Promise<BoxRow[]>;
  getConfig(host: string, port?: number): Promise<BoxConfig>;
  configure(request: ConfigureRequest): Promise<ConfigureOutcome>;
  configureCsv(csv: string): Promise<BatchReport>;
  /** Each returns its unsubscribe function. */
  onRow(listener: (row: BoxRow) => void): () => void;
  onProgress(listener: (progress: ScanProgress) => void): () => void;
}

export interface Services {
  readonly dataDir: string;
  readonly boxes: BoxesService;
  close(): Promise<void>;
}

/** ~/.se3kit, or $SE3KIT_DATA when set. */
export function defaultDataDir(): string {
  const env = process.env.SE3KIT_DATA;
  return env ? resolve(env) : join(homedir(), '.se3kit');
}

export interface ServicesOptions {
  dataDir: string;
}

/** A boxes service that answers every call with why it is not there (never made-up data). */
function unavailableBoxes(why: string): BoxesService {
  const fail = async (): Promise<never> => {
    throw new Error(why);
  };
  return {
    scan: fail,
    stopScan: fail,
    list: fail,
    getConfig: fail,
    configure: fail,
    configureCsv: fail,
    onRow: () => () => {},
    onProgress: () => () => {},
  };
}

/** Creates every service once; the caller closes them. */
export async function createServices(opts: ServicesOptions): Promise<Services> {
  // Wired to electron/services/discovery + box-client as soon as they land.
  const boxes = unavailableBoxes('box discovery and configuration are not built into this version yet');
  return { dataDir: opts.dataDir, boxes, close: async () => {} };
}
