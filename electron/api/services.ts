// The services behind the API, created by ONE function used by both the desktop app
// (electron/main) and headless site mode (se3kit serve). Services never import electron.
import { createBrokerControl, type BrokerControl } from '../broker/control';
import { createDeployJobs, type DeployJobs } from '../deploy/jobs';
import type { SecretStore } from '../deploy/secret-store';
import { createPhotoCheckService, type PhotoCheckService } from '../fiqa/photo-service';
import { createBoxesService } from '../services/box-client';
import { createPlatformService, type PlatformService } from '../platform/service';
import { createRabbitmqProvisioner } from '../platform/broker-rabbitmq';
import type { PlatformEventsSettings } from '../platform/events';
import type { BatchReport, BoxConfig, BoxRow, ConfigureOutcome, ConfigureRequest, ScanOptions, ScanProgress } from './boxes';

/** What the "boxes" API area needs from the discovery + box-client services. */
export interface BoxesService {
  scan(options: ScanOptions): Promise<{ scanId: number }>;
  stopScan(): Promise<void>;
  list(): Promise<BoxRow[]>;
  getConfig(host: string, port?: number): Promise<BoxConfig>;
  configure(request: ConfigureRequest): Promise<ConfigureOutcome>;
  configureCsv(csv: string): Promise<BatchReport>;
  /** Asks the listed boxes (or the given ids) again; rows change through onRow. */
  recheck?(ids?: string[]): Promise<void>;
  /** Each returns its unsubscribe function. */
  onRow(listener: (row: BoxRow) => void): () => void;
  onProgress(listener: (progress: ScanProgress) => void): () => void;
}

export interface Services {
  readonly dataDir: string;
  readonly boxes: BoxesService;
  readonly deploy: DeployJobs;
  readonly photos: PhotoCheckService;
  readonly broker: BrokerControl;
  /** The site platform; null where it does not run (unit tests, or its port was taken). */
  readonly platform: PlatformService | null;
  close(): Promise<void>;
}

export { defaultDataDir } from '../data-dir';

export interface ServicesOptions {
  dataDir: string;
  /** Where deploy may keep box passwords: Electron safeStorage on the desktop; none in site mode. */
  secretStore?: SecretStore;
  /** Replaces the real boxes service (transport unit tests only). */
  boxes?: BoxesService & { close?(): Promise<void> };
  /** The site platform's ports (createServices only); false: no platform. Default: box port 8090, broker 5672. */
  platform?: { boxPort?: number; boxHost?: string; boxConnectionsPerAddress?: number; amqpPort?: number; brokerUrl?: string; brokerAdminUrl?: string; events?: PlatformEventsSettings } | false;
}

/**
 * Creates every service once; the caller closes them. Nothing starts working here: discovery
 * waits for a scan, the face pool for the first photo, the broker for its Start.
 */
export function assembleServices(opts: ServicesOptions, platform: PlatformService | null = null): Services {
  const boxes = opts.boxes ?? createBoxesService();
  const deploy = createDeployJobs({ dataDir: opts.dataDir, secretStore: opts.secretStore });
  const photos = createPhotoCheckService({ dataDir: opts.dataDir });
  const broker = createBrokerControl({ dataDir: opts.dataDir });
  return {
    dataDir: opts.dataDir,
    boxes,
    deploy,
    photos,
    broker,
    platform,
    async close() {
      await platform?.close().catch(() => undefined);
      await Promise.allSettled([boxes.close?.(), deploy.close(), photos.close(), broker.close()]);
    },
  };
}

export async function createServices(opts: ServicesOptions): Promise<Services> {
  const services = assembleServices(opts);
  if (opts.platform === false) return services;
  const o = opts.platform ?? {};
  try {
    const platform = await createPlatformService({
      dataDir: opts.dataDir,
      boxPort: o.boxPort,
      boxHost: o.boxHost,
      boxConnectionsPerAddress: o.boxConnectionsPerAddress,
      amqpPort: o.amqpPort,
      events: o.events,
      brokerControl: services.broker,
      provisioner: o.brokerUrl && o.brokerAdminUrl ? () => createRabbitmqProvisioner({ brokerUrl: o.brokerUrl!, adminUrl: o.brokerAdminUrl! }) : undefined,
      checkPhoto: (bytes, level) => services.photos.check(bytes, { level: level ?? 'high' }),
    });
    return { ...services, platform, close: async () => { await platform.close().catch(() => undefined); await services.close(); } };
  } catch (err) {
    // the rest of the app works without the platform; say why it is missing
    process.stderr.write(`Site platform not started: ${(err as Error).message}\n`);
    return services;
  }
}
