// The box's local admin API (PROTOCOL §7) on port 5555: /SophonFogSys/api/<resource>, served
// behind the agent's request guard like the configuration API (Host check, bounded bodies, safe
// parsing; no authentication, as on the vendor box). Success bodies are `{"data": …}`, failures
// the §8 error envelope (thrown as ProtocolError, answered by the agent's server).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Codes, ProtocolError } from '../protocol';
import { sendJson } from '../http-util';
import { descriptorModelId } from '../face';
import type { PlatformLink } from '../link';
import type { EventBody } from '../events/store';
import { Gate } from '../gate';
import { eventAction, eventServerUrl, gateControllerMode, historyEventUrl, monitorServerUrl } from './config';
import type { AdminContext, Method, Resource } from './context';
import { Directory } from './directory';
import { groups, groupUsers } from './groups';
import { permissions } from './permissions';
import { AdminSettings } from './settings';
import { users } from './users';
import { wipeData } from './wipe';

export const ADMIN_API_PREFIX = '/SophonFogSys/api/';

const RESOURCES: Record<string, Resource> = {
  permissions,
  groups,
  GroupUsers: groupUsers,
  users,
  GateControllerMode: gateControllerMode,
  EventAction: eventAction,
  EventServerUrl: eventServerUrl,
  HistoryEventUrl: historyEventUrl,
  MonitorServerUrl: monitorServerUrl,
  WipeData: wipeData,
};

export interface AdminApi {
  readonly settings: AdminSettings;
  readonly dir: Directory;
  /** the door relays, driven by GateControllerMode and EventAction (agent/gate/) */
  readonly gate: Gate;
  /** Handles the request when its path is under /SophonFogSys/api/; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  /** An event's group_name: the user's first group, else the name of the matched permission group (else its id). */
  groupNameFor(body: Pick<EventBody, 'identity_id' | 'group_name'>): string;
}

export interface AdminApiOptions {
  link: PlatformLink;
  wipeEvents(): Promise<number>;
  maxPhotoBytes?: number;
  log(line: string): void;
}

export async function startAdminApi(o: AdminApiOptions): Promise<AdminApi> {
  const { link } = o;
  const dir = await Directory.open(link.writer, link.users);
  const settings = await AdminSettings.open(link.writer);
  const gate = new Gate({
    settings: () => ({ mode: settings.get('GateControllerMode').controller_mode, actions: settings.get('EventAction').action }),
    log: o.log,
  });
  const ctx: AdminContext = {
    dir,
    settings,
    users: link.users,
    db: link.db,
    face: link.face,
    modelId: () => descriptorModelId(),
    maxPhotoBytes: o.maxPhotoBytes ?? 10 * 1024 * 1024,
    wipeEvents: o.wipeEvents,
    log: o.log,
  };

  return {
    settings,
    dir,
    gate,
    async handle(req, res, path) {
      if (!path.startsWith(ADMIN_API_PREFIX)) return false;
      const name = path.slice(ADMIN_API_PREFIX.length).replace(/\/$/, '');
      const resource = Object.hasOwn(RESOURCES, name) ? RESOURCES[name]! : undefined;
      if (!resource) {
        req.resume();
        throw new ProtocolError(Codes.HTTP_NOT_FOUND, `no such admin API resource: ${name.slice(0, 100) || '(none)'}; known: ${Object.keys(RESOURCES).join(', ')}`, 404);
      }
      const handler = resource[req.method as Method];
      if (!handler) {
        req.resume();
        const allowed = Object.keys(resource).join(', ');
        res.setHeader('allow', allowed);
        throw new ProtocolError(Codes.BAD_REQUEST, `method ${String(req.method).slice(0, 20)} is not allowed on ${path}; use ${allowed}`, 405);
      }
      const data = await handler(req, ctx);
      sendJson(res, 200, { data });
      return true;
    },
    groupNameFor(body) {
      const g = body.identity_id ? dir.groupsOfUser(body.identity_id)[0] : undefined;
      if (g) return g;
      if (!body.group_name) return '';
      // the matched permission group: its name when the directory has it (kept in memory: no query per event)
      return dir.permissionName(body.group_name) ?? body.group_name;
    },
  };
}
