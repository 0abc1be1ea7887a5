// Runs dist/cli.mjs (se3kit serve / desktop) as a child process for tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';

export const cli = join(new URL('../..', import.meta.url).pathname, 'dist', 'cli.mjs');

export interface Running {
  child: ChildProcess;
  out: () => string;
  /** What it wrote to stderr (the server's log). */
  err: () => string;
  url: string;
  stop(): Promise<number | null>;
}

/** Starts the CLI and waits for the site URL line. */
export async function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a server running behind a failed start
      reject(new Error(`no URL within 15 s; stdout: ${out}\nstderr: ${err}`));
    }, 15_000);
    const check = () => {
      const m = /site mode: (https?:\/\/\S+)/.exec(out);
      // the password lines follow the URL line; wait for the last line of the banner
      if (m && out.includes('Press Ctrl+C')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`exited ${code}; stdout: ${out}\nstderr: ${err}`)));
  });
  return {
    child,
    out: () => out,
    err: () => err,
    url,
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** The admin password from the serve banner, or null when none was printed. */
export function passwordIn(out: string): string | null {
  return /Admin password[^\n]*\n\s+(\S+)/.exec(out)?.[1] ?? null;
}

/** A request from a chosen loopback source address (the fuzz may lock 127.0.0.1 out of logins). */
export function from(
  source: string,
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', localAddress: source, headers: init.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
