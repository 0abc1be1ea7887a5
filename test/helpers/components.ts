// Real components the tests need (sshd, RabbitMQ, Chromium, qemu, ip netns...).
// Outside CI a missing component skips the test with the reason; in CI (CI=true) it fails:
// .ci/run installs every component, so a missing one there is a broken set-up, never a skip.
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = `${dir}/${cmd}`;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Returns a reason the component is unusable, or null when it is there. */
export function missing(component: { bin?: string; file?: string; root?: boolean }): string | null {
  if (component.bin && !which(component.bin)) return `${component.bin} is not installed`;
  if (component.file) {
    try {
      accessSync(component.file, constants.R_OK);
    } catch {
      return `${component.file} does not exist`;
    }
  }
  if (component.root && process.getuid?.() !== 0) return 'needs root (network namespaces)';
  return null;
}

/**
 * Call at the top of a test (or in `before`) that needs a component.
 * Returns false when the test should stop (skipped outside CI); throws in CI.
 */
export function requireComponent(t: TestContext | undefined, name: string, component: Parameters<typeof missing>[0]): boolean {
  const why = missing(component);
  if (!why) return true;
  const msg = `${name}: ${why} (bash .ci/run installs it)`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(msg);
  t?.skip(msg);
  return false;
}

export function hasNetns(): boolean {
  return process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
}
