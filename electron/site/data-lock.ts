// One site server per data folder: `<data>/site.lock` names the process that serves from it.
// A second `se3kit serve` on the same folder is refused (it would share the broker data and the
// admin password file), and `se3kit serve --reset-password` knows a server is running, so it
// replaces the password for that server instead of starting another.
// A lock left by a process that no longer runs (kill -9, power loss) is taken over.
import { mkdir, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'site.lock';

export interface LockInfo {
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

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(file: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as LockInfo;
    return typeof info?.pid === 'number' ? info : null;
  } catch {
    return null;
  }
}

/** Takes the data folder's lock, or returns who holds it. */
export async function acquireSiteLock(dataDir: string): Promise<SiteLock | { heldBy: LockInfo; file: string }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let tries = 0; ; tries++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      try {
        await fh.writeFile(`${JSON.stringify(info)}\n`);
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 3) throw err;
      const holder = await readLock(file);
      // A lock being written this instant reads as empty: give its writer a moment.
      if (!holder && tries === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (holder && alive(holder.pid)) return { heldBy: holder, file };
      await unlink(file).catch(() => undefined); // stale: its process is gone
    }
  }
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
      const holder = await readLock(file);
      if (holder?.pid === process.pid) await unlink(file).catch(() => undefined);
    },
  };
}
