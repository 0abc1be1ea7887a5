// GET /health: what a technician (and the deploy health check) needs to know at a glance.
import type { BoxConfigValues } from './config-store';
import type { GateStatus } from './gate';
import type { BrokerState, LoginState, StateReport } from './link/status';

export type { LoginState, BrokerState } from './link/status';

export interface HealthBody {
  version: string;
  uptime: number;
  dev_sno: string | null;
  login_url: string | null;
  mac: string | null;
  hostname: string;
  login: StateReport<LoginState>;
  broker: StateReport<BrokerState>;
  /** enrolled users */
  users: number;
  /** capture devices, gallery size, stored events, FTP port, spool and history upload state */
  recognition?: { capture_devices: number; gallery: number; events: number; ftp_port: number | null; spool_waiting: number; history_batches_sent: number; history_error: string | null };
  /** the local admin API's report destinations (§7): how many URLs, history batches and status reports acknowledged, the last history failure */
  /** the door relays (GateControllerMode, EventAction): operations done/failed/busy, the last error, the newest operations */
  gate?: GateStatus;
  admin_api?: { event_server_urls: number; history_urls: number; history_batches_sent: number; history_error: string | null; monitor_urls: number; monitor_reports_sent: number };
}

export function loginStateFor(config: BoxConfigValues): LoginState {
  // The platform login (PROTOCOL §2) is a later slice; until then a configured box waits for it.
  return config.dev_sno && config.login_url ? 'pending' : 'not-configured';
}
