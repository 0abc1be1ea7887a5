// The deploy service object the desktop app / site mode wires into the API contract: one data
// dir (known hosts, installation key), one SecretStore, and an event sink for live progress.
import { adoptBox, agentStatus, rollbackBox, uninstallBox, type AdoptResult, type AgentStatus, type BoxOpOptions } from './ops';
import type { DeployOptions } from './box';
import type { BoxTarget, DeployContext } from './connect';
import type { BoxReport, EventSink, FleetReport } from './events';
import { deployFleet, mapLimit } from './fleet';
import { KnownHosts } from './known-hosts';
import { noSecretStore, type SecretStore } from './secret-store';
import { join } from 'node:path';

export interface DeployServiceOptions {
  dataDir: string;
  /** Electron safeStorage-backed store on the desktop; nothing stored when omitted. */
  secretStore?: SecretStore;
  /** Receives every progress event of every operation. */
  onEvent?: EventSink;
}

export interface DeployService {
  deploy(targets: BoxTarget[], options: DeployOptions & { concurrency?: number; acceptHostKey?: string; keyFile?: string }): Promise<FleetReport>;
  adopt(target: BoxTarget, password: string, opts?: { rememberPassword?: boolean; acceptHostKey?: string }): Promise<AdoptResult>;
  rollback(targets: BoxTarget[], opts?: BoxOpOptions & { acceptHostKey?: string }): Promise<BoxReport[]>;
  status(target: BoxTarget, opts?: BoxOpOptions & { acceptHostKey?: string }): Promise<AgentStatus>;
  uninstall(target: BoxTarget, opts?: BoxOpOptions & { purge?: boolean }): Promise<{ host: string; removed: boolean; dataKept: boolean }>;
  /** The pinned host key of a box, if any (for the UI to show before connecting). */
  pinnedHostKey(host: string, port?: number): string | null;
}

export function createDeployService(o: DeployServiceOptions): DeployService {
  const ctx = (extra: { acceptHostKey?: string; keyFile?: string } = {}): DeployContext => ({
    dataDir: o.dataDir,
    secretStore: o.secretStore ?? noSecretStore,
    acceptHostKey: extra.acceptHostKey,
    keyFile: extra.keyFile,
  });
  return {
    deploy: (targets, options) => deployFleet(targets, ctx(options), options, o.onEvent),
    adopt: (target, password, opts = {}) => adoptBox(target, password, ctx(opts), opts, o.onEvent),
    rollback: (targets, opts = {}) => mapLimit(targets, 4, (t) => rollbackBox(t, ctx(opts), opts, o.onEvent)),
    status: (target, opts = {}) => agentStatus(target, ctx(opts), opts),
    uninstall: (target, opts = {}) => uninstallBox(target, ctx(), opts),
    pinnedHostKey: (host, port = 22) => new KnownHosts(join(o.dataDir, 'known-hosts.json')).get(host, port)?.fingerprint ?? null,
  };
}
