// How tests run the se3kit command line: the built bundle dist/cli.mjs (test/run.mjs builds it
// first; `node build/build.mjs --no-renderer` when running a file by hand).
import { spawn, type SpawnOptions } from 'node:child_process';
import { join } from 'node:path';

export const cliPath = join(new URL('../..', import.meta.url).pathname, 'dist', 'cli.mjs');

/** argv that runs `se3kit ARGS...`, optionally inside a network namespace. */
export function cliArgv(args: string[], netns?: string): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, process.execPath, cliPath, ...args]] : [process.execPath, [cliPath, ...args]];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `se3kit ARGS...` to completion (killed after timeoutMs, default 60 s). */
export function runCli(args: string[], opts: { timeoutMs?: number; netns?: string; input?: string; env?: NodeJS.ProcessEnv } & Pick<SpawnOptions, 'cwd'> = {}): Promise<CliResult> {
  const [cmd, argv] = cliArgv(args, opts.netns);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin!.end(opts.input ?? '');
  });
}
