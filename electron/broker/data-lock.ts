// One broker per message store: `<store dir>/broker.lock` names the process whose broker runs on
// it, whether `se3kit broker --data DIR` or the app's embedded broker (`se3kit serve` / the desktop
// app, on `<data>/broker`). Two brokers appending to one store lose messages, so the second is
// refused naming the holder. A lock left by a process that no longer runs is taken over.
import { join, resolve } from 'node:path';
import { holderText, lockFolder, type FolderLock, type PidLockInfo } from '../../agent/pid-lock';

export const BROKER_LOCK_FILE = 'broker.lock';

export interface BrokerLockInfo extends PidLockInfo {
  /** what runs the broker: `se3kit broker`, or the app (`se3kit serve` / the desktop app) */
  by?: string;
}

/** Takes the store directory's broker lock, or returns the sentence to show (naming the holder and what to do). */
export async function lockBrokerDir(dir: string, by: string): Promise<FolderLock | { refused: string }> {
  const got = await lockFolder<BrokerLockInfo>(join(dir, BROKER_LOCK_FILE), { by });
  if (!('heldBy' in got)) return got;
  const h = got.heldBy;
  return {
    refused: `another broker already runs on the data directory ${resolve(dir)} (${holderText(h)}${h.by ? `, started by ${h.by}` : ''}); stop it first (kill ${h.pid}) or give another --data`,
  };
}
