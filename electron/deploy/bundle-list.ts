// The agent bundles the Deploy page can offer: se3-agent-*.tar / .tar.gz files in the app's
// dist/agent (what `npm run build:agent` writes) and in <data dir>/bundles (where a technician
// drops a release they were given). Only each file's manifest (its first tar entry) is read.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleChoice } from '../api/deploy';
import { appRoot } from '../../agent/app-root';
import { readManifest } from './bundle';

export const BUNDLE_FILE = /^se3-agent-.+-linux-(arm64|x64)\.tar(\.gz)?$/;


/** The folders searched, with the label the chooser shows for each. */
export function bundleDirs(dataDir: string): Array<{ dir: string; source: BundleChoice['source'] }> {
  return [
    { dir: join(appRoot(), 'dist', 'agent'), source: 'app' },
    { dir: join(dataDir, 'bundles'), source: 'data' },
  ];
}

function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Every readable bundle in the bundle folders, newest version first; unreadable files are skipped. */
export async function listBundles(dataDir: string): Promise<BundleChoice[]> {
  const out: BundleChoice[] = [];
  for (const { dir, source } of bundleDirs(dataDir)) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => BUNDLE_FILE.test(n));
    } catch {
      continue; // folder absent
    }
    for (const fileName of names) {
      const path = join(dir, fileName);
      try {
        const m = await readManifest(path);
        out.push({ path, fileName, version: m.version, arch: m.arch, size: statSync(path).size, builtAt: m.builtAt, source });
      } catch {
        /* not a bundle (or half-written): not offered */
      }
    }
  }
  return out.sort((a, b) => compareVersions(b.version, a.version) || b.builtAt.localeCompare(a.builtAt) || a.fileName.localeCompare(b.fileName));
}
