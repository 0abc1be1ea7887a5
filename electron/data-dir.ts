// The app's data directory, one for every entry point (desktop app, site mode, CLI): the site
// password, deploy's known hosts and installation key, the broker's data, stored secrets.
// It is private to its user (0700), and every secret in it is written 0600, whichever code
// writes first: writers go through ensurePrivateDir / writeSecretFile below.
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** ~/.se3kit, or $SE3KIT_DATA when set. */
export function defaultDataDir(): string {
  const env = process.env.SE3KIT_DATA;
  return env ? resolve(env) : join(homedir(), '.se3kit');
}

/**
 * Makes `dir` (and any missing parents) with mode 0700. With `tighten`, also takes group/other
 * access away from `dir` itself when it already exists and belongs to this user (a data dir made
 * by an older version, or by hand, with the default 0755) — only for directories that are ours
 * alone, never a shared parent such as /tmp.
 */
export function ensurePrivateDir(dir: string, tighten = false): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!tighten) return;
  try {
    const st = statSync(dir);
    const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
    if (mine && (st.mode & 0o077) !== 0) chmodSync(dir, st.mode & 0o700);
  } catch {
    /* not ours to change (e.g. a shared mount): leave it */
  }
}

/** The data dir, created 0700 (or made private when it is not). Returns it. */
export function ensureDataDir(dataDir: string): string {
  ensurePrivateDir(dataDir, true);
  return dataDir;
}

/**
 * Writes a secret atomically: a fresh temporary file created with `mode` (0600 by default) in a
 * private directory, flushed, then renamed over `path`. An existing file of another mode is
 * replaced, so the result always has `mode`.
 */
export function writeSecretFile(path: string, content: string | Buffer, mode = 0o600): void {
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode); // the umask may have taken bits away; never adds any beyond `mode`
  renameSync(tmp, path);
}
