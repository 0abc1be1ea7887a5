// Server side of the "photos" area: param schemas (validated at the transport edge) and the
// handlers mapping each method onto the service.
import type { PhotosMethods } from './photos';
import type { AreaParams, AreaServer } from './area';
import type { Emit } from './hub';
import type { Services } from './services';

export const photosParams = {} satisfies AreaParams<PhotosMethods>;

export function photosHandlers(_services: Services, _emit: Emit): AreaServer<PhotosMethods> {
  return { handlers: {}, dispose() {} };
}
