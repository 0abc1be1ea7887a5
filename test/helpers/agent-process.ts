// Starts the edge agent (`se3kit agent`, from the built dist/cli.mjs) as a real child process,
// optionally inside a network namespace, and waits until it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { cliArgv, cliPath } from './cli';

export { cliPath };

export interface AgentProcess {
  child: ChildProcess;
  host: string;
  port: number;
  url: string;
  output: () => string;
  /** Sends the signal and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startAgentProcess(opts: {
  dataDir: string;
  host?: string;
  port?: number;
  mdns?: boolean;
  name?: string;
  netns?: string;
}): Promise<AgentProcess> {
  const host = opts.host ?? '127.0.0.1';
  const args = ['agent', '--data', opts.dataDir, '--host', host, '--port', String(opts.port ?? 0)];
  if (opts.mdns === false) args.push('--no-mdns');
  if (opts.name) args.push('--name', opts.name);
  const [cmd, argv] = cliArgv(args, opts.netns);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not listen within 20 s:\n${out}`)), 20_000);
    child.stdout!.on('data', () => {
      const m = /^listening \S+:(\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`agent exited before listening:\n${out}`));
    });
  });
  return {
    child,
    host,
    port,
    url: `http://${host}:${port}`,
    output: () => out,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
