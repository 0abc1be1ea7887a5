// One platform per data folder: `<data>/platform.lock` names the process whose platform serves
// from it. Two platforms on one folder (the desktop app and `se3kit serve` both default to
// ~/.se3kit) would each issue authorisation codes for the same box, sweep each other's broker
// resources and photo files, and fight over the box port — so the second is refused with who
// holds the folder. A lock left by a process that no longer runs (kill -9, power loss) is taken over.
import { join, resolve } from 'node:path';
import { processAlive, releasePidLock, takePidLock } from '../pid-lock';
import { PlatformError } from './errors';

export const PLATFORM_LOCK_FILE = 'platform.lock';

/** Folders whose platform runs in this process (a lock naming our own pid is stale otherwise). */
const heldHere = new Set<string>();

/** Takes the folder's platform lock or throws a PlatformError (409) naming the process that holds it; returns its release. */
export async function acquirePlatformLock(dataDir: string): Promise<() => Promise<void>> {
  const dir = resolve(dataDir);
  const file = join(dir, PLATFORM_LOCK_FILE);
  const refuse = (pid: number, since?: string) =>
    new PlatformError(
      `the site platform already runs on the data folder ${dir} (process ${pid}${pid === process.pid ? ', this one' : ''}${since ? `, since ${since}` : ''}); stop it first (the desktop app or \`se3kit serve\`), or give another data folder`,
      'data_folder_in_use',
      409,
    );
  if (heldHere.has(dir)) throw refuse(process.pid);
  const held = await takePidLock(file, { pid: process.pid, startedAt: new Date().toISOString() }, (h) => h.pid !== process.pid && processAlive(h.pid));
  if (held) throw refuse(held.heldBy.pid, held.heldBy.startedAt);
  heldHere.add(dir);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    heldHere.delete(dir);
    await releasePidLock(file);
  };
}
