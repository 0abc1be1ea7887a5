// The app's data directory, one for every entry point (desktop app, site mode, CLI): the site
// password, deploy's known hosts and installation key, the broker's data, stored secrets.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** ~/.se3kit, or $SE3KIT_DATA when set. */
export function defaultDataDir(): string {
  const env = process.env.SE3KIT_DATA;
  return env ? resolve(env) : join(homedir(), '.se3kit');
}
