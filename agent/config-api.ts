// PROTOCOL §1 on the box: GET/PUT /SophonMQ/api/DevSno and /SophonMQ/api/LoginUrl.
// A PUT is validated completely before anything is stored; a rejected one changes nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import {
  Codes,
  DEV_SNO_PATH,
  LOGIN_URL_PATH,
  MAX_CONFIG_BODY_BYTES,
  ProtocolError,
  firstIssue,
  getDevSnoResponse,
  getLoginUrlResponse,
  putDevSnoBody,
  putLoginUrlBody,
  putResponse,
} from './protocol';
import type { ConfigStore } from './config-store';
import { readJsonBody, sendJson } from './http-util';

interface Route {
  field: 'dev_sno' | 'login_url';
  body: z.ZodType<Record<string, string>>;
  get: (value: string) => unknown;
}

const routes: Record<string, Route> = {
  [DEV_SNO_PATH]: { field: 'dev_sno', body: putDevSnoBody, get: getDevSnoResponse },
  [LOGIN_URL_PATH]: { field: 'login_url', body: putLoginUrlBody, get: getLoginUrlResponse },
};

/** Handles the request when it is for the config API; returns false when the path is not ours. */
export async function handleConfigApi(req: IncomingMessage, res: ServerResponse, path: string, store: ConfigStore): Promise<boolean> {
  const route = routes[path];
  if (!route) return false;
  if (req.method === 'GET') {
    // An unset value reads as an empty string: the vendor firmware answers the same shape.
    sendJson(res, 200, route.get(store.get()[route.field] ?? ''));
    return true;
  }
  if (req.method === 'PUT') {
    const body = await readJsonBody(req, MAX_CONFIG_BODY_BYTES);
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new ProtocolError(Codes.PARAM_ERROR, `request body must be a JSON object with "${route.field}"`, 400);
    const parsed = route.body.safeParse(body);
    if (!parsed.success) throw new ProtocolError(Codes.PARAM_ERROR, firstIssue(parsed.error), 400);
    const value = parsed.data[route.field]!;
    await store.set(route.field, value);
    sendJson(res, 200, putResponse(value));
    return true;
  }
  res.setHeader('allow', 'GET, PUT');
  throw new ProtocolError(Codes.BAD_REQUEST, `method ${req.method} is not allowed on ${path}; use GET or PUT`, 405);
}
