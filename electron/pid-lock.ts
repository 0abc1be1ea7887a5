// A lock file naming the process that holds a data folder (`site.lock`, `platform.lock`): taken with
// O_EXCL, so two processes never both hold it; a lock whose process no longer runs (kill -9, power
// loss) is taken over. Its JSON carries at least `pid`; callers add what their messages need.
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface PidLockInfo {
  pid: number;
  startedAt?: string;
}

/** Whether a process with this pid runs (one we may not signal counts as running). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readPidLock<T extends PidLockInfo>(file: string): Promise<T | null> {
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as T;
    return typeof info?.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

/**
 * Creates `file` holding `info`, or returns the holder that `holds` says still holds it; a
 * holder it does not (its process is gone) is taken over.
 */
export async function takePidLock<T extends PidLockInfo>(file: string, info: T, holds: (holder: T) => boolean): Promise<{ heldBy: T } | null> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  for (let tries = 0; ; tries++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(info)}\n`);
      } finally {
        await fh.close();
      }
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 3) throw err;
      const holder = await readPidLock<T>(file);
      // A lock being written this instant reads as empty: give its writer a moment.
      if (!holder && tries === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (holder && holds(holder)) return { heldBy: holder };
      await unlink(file).catch(() => undefined); // stale: its process is gone
    }
  }
}

/** Removes `file` if it still names this process. */
export async function releasePidLock(file: string): Promise<void> {
  if ((await readPidLock(file))?.pid === process.pid) await unlink(file).catch(() => undefined);
}
