// One site server per data folder: `<data>/site.lock` names the process that serves from it.
// A second `se3kit serve` on the same folder is refused (it would share the broker data and the
// admin password file), and `se3kit serve --reset-password` knows a server is running, so it
// replaces the password for that server instead of starting another.
// A lock left by a process that no longer runs (kill -9, power loss) is taken over.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bootId, holderAlive, releasePidLock, takePidLock, type PidLockInfo } from '../../agent/pid-lock';

export const LOCK_FILE = 'site.lock';

export interface LockInfo extends PidLockInfo {
  pid: number;
  /** The server's address, once it listens. */
  url?: string;
  startedAt: string;
}

export interface SiteLock {
  readonly file: string;
  /** Records the server's address for the messages other commands print. */
  update(url: string): Promise<void>;
  release(): Promise<void>;
}

/** Takes the data folder's lock, or returns who holds it. */
export async function acquireSiteLock(dataDir: string): Promise<SiteLock | { heldBy: LockInfo; file: string }> {
  const file = join(dataDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), boot: bootId() };
  const held = await takePidLock(file, info, holderAlive);
  if (held) return { heldBy: held.heldBy, file };
  let released = false;
  return {
    file,
    async update(url) {
      info.url = url;
      await writeFile(file, `${JSON.stringify(info)}\n`, { mode: 0o600 });
    },
    async release() {
      if (released) return;
      released = true;
      await releasePidLock(file);
    },
  };
}
