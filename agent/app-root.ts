// Where the app's own files are, from wherever this code runs: source under tsx, the bundled
// CLI (dist/cli.mjs), the Electron main process (dist/electron/main.cjs), an unpacked app.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the module whose `import.meta.url` is given: in ESM (source, dist/cli.mjs) that
 * module's own folder; in CJS bundles (dist/electron/*.cjs, where import.meta is empty) the
 * bundle's folder.
 */
export function codeDir(metaUrl: string | undefined): string {
  if (metaUrl) return dirname(fileURLToPath(metaUrl));
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/** The app (or project) root: the nearest folder upward holding package.json. */
export function appRoot(): string {
  let d = codeDir((import.meta as { url?: string }).url);
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return d;
}
