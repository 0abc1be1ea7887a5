// The edge agent: our implementation of the box side of the SE3 protocol. Runs on the SE3
// (aarch64 Linux) and, for development and tests, anywhere as a "virtual box".
// This slice: the configuration API (PROTOCOL §1), /health, and mDNS advertisement.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Codes, CONFIG_API_PORT, errorEnvelope, ProtocolError } from './protocol';
import { limitConnections, rawJsonResponse } from './peer-connections';
import { ConfigStore } from './config-store';
import { handleConfigApi } from './config-api';
import { sendError, sendJson } from './http-util';
import { guardServer, hostAllowed, isClientAbort, requestPath } from './http-guard';
import { boxIdentity } from './identity';
import { advertise, type Advertiser } from './mdns';
import type { HealthBody } from './health';
import { AGENT_VERSION } from './version';
import { startPlatformLink, type PlatformLink } from './link';
import { startRecognition } from './recognition';
import { primaryIPv4 } from './recognition/address';
import { startAdminApi } from './admin-api';
import { RegPics } from './reports/reg-pic';
import { join, resolve } from 'node:path';
import { holderText, lockFolder } from './pid-lock';

/** `<data>/agent.lock`: the process whose agent runs on the data folder. */
export const AGENT_LOCK_FILE = 'agent.lock';

export interface AgentOptions {
  dataDir: string;
  port?: number;
  /** Address to bind; default all interfaces (a box is reached over the LAN). */
  host?: string;
  /** mDNS instance name; default `se3-agent-<hostname>-<last 6 hex digits of the MAC>[-<port>]`. */
  name?: string;
  /** Advertise over mDNS (default true). */
  mdns?: boolean;
  log?: (line: string) => void;
  /** the box's MAC for the platform login (a virtual box's identity); default: the interface's */
  mac?: string;
  /** face engine worker threads for enrolment and fiqa (default 1) */
  faceJobs?: number;
  /** recognition events kept (default 10,000) */
  maxEvents?: number;
  /** snapshot FTP server port (default 2121; 0 = none) */
  ftpPort?: number;
}

export interface RunningAgent {
  port: number;
  host: string;
  store: ConfigStore;
  link: PlatformLink;
  close(): Promise<void>;
}

