// GET /health: what a technician (and the deploy health check) needs to know at a glance.
import type { BoxConfigValues } from './config-store';
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
}

export function loginStateFor(config: BoxConfigValues): LoginState {
  // The platform login (PROTOCOL §2) is a later slice; until then a configured box waits for it.
  return config.dev_sno && config.login_url ? 'pending' : 'not-configured';
}
