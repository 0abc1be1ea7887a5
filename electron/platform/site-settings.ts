// The site's settings (results mode, inline user records) and its status line.
import { SETTING_INLINE, SETTING_RESULTS, type PlatformCore } from './core';
import type { ResultsMode } from './sync';
import type { PlatformStatus } from './views';
import { localNets } from '../services/discovery/cidr';

/** The LoginUrls a box can be given: one per external IPv4 address of this machine, then loopback (a virtual box here). */
export function siteLoginUrls(boxPort: number, nets = localNets()): string[] {
  return [...new Set(nets.map((n) => `http://${n.address}:${boxPort}/login`)), `http://127.0.0.1:${boxPort}/login`];
}

export async function platformStatus(core: PlatformCore, boxPort: number): Promise<PlatformStatus> {
  const [devices, people] = await core.read(async (s) => [await s.devices.list(), await s.people.count()] as const);
  return {
    boxPort,
    loginUrls: siteLoginUrls(boxPort),
    broker: { kind: core.provisioner.kind, port: core.provisioner.boxEndpoint().port },
    resultsMode: core.deps.resultsMode(),
    inlineUsers: core.deps.inlineUsers(),
    devices: devices.length,
    people,
  };
}

export async function applySettings(core: PlatformCore, s: { resultsMode?: ResultsMode; inlineUsers?: boolean }): Promise<void> {
  // both or neither
  const entries: Array<[string, string]> = [];
  if (s.resultsMode) entries.push([SETTING_RESULTS, s.resultsMode]);
  if (s.inlineUsers !== undefined) entries.push([SETTING_INLINE, s.inlineUsers ? '1' : '0']);
  if (entries.length) await core.setSettings(entries);
}
