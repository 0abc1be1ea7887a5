// Server side of the "deploy" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the service.
import type { DeployMethods } from './deploy';
import type { AreaParams, AreaServer } from './area';
import type { Emit } from './hub';
import type { Services } from './services';

export const deployParams = {} satisfies AreaParams<DeployMethods>;

export function deployHandlers(_services: Services, _emit: Emit): AreaServer<DeployMethods> {
  return { handlers: {}, dispose() {} };
}
