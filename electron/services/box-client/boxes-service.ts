// The "boxes" service behind the API (electron/api/services.ts BoxesService): Discovery for
// the live list, BoxClient for reading/setting values; MACs resolve through the list.
import type { BatchReport, BoxConfig, BoxRow, ConfigureOutcome, ConfigureRequest, ScanOptions, ScanProgress } from '../../api/boxes';
import type { BoxesService } from '../../api/services';
import { Discovery, type DiscoveryOptions } from '../discovery/discovery';
import { BoxClient, type BoxClientOptions } from './box-client';
import { configureCsv, type BatchOptions } from './batch';

export interface BoxesServiceOptions {
  discovery?: DiscoveryOptions;
  client?: Omit<BoxClientOptions, 'resolveMac'>;
  batch?: Omit<BatchOptions, 'onRow'>;
}

export interface ClosableBoxesService extends BoxesService {
  readonly discovery: Discovery;
  readonly client: BoxClient;
  close(): Promise<void>;
}

export function createBoxesService(opts: BoxesServiceOptions = {}): ClosableBoxesService {
  const discovery = new Discovery(opts.discovery);
  discovery.on('warning', () => undefined); // warnings are informational; never crash the app
  const client = new BoxClient({ ...opts.client, resolveMac: (mac) => discovery.findAllByMac(mac) });
  return {
    discovery,
    client,
    async scan(options: ScanOptions) {
      return { scanId: discovery.scan(options).scanId };
    },
    async stopScan() {
      discovery.stop();
    },
    async list(): Promise<BoxRow[]> {
      return discovery.list();
    },
    async getConfig(host: string, port?: number): Promise<BoxConfig> {
      return client.getConfig(host, port);
    },
    async configure(request: ConfigureRequest): Promise<ConfigureOutcome> {
      const outcome = await client.configure(request);
      if (outcome.ok) {
        discovery.noteConfigured(outcome.host, outcome.port, outcome);
        await discovery.recheck([`${outcome.host}:${outcome.port}`]); // the login state moves on at once
      }
      return outcome;
    },
    async configureCsv(csv: string): Promise<BatchReport> {
      // Each confirmed row updates the list at once (the page shows the new values), then the
      // configured boxes are asked again (their login state moves on).
      const report = await configureCsv(client, csv, { ...opts.batch, onRow: (o) => o.ok && discovery.noteConfigured(o.host, o.port, o) });
      await discovery.recheck(report.rows.filter((o) => o.ok).map((o) => `${o.host}:${o.port}`));
      return report;
    },
    async recheck(ids?: string[]): Promise<void> {
      await discovery.recheck(ids);
    },
    onRow(listener: (row: BoxRow) => void) {
      discovery.on('row', listener);
      return () => discovery.off('row', listener);
    },
    onProgress(listener: (p: ScanProgress) => void) {
      discovery.on('progress', listener);
      return () => discovery.off('progress', listener);
    },
    close: () => discovery.close(),
  };
}
