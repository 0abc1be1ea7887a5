// The agent's log: one line per event on stderr. On a box without systemd the supervisor
// appends stderr to <prefix>/run/agent.log (and rotates it only when it restarts the agent);
// under systemd it goes to the journal, which bounds itself. So when stderr is a regular file,
// the running agent keeps it bounded itself: past `maxBytes` the file is copied to `<file>.1`
// (replacing the previous one) and truncated. The supervisor opens the log with O_APPEND, so
// writes after the truncation start again at the beginning of the file.
import { copyFileSync, fstatSync, ftruncateSync, readlinkSync, writeSync } from 'node:fs';

export const DEFAULT_LOG_MAX_BYTES = 5_000_000;

export interface AgentLog {
  (line: string): void;
  /** The file being rotated, or null when stderr is not a regular file. */
  readonly file: string | null;
}

/** A logger on file descriptor `fd` (default stderr), rotating it past `maxBytes` when it is a file. */
export function createAgentLog(opts: { fd?: number; maxBytes?: number } = {}): AgentLog {
  const fd = opts.fd ?? 2;
  const maxBytes = opts.maxBytes ?? (Number(process.env.SE3_AGENT_LOG_MAX_BYTES) || DEFAULT_LOG_MAX_BYTES);
  let file: string | null = null;
  let size = 0;
  try {
    if (fstatSync(fd).isFile()) {
      file = readlinkSync(`/proc/self/fd/${fd}`);
      size = fstatSync(fd).size;
    }
  } catch {
    file = null;
  }
  const log = ((line: string) => {
    const text = `${new Date().toISOString()} ${line.replace(/[\r\n]+/g, ' ')}\n`;
    try {
      writeSync(fd, text);
    } catch {
      return; // nowhere to log to: never take the agent down for it
    }
    if (!file) return;
    size += Buffer.byteLength(text);
    if (size < maxBytes) return;
    try {
      size = fstatSync(fd).size; // other writers (the supervisor, Node itself) append too
      if (size < maxBytes) return;
      copyFileSync(file, `${file}.1`);
      ftruncateSync(fd, 0);
      size = 0;
      writeSync(fd, `${new Date().toISOString()} log rotated: the previous lines are in ${file}.1\n`);
    } catch {
      /* a failed rotation retries at the next line */
    }
  }) as AgentLog;
  Object.defineProperty(log, 'file', { value: file });
  return log;
}
