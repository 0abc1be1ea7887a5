// Where the app's own files are, from wherever this code runs: source under tsx, the bundled
// CLI (dist/cli.mjs), the Electron main process (dist/electron/main.cjs), an unpacked app.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function thisDir(): string {
  try {
    const url = (import.meta as { url?: string }).url;
    if (url) return dirname(fileURLToPath(url));
  } catch {
    /* CJS bundle: import.meta is empty */
  }
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/** The app (or project) root: the nearest folder upward holding package.json. */
export function appRoot(): string {
  let d = thisDir();
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return d;
}
