// The agent's HTTP routes for capture devices and snapshots (port 5555, behind the agent's
// Host/parse guard):
//   GET    /se3kit/capture-devices            → {"devices":[…]} (FTP passwords shown as ***)
//   POST   /se3kit/capture-devices            JSON captureDeviceSchema → the device (add or replace)
//   DELETE /se3kit/capture-devices?ep_ip=IP   → the removed device; 404 when unknown
//   POST   /snapshots?ep_ip=IP                image body (≤ MAX_SPOT_BYTES) → the events it made
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Codes, ProtocolError } from '../protocol';
import { readBoundedBody, readJsonBody, sendJson } from '../http-util';
import { MAX_SPOT_BYTES } from '../events/store';
import type { Recognizer } from '../recognition/recognize';
import { trace } from '../recognition/trace';
import { captureDeviceSchema, publicView, type CaptureDevices } from './devices';

const MAX_DEVICE_BODY = 64 * 1024;

export interface CaptureHttpDeps {
  devices: CaptureDevices;
  recognizer: Recognizer;
}

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://x').searchParams;
}

function deviceFor(deps: CaptureHttpDeps, req: IncomingMessage) {
  const ip = queryOf(req).get('ep_ip');
  if (!ip) throw new ProtocolError(Codes.PARAM_ERROR, 'ep_ip is required: the capture device the picture comes from (register it at /se3kit/capture-devices)', 400);
  const d = deps.devices.get(ip);
  if (!d) throw new ProtocolError(Codes.NOT_FOUND, `no capture device ${ip.slice(0, 64)} is registered; add it with POST /se3kit/capture-devices`, 404);
  return d;
}

async function readImage(req: IncomingMessage): Promise<Buffer> {
  const body = await readBoundedBody(req, MAX_SPOT_BYTES, (declared) =>
    declared !== null
      ? new ProtocolError(Codes.IMAGE_SIZE_TOO_LARGE_ERROR, `the picture is ${declared} bytes; at most ${MAX_SPOT_BYTES} are accepted`, 413)
      : new ProtocolError(Codes.IMAGE_SIZE_TOO_LARGE_ERROR, `the picture is over ${MAX_SPOT_BYTES} bytes`, 413),
  );
  if (body.length === 0) throw new ProtocolError(Codes.EMPTY_REQUEST_JSON, 'the request has no picture; send the JPEG or PNG as the body', 400);
  return body;
}

/** Handles the routes above; false when the path is not one of them. */
export async function handleCaptureHttp(req: IncomingMessage, res: ServerResponse, path: string, deps: CaptureHttpDeps): Promise<boolean> {
  if (path === '/se3kit/capture-devices') {
    if (req.method === 'GET') {
      req.resume();
      sendJson(res, 200, { devices: deps.devices.list().map(publicView) });
    } else if (req.method === 'POST') {
      const parsed = captureDeviceSchema.safeParse(await readJsonBody(req, MAX_DEVICE_BODY));
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new ProtocolError(Codes.PARAM_ERROR, `${i.path.join('.') || 'body'}: ${i.message}`, 400);
      }
      try {
        sendJson(res, 200, publicView(await deps.devices.put(parsed.data)));
      } catch (err) {
        if (err instanceof Error && /already used/.test(err.message)) throw new ProtocolError(Codes.PARAM_ERROR, err.message, 409);
        throw err;
      }
    } else if (req.method === 'DELETE') {
      req.resume();
      const d = deviceFor(deps, req);
      await deps.devices.remove(d.ep_ip);
      sendJson(res, 200, publicView(d));
    } else {
      req.resume();
      throw new ProtocolError(Codes.BAD_REQUEST, `${req.method} is not allowed here; use GET, POST or DELETE`, 405);
    }
    return true;
  }
  if (path === '/snapshots') {
    if (req.method !== 'POST') {
      req.resume();
      throw new ProtocolError(Codes.BAD_REQUEST, 'POST the picture to /snapshots?ep_ip=<capture device IP>', 405);
    }
    const tr = trace('snapshot')?.mark('arrived');
    const device = deviceFor(deps, req);
    const image = await readImage(req);
    tr?.mark('read').set('bytes', image.length);
    let r;
    try {
      r = await deps.recognizer.recognize(image, device, Date.now(), tr);
    } catch (err) {
      const e = err as { code?: number; message?: string };
      if (typeof e.code === 'number' && e.code >= 40000 && e.code < 50000) throw new ProtocolError(e.code, e.message ?? 'bad picture', 400);
      throw err;
    }
    sendJson(res, 200, {
      faces: r.faces,
      events: r.events.map((e) => ({ event_id: e.body.ext_data.event_id, identity_id: e.body.identity_id, score: e.body.score, person_type: e.body.ext_data.person_type })),
    });
    return true;
  }
  return false;
}
