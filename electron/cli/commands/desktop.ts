// se3kit desktop (what `npm start` runs) — opens the Electron desktop app; where that cannot
// work (no Electron binary, no display, running as root) it says why and runs headless site
// mode instead.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultDataDir } from '../../api/services';
import { appRoot } from '../../../agent/app-root';
import { portArg, runSiteCommand, transportOptions } from './serve';

/** The Electron binary's path, or why there is none. */
export function electronBinary(): { path: string } | { why: string } {
  const notInstalled = {
    why:
      'the Electron binary is not installed (its download is skipped here: ELECTRON_SKIP_BINARY_DOWNLOAD / npm allowScripts; ' +
      'with internet access, `node node_modules/electron/install.js` fetches it)',
  };
  let path: unknown;
  try {
    path = createRequire(import.meta.url)('electron');
  } catch {
    return notInstalled;
  }
  if (typeof path !== 'string' || !existsSync(path)) return notInstalled;
  return { path };
}

/** Why the desktop app cannot open here, or null when it can. */
export function desktopUnavailable(env: NodeJS.ProcessEnv = process.env): { why: string } | { electron: string; main: string } {
  const main = join(appRoot(), 'dist', 'electron', 'main.cjs');
  if (!existsSync(main)) return { why: `${main} is missing (run \`npm run build\`)` };
  const bin = electronBinary();
  if ('why' in bin) return bin;
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { why: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  if (process.platform === 'linux' && process.getuid?.() === 0) return { why: 'Electron will not run as root with its sandbox on; start it as a normal user' };
  return { electron: bin.path, main };
}

export function register(program: Command): void {
  const desktop = program
    .command('desktop')
    .description('open the desktop app (falls back to headless site mode where Electron or a display is missing)')
    .option('--data <dir>', 'data directory (default: $SE3KIT_DATA or ~/.se3kit)')
    .option('--host <address>', 'site-mode fallback: address to listen on', '127.0.0.1')
    .option('--port <port>', 'site-mode fallback: TCP port', portArg, 8080);
  transportOptions(desktop, 'site-mode fallback: ').action(
    async (o: { data?: string; host: string; port: number; tlsCert?: string; tlsKey?: string; insecureHttp?: boolean }, cmd: Command) => {
      const data = o.data ?? defaultDataDir();
      const can = desktopUnavailable();
      if ('why' in can) {
        process.stdout.write(`se3kit desktop: cannot open the desktop app: ${can.why}.\nRunning headless site mode instead; open the address below in a browser.\n`);
        await runSiteCommand(cmd, { data, host: o.host, port: o.port, tlsCert: o.tlsCert, tlsKey: o.tlsKey, insecureHttp: o.insecureHttp });
        return;
      }
      const child = spawn(can.electron, [appRoot()], { stdio: 'inherit', env: { ...process.env, SE3KIT_DATA: data } });
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
      });
      if (code !== 0) process.exitCode = code;
    },
  );
}
