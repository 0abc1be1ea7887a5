// Server side of the "broker" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the service.
import type { BrokerMethods } from './broker';
import type { AreaParams, AreaServer } from './area';
import type { Emit } from './hub';
import type { Services } from './services';

export const brokerParams = {} satisfies AreaParams<BrokerMethods>;

export function brokerHandlers(_services: Services, _emit: Emit): AreaServer<BrokerMethods> {
  return { handlers: {}, dispose() {} };
}
