// The deploy service: push, update, roll back and remove the edge agent on SE3 boxes over SSH.
// Never imports electron; the desktop app passes a SecretStore backed by safeStorage.
export { deployBox, type DeployOptions } from './box';
export { deployFleet, mapLimit } from './fleet';
export { adoptBox, agentStatus, rollbackBox, uninstallBox, type AdoptResult, type AgentStatus, type BoxOpOptions } from './ops';
export { parseTarget, targetLabel, type BoxTarget, type DeployContext } from './connect';
export { readManifest, type BundleInfo, type BundleManifest } from './bundle';
export { readBundle, requireTrustedBundle } from './bundle-verify';
export { DeployError, type DeployErrorCode } from './errors';
export type { BoxReport, BoxStatus, DeployEvent, DeployStep, EventSink, FleetReport } from './events';
export { KnownHosts } from './known-hosts';
export { ensureInstallationKey, loadInstallationKey } from './keys';
export { noSecretStore, type SecretStore } from './secret-store';
export { DEFAULT_PREFIX, renderUnit, renderSupervisor } from './service-files';
export { createDeployService, type DeployService, type DeployServiceOptions } from './service';
export type { PreflightCheck } from './preflight';
