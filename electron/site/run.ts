// Runs headless site mode until SIGINT/SIGTERM: services + API + site server, with the
// first-start admin password printed once. Used by `se3kit serve` and the `se3kit desktop` fallback.
// One server per data folder (site.lock): `--reset-password` while one runs replaces the
// password for that server (it takes it at once) instead of starting a second one.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createApiHandlers } from '../api/dispatch';
import { siteLoginUrls } from '../platform/site-settings';
import { createServices } from '../api/services';
import { appRoot } from '../../agent/app-root';
import { acquireSiteLock } from './data-lock';
import { AdminPassword } from './password';
import { startSiteServer } from './server';
import { startAdminEndpoint } from '../platform/admin-http';

export interface RunSiteOptions {
  data: string;
  host: string;
  port: number;
  resetPassword?: boolean;
  /** PEM files: serve HTTPS. */
  tlsCert?: string;
  tlsKey?: string;
  /** Allow plain HTTP on an address other machines can reach. */
  insecureHttp?: boolean;
  /** Site platform: box-facing port (default 8090) and the embedded broker's port (default 5672). */
  boxPort?: number;
  amqpPort?: number;
  /** Site platform: connections one address may hold at once on the box port (default 256). */
  boxConnectionsPerAddress?: number;
  /** An external RabbitMQ instead of the embedded broker (both or neither). */
  brokerUrl?: string;
  brokerAdminUrl?: string;
  /** Site platform: report periods handed to boxes (s) and the events retention (the site's setting when absent). */
  statusPeriod?: number;
  recordPeriod?: number;
  eventsMax?: number;
  eventsMaxAgeDays?: number;
}

export function rendererDir(): string {
  return join(appRoot(), 'dist', 'renderer');
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** A mistake in how the command was called (the CLI exits 2). */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** Checks the TLS and --host options together; throws UsageError saying what to do. */
export function checkTransport(o: Pick<RunSiteOptions, 'host' | 'tlsCert' | 'tlsKey' | 'insecureHttp'>): void {
  if (!!o.tlsCert !== !!o.tlsKey) throw new UsageError('give both --tls-cert and --tls-key (PEM files), or neither');
  if (!o.tlsCert && !o.insecureHttp && !isLoopbackHost(o.host))
    throw new UsageError(
      `--host ${o.host} lets other machines reach site mode, and without TLS the admin password and the session cookie cross the network in clear. ` +
        'Give --tls-cert FILE --tls-key FILE (PEM; e.g. `openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=site -keyout key.pem -out cert.pem`), ' +
        'or pass --insecure-http to accept plain HTTP on a network you trust.',
    );
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export async function runSite(o: RunSiteOptions): Promise<void> {
  checkTransport(o);
  const tls = o.tlsCert && o.tlsKey ? { cert: await readPem(o.tlsCert, 'TLS certificate'), key: await readPem(o.tlsKey, 'TLS key') } : undefined;
  const out = process.stdout;

  const lock = await acquireSiteLock(o.data);
  if ('heldBy' in lock) {
    const who = `pid ${lock.heldBy.pid}${lock.heldBy.url ? `, ${lock.heldBy.url}` : ''}`;
    if (!o.resetPassword)
      throw new Error(
        `site mode is already running with the data folder ${o.data} (${who}). Open that one, stop it first (kill ${lock.heldBy.pid}), or give another --data folder.`,
      );
    const { admin, created } = await AdminPassword.open(o.data, { reset: true });
    out.write(`Site mode is already running with this data folder (${who}); it takes the new password at once.\n`);
    out.write(`Admin password (new, shown only this once; only a hash is stored in ${admin.file}):\n  ${created}\n`);
    out.write('The old password no longer works: everyone logged in is logged out, and failed-login lockouts are cleared.\n');
    return;
  }

  let services;
  let api;
  let site;
  try {
    services = await createServices({ dataDir: o.data, platform: { boxPort: o.boxPort, boxConnectionsPerAddress: o.boxConnectionsPerAddress, amqpPort: o.amqpPort, brokerUrl: o.brokerUrl, brokerAdminUrl: o.brokerAdminUrl,
      events: { statusPeriodS: o.statusPeriod, recordPeriodS: o.recordPeriod, retention: { maxEvents: o.eventsMax, maxAgeDays: o.eventsMaxAgeDays } } } });
    api = createApiHandlers(services);
    site = await startSiteServer({ api, dataDir: o.data, rendererDir: rendererDir(), host: o.host, port: o.port, resetPassword: o.resetPassword, tls });
  } catch (err) {
    api?.dispose();
    await services?.close();
    await lock.release();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') throw new Error(`port ${o.port} on ${o.host} is already in use; pass --port N (or stop the other program)`);
    if (e.code === 'EADDRNOTAVAIL') throw new Error(`${o.host} is not an address of this machine; pass --host with one of its addresses`);
    if (tls && /PEM|key values mismatch|certificate|ASN1|DECODER/i.test(e.message ?? ''))
      throw new UsageError(`--tls-cert ${o.tlsCert} and --tls-key ${o.tlsKey} are not a matching PEM certificate and private key (${e.message})`);
    throw err;
  }
  await lock.update(site.url);
  const admin = services.platform ? await startAdminEndpoint({ api, dataDir: o.data }) : null;
  out.write(`SE3 Field Kit site mode: ${site.url}\n`);
  if (services.platform) {
    out.write(`Site platform: boxes log in at http://<this machine>:${services.platform.boxPort}/login\n`);
    // what to give a box by hand (`se3kit configure HOST --login-url …`; `platform commission` sets it itself)
    out.write(`  LoginUrl for a box: ${siteLoginUrls(services.platform.boxPort).join(', ')} (the last: a virtual box on this computer)\n`);
  }
  if (!isLoopbackHost(o.host))
    out.write(
      tls
        ? `Listening on ${o.host} over HTTPS: other machines on the network can reach the login page.\n`
        : `Listening on ${o.host} over plain HTTP (--insecure-http): other machines on the network can reach the login page, and passwords cross the network in clear.\n`,
    );
  if (site.createdPassword) {
    out.write(`Admin password (shown only this once; only a hash is stored in ${site.adminFile}):\n  ${site.createdPassword}\n`);
    out.write('Lost it? Run `se3kit serve --reset-password` to set a new one (also while this server runs: it takes the new one at once).\n');
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
  await lock.release();
}
