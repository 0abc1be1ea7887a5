// Broker users while the broker is stopped: read and changed directly in its definitions file
// (the same file the running broker keeps; replaced atomically). Passwords are stored only as
// salted hashes (auth.ts). While it runs, the control goes through the Broker API instead.
import type { BrokerUser } from '../api/broker';
import { hashPassword, type Permission } from './auth';
import { ensurePrivateDir, loadDefinitions, saveDefinitions, type Definitions } from './store/metadata';

export const FULL_ACCESS: Permission = { configure: '.*', write: '.*', read: '.*' };
export const DEFAULT_VHOST = '/';

function emptyDefinitions(): Definitions {
  return { version: 1, users: [], vhosts: [], permissions: [] };
}

/** Users with the vhosts they have permissions on. */
export function usersOf(defs: { users: Array<{ name: string }>; permissions: Array<{ user: string; vhost: string }> } | null): BrokerUser[] {
  if (!defs) return [];
  return defs.users
    .map((u) => ({ name: u.name, vhosts: defs.permissions.filter((p) => p.user === u.name).map((p) => p.vhost).sort() }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function readUsersAtRest(brokerDir: string): BrokerUser[] {
  return usersOf(loadDefinitions(brokerDir));
}

export function addUserAtRest(brokerDir: string, name: string, password: string): void {
  ensurePrivateDir(brokerDir);
  const defs = loadDefinitions(brokerDir) ?? emptyDefinitions();
  defs.users.push({ name, passwordHash: hashPassword(password), tags: [] });
  defs.permissions = defs.permissions.filter((p) => !(p.user === name && p.vhost === DEFAULT_VHOST));
  defs.permissions.push({ user: name, vhost: DEFAULT_VHOST, ...FULL_ACCESS });
  saveDefinitions(brokerDir, defs);
}

/** Sets a new password for a user of a stopped broker; false when there is no such user. */
export function changePasswordAtRest(brokerDir: string, name: string, password: string): boolean {
  const defs = loadDefinitions(brokerDir);
  const u = defs?.users.find((x) => x.name === name);
  if (!defs || !u) return false;
  u.passwordHash = hashPassword(password);
  delete u.hashing;
  saveDefinitions(brokerDir, defs);
  return true;
}

export function deleteUserAtRest(brokerDir: string, name: string): void {
  const defs = loadDefinitions(brokerDir);
  if (!defs) return;
  defs.users = defs.users.filter((u) => u.name !== name);
  defs.permissions = defs.permissions.filter((p) => p.user !== name);
  saveDefinitions(brokerDir, defs);
}
