// Runs headless site mode until SIGINT/SIGTERM: services + API + site server, with the
// first-start admin password printed once. Used by `se3kit serve` and the `se3kit desktop` fallback.
import { join } from 'node:path';
import { createApiHandlers } from '../api/dispatch';
import { createServices } from '../api/services';
import { appRoot } from '../../agent/app-root';
import { startSiteServer } from './server';
import { startAdminEndpoint } from '../platform/admin-http';

export interface RunSiteOptions {
  data: string;
  host: string;
  port: number;
  resetPassword?: boolean;
  /** Site platform: box-facing port (default 8090) and the embedded broker's port (default 5672). */
  boxPort?: number;
  amqpPort?: number;
  /** An external RabbitMQ instead of the embedded broker (both or neither). */
  brokerUrl?: string;
  brokerAdminUrl?: string;
}

export function rendererDir(): string {
  return join(appRoot(), 'dist', 'renderer');
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function runSite(o: RunSiteOptions): Promise<void> {
  const services = await createServices({ dataDir: o.data, platform: { boxPort: o.boxPort, amqpPort: o.amqpPort, brokerUrl: o.brokerUrl, brokerAdminUrl: o.brokerAdminUrl } });
  const api = createApiHandlers(services);
  let site;
  try {
    site = await startSiteServer({ api, dataDir: o.data, rendererDir: rendererDir(), host: o.host, port: o.port, resetPassword: o.resetPassword });
  } catch (err) {
    api.dispose();
    await services.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new Error(`port ${o.port} on ${o.host} is already in use; pass --port N (or stop the other program)`);
    if (e.code === 'EADDRNOTAVAIL') throw new Error(`${o.host} is not an address of this machine; pass --host with one of its addresses`);
    throw err;
  }
  const admin = services.platform ? await startAdminEndpoint({ api, dataDir: o.data }) : null;
  const out = process.stdout;
  out.write(`SE3 Field Kit site mode: ${site.url}\n`);
  if (services.platform) out.write(`Site platform: boxes log in at http://<this machine>:${services.platform.boxPort}/login\n`);
  if (!LOOPBACK.has(o.host)) out.write(`Listening on ${o.host}: other machines on the network can reach the login page.\n`);
  if (site.createdPassword) {
    out.write(`Admin password (shown only this once; only a hash is stored in ${site.adminFile}):\n  ${site.createdPassword}\n`);
    out.write('Lost it? Run `se3kit serve --reset-password` to set a new one.\n');
  }
  out.write('Press Ctrl+C to stop.\n');

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await admin?.close();
  await site.close();
  api.dispose();
  await services.close();
}
