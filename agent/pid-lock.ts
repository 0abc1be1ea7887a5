// A lock file naming the process that holds a data folder (`agent.lock`, `broker.lock`, `site.lock`,
// `platform.lock`): taken with O_EXCL, so two processes never both hold it; a lock whose process no
// longer runs (kill -9, power loss) is taken over. Its JSON carries at least `pid`; callers add what
// their messages need. The one lock module of the agent and the app (electron/ imports it from here).
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface PidLockInfo {
  pid: number;
  startedAt?: string;
  /** The kernel's boot id when taken: a lock from before a reboot (power loss) is stale even if its pid now names another process. */
  boot?: string;
}

let bootIdCache: string | undefined;
/** This boot's id (Linux /proc/sys/kernel/random/boot_id; '' elsewhere). */
export function bootId(): string {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdCache = '';
    }
  }
  return bootIdCache;
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

/**
 * Whether a lock's holder still runs: another process, alive, of this boot (after a reboot the
 * pid may name an unrelated process: a box's pids repeat from boot to boot). A lock naming this
 * process is one an earlier run left with the same pid.
 */
export function holderAlive(h: PidLockInfo): boolean {
  return h.pid !== process.pid && (!h.boot || h.boot === bootId()) && processAlive(h.pid);
}

/** Lock files held by this process (a lock naming our own pid is otherwise one an earlier run left). */
const heldHere = new Set<string>();

export interface FolderLock {
  readonly file: string;
  release(): Promise<void>;
}

/**
 * Takes `file` for this process, or returns who holds it: another live process, or this one
 * (two agents or brokers started in one process on the same folder). A lock whose process is gone
 * is taken over; a lock naming our own pid that this process does not hold is stale.
 */
export async function lockFolder<T extends PidLockInfo>(file: string, extra?: Omit<T, 'pid' | 'startedAt'>): Promise<FolderLock | { heldBy: T }> {
  const path = resolve(file);
  if (heldHere.has(path)) return { heldBy: ((await readPidLock<T>(path)) ?? { pid: process.pid }) as T };
  const info = { ...(extra ?? {}), pid: process.pid, startedAt: new Date().toISOString(), boot: bootId() } as T;
  heldHere.add(path); // before the await: a concurrent call in this process sees it held
  let held: { heldBy: T } | null;
  try {
    held = await takePidLock(path, info, holderAlive);
  } catch (err) {
    heldHere.delete(path);
    throw err;
  }
  if (held) {
    heldHere.delete(path);
    return held;
  }
  let released = false;
  return {
    file: path,
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(path);
      await releasePidLock(path);
    },
  };
}

/** "process 123, since 2026-…" (", this one" when it is this process) for refusal messages. */
export function holderText(h: PidLockInfo): string {
  return `process ${h.pid}${h.pid === process.pid ? ', this one' : ''}${h.startedAt ? `, since ${h.startedAt}` : ''}`;
}
