// One platform per data folder: `<data>/platform.lock` names the process whose platform serves
// from it. Two platforms on one folder (the desktop app and `se3kit serve` both default to
// ~/.se3kit) would each issue authorisation codes for the same box, sweep each other's broker
// resources and photo files, and fight over the box port — so the second is refused with who
// holds the folder. A lock left by a process that no longer runs (kill -9, power loss) is taken over.
import { join, resolve } from 'node:path';
import { holderText, lockFolder } from '../../agent/pid-lock';
import { PlatformError } from './errors';

export const PLATFORM_LOCK_FILE = 'platform.lock';

/** Takes the folder's platform lock or throws a PlatformError (409) naming the process that holds it; returns its release. */
export async function acquirePlatformLock(dataDir: string): Promise<() => Promise<void>> {
  const dir = resolve(dataDir);
  const got = await lockFolder(join(dir, PLATFORM_LOCK_FILE));
  if ('heldBy' in got)
    throw new PlatformError(
      `the site platform already runs on the data folder ${dir} (${holderText(got.heldBy)}); stop it first (the desktop app or \`se3kit serve\`), or give another data folder`,
      'data_folder_in_use',
      409,
    );
  return () => got.release();
}
