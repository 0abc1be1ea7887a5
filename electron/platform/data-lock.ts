// One platform per data folder: `<data>/platform.lock` names the process whose platform serves
// from it. Two platforms on one folder (the desktop app and `se3kit serve` both default to
// ~/.se3kit) would each issue authorisation codes for the same box, sweep each other's broker
// resources and photo files, and fight over the box port — so the second is refused with who
// holds the folder. A lock left by a process that no longer runs (kill -9, power loss) is taken over.
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PlatformError } from './errors';

export const PLATFORM_LOCK_FILE = 'platform.lock';

/** Folders whose platform runs in this process (a lock naming our own pid is stale otherwise). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holder(file: string): Promise<{ pid: number; startedAt?: string } | null> {
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as { pid?: unknown; startedAt?: string };
    return typeof info?.pid === 'number' ? { pid: info.pid, startedAt: info.startedAt } : null;
  } catch {
    return null;
  }
}

/** Takes the folder's platform lock or throws a PlatformError (409) naming the process that holds it; returns its release. */
export async function acquirePlatformLock(dataDir: string): Promise<() => Promise<void>> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, PLATFORM_LOCK_FILE);
  const refuse = (pid: number, since?: string) =>
    new PlatformError(
      `the site platform already runs on the data folder ${dir} (process ${pid}${pid === process.pid ? ', this one' : ''}${since ? `, since ${since}` : ''}); stop it first (the desktop app or \`se3kit serve\`), or give another data folder`,
      'data_folder_in_use',
      409,
    );
  if (heldHere.has(dir)) throw refuse(process.pid);
  for (let tries = 0; ; tries++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })}\n`);
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 3) throw err;
      const h = await holder(file);
      if (!h && tries === 0) {
        // being written this instant: give its writer a moment
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (h && h.pid !== process.pid && alive(h.pid)) throw refuse(h.pid, h.startedAt);
      await unlink(file).catch(() => undefined); // stale: its process is gone
    }
  }
  heldHere.add(dir);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    heldHere.delete(dir);
    if ((await holder(file))?.pid === process.pid) await unlink(file).catch(() => undefined);
  };
}