export async function startAgent(opts: AgentOptions): Promise<RunningAgent> {
  const log = opts.log ?? (() => undefined);
  // one agent per data folder: two would overwrite each other's users, events and configuration
  const lock = await lockFolder(join(opts.dataDir, AGENT_LOCK_FILE));
  if ('heldBy' in lock)
    throw new Error(
      `another agent already runs on the data folder ${resolve(opts.dataDir)} (${holderText(lock.heldBy)}); stop it first (kill ${lock.heldBy.pid}) or give another --data`,
    );
  try {
    return await startOnFolder(opts, log, lock.release);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

async function startOnFolder(opts: AgentOptions, log: (line: string) => void, releaseLock: () => Promise<void>): Promise<RunningAgent> {
  const store = await ConfigStore.open(opts.dataDir, log);
  const identity = { ...boxIdentity(opts.host), ...(opts.mac ? { mac: opts.mac } : {}) };
  const link = await startPlatformLink({ dataDir: opts.dataDir, store, mac: identity.mac, log, faceJobs: opts.faceJobs });
  const host0 = opts.host ?? '0.0.0.0';
  const recognition = await startRecognition({
    dataDir: opts.dataDir,
    link,
    identity: { mac: identity.mac, hostname: identity.hostname, ip: host0 !== '0.0.0.0' ? host0 : primaryIPv4() },
    maxEvents: opts.maxEvents,
    ftpPort: opts.ftpPort,
    ftpHost: host0,
    log,
  }).catch(async (err) => {
    await link.close();
    throw err;
  });
  // the local admin API (§7): its directory names events' groups, its URLs add report destinations
  const admin = await startAdminApi({ link, wipeEvents: () => recognition.events.wipe(), log }).catch(async (err) => {
    await recognition.close();
    await link.close();
    throw err;
  });
  recognition.events.decorate = async (body) => ({
    ...body,
    group_name: admin.groupNameFor(body),
  });
  // GateControllerMode/EventAction: recognition events drive the door relays (agent/gate/)
  recognition.hooks.onEvent = (ev, device) => admin.gate.onEvent(ev, device);
  const local = recognition.reports.useLocal({
    regPics: new RegPics(link.users),
    devSno: () => link.session()?.devSno ?? link.devSno(),
    destinations: () => {
      const e = admin.settings.get('EventServerUrl');
      const h = admin.settings.get('HistoryEventUrl');
      const m = admin.settings.get('MonitorServerUrl');
      return {
        event: { urls: e.event_server_url, needRegPic: e.real_need_reg_pic, type: e['content-type'] },
        history: { urls: h.history_upload_event_url, needRegPic: h.history_need_reg_pic, type: h['content-type'], periodS: h.reported_peroid },
        monitor: { urls: m.monitor_server_url, type: m['content-type'], periodS: m.reported_peroid },
      };
    },
  });
  admin.settings.onChange(() => local.wake());
  const started = Date.now();
  // The names a client may use in Host besides an IP literal (see http-guard.ts); the mDNS
  // instance name is added once the port is known.
  const names = [identity.hostname, ...(opts.name ? [opts.name] : [])];

  // connectionsCheckingInterval: Node checks headersTimeout/requestTimeout only this often (30 s by
  // default), so a client trickling its headers would hold a socket up to 40 s instead of 10.
  const server: Server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    const path = requestPath(req.url) ?? '';
    (async () => {
      if (!path) throw new ProtocolError(Codes.BAD_REQUEST, 'bad request target; expected a path such as /health', 400);
      if (!hostAllowed(req.headers.host, names))
        throw new ProtocolError(Codes.BAD_REQUEST, `Host "${String(req.headers.host).slice(0, 100)}" is not this box; address it by IP or as ${identity.hostname}.local`, 403);
      if (await handleConfigApi(req, res, path, store)) return;
      if (await admin.handle(req, res, path)) return;
      if (await recognition.handle(req, res, path)) return;
      if (path === '/health' && req.method === 'GET') {
        const config = store.get();
        const body: HealthBody = {
          version: AGENT_VERSION,
          uptime: Math.round((Date.now() - started) / 1000),
          dev_sno: config.dev_sno,
          login_url: config.login_url,
          mac: identity.mac,
          hostname: identity.hostname,
          ...link.status(),
          recognition: await recognition.status(),
          admin_api: local.status(),
          gate: admin.gate.status(),
        };
        sendJson(res, 200, body);
        return;
      }
      req.resume();
      throw new ProtocolError(Codes.HTTP_NOT_FOUND, `no such path: ${path}`, 404);
    })().catch((err) => {
      if (isClientAbort(err, req)) return void res.destroy(); // the client went away: nothing to answer, no stack to log
      if (err instanceof ProtocolError) req.resume();
      else log(`error on ${req.method} ${JSON.stringify(path.slice(0, 200))}: ${err instanceof Error ? err.stack : String(err)}`);
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  });
  guardServer(server, log);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  limitConnections(server, {
    maxPerPeer: 128,
    firstRequestMs: 10_000,
    refusal: (peer, max) => rawJsonResponse('503 Service Unavailable', errorEnvelope(Codes.SERVER_PROCESS_FAILED, `too many connections from ${peer} (${max} at once); close some and try again`)),
  });

  const host = opts.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => void recognition.close().then(() => link.close()).finally(() => reject(listenProblem(err, host, opts.port ?? CONFIG_API_PORT)));
    server.once('error', failed);
    server.listen(opts.port ?? CONFIG_API_PORT, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  // Unique per box even when cloned images share a host name: the MAC's last 3 bytes.
  const instanceName = opts.name ?? `se3-agent-${identity.hostname}-${(identity.mac ?? '').replace(/:/g, '').slice(-6) || port}${port === CONFIG_API_PORT ? '' : `-${port}`}`;
  names.push(instanceName);
  let mdns: Advertiser | null = null;
  if (opts.mdns !== false) {
    mdns = advertise({
      name: instanceName,
      port,
      version: AGENT_VERSION,
      identity,
      devSno: store.get().dev_sno,
      interface: host !== '0.0.0.0' ? host : undefined,
    });
    store.on('change', (config, field) => {
      if (field === 'dev_sno') mdns?.update(config.dev_sno).catch((e) => log(`mDNS re-announce failed: ${String(e)}`));
    });
  }
  log(`se3-agent ${AGENT_VERSION} listening on http://${host}:${port} (data ${opts.dataDir}, mac ${identity.mac ?? 'unknown'})`);

  return {
    port,
    host,
    store,
    link,
    async close() {
      await mdns?.close();
      await recognition.close();
      await admin.gate.close(); // held pulses end now: no door left open
      await link.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await releaseLock();
    },
  };
}

/** A listen failure of the configuration API as a sentence saying what to do. */
export function listenProblem(err: Error, host: string, port: number): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') return new Error(`cannot listen on ${where}: the port is already in use (another agent, or another program); pass --port N (or --host with another address), or stop the other one`);
  if (code === 'EADDRNOTAVAIL') return new Error(`cannot listen on ${where}: ${host} is not an address of this machine; pass --host with one of its addresses, or 0.0.0.0 for all`);
  if (code === 'EACCES') return new Error(`cannot listen on ${where}: permission denied (ports below 1024 need root); pass --port 1024 or above`);
  return err;
}
