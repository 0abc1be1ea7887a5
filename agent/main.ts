// The edge agent: our implementation of the box side of the SE3 protocol. Runs on the SE3
// (aarch64 Linux) and, for development and tests, anywhere as a "virtual box".
// This slice: the configuration API (PROTOCOL §1), /health, and mDNS advertisement.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Codes, CONFIG_API_PORT, ProtocolError } from './protocol';
import { ConfigStore } from './config-store';
import { handleConfigApi } from './config-api';
import { sendError, sendJson } from './http-util';
import { boxIdentity } from './identity';
import { advertise, type Advertiser } from './mdns';
import type { HealthBody } from './health';
import { AGENT_VERSION } from './version';
import { startPlatformLink, type PlatformLink } from './link';

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
  const store = await ConfigStore.open(opts.dataDir);
  const identity = { ...boxIdentity(opts.host), ...(opts.mac ? { mac: opts.mac } : {}) };
  const link = await startPlatformLink({ dataDir: opts.dataDir, store, mac: identity.mac, log, faceJobs: opts.faceJobs });
  const started = Date.now();

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://box').pathname;
    (async () => {
      if (await handleConfigApi(req, res, path, store)) return;
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
        };
        sendJson(res, 200, body);
        return;
      }
      req.resume();
      throw new ProtocolError(Codes.HTTP_NOT_FOUND, `no such path: ${path}`, 404);
    })().catch((err) => {
      if (!(err instanceof ProtocolError)) log(`error on ${req.method} ${path}: ${err instanceof Error ? err.stack : String(err)}`);
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const host = opts.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => void link.close().finally(() => reject(err));
    server.once('error', failed);
    server.listen(opts.port ?? CONFIG_API_PORT, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let mdns: Advertiser | null = null;
  if (opts.mdns !== false) {
    mdns = advertise({
      // Unique per box even when cloned images share a host name: the MAC's last 3 bytes.
      name: opts.name ?? `se3-agent-${identity.hostname}-${(identity.mac ?? '').replace(/:/g, '').slice(-6) || port}${port === CONFIG_API_PORT ? '' : `-${port}`}`,
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
      await link.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
