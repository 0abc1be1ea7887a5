// A small private LAN for the discovery and configure tests: network namespaces on a test
// bridge holding three agents (`se3kit agent`, mDNS on), one box imitating vendor firmware
// (DevSno API only, no mDNS), one web server that is not a box, and one host with nothing
// on port 5555. Every other address of the /24 has no host at all.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process';
import { createTestNet, type NetnsHost, type TestNet } from '../helpers/netns';

const fixtures = new URL('./fixtures/', import.meta.url).pathname;

export const VENDOR_DEV_SNO = 'VENDOR0001';

export interface LanAgent {
  host: NetnsHost;
  proc: AgentProcess;
  dir: string;
}

export interface Lan {
  net: TestNet;
  agents: LanAgent[];
  vendor: NetnsHost;
  notABox: NetnsHost;
  silent: NetnsHost;
  /** An address in the subnet where no host exists. */
  nobody: string;
  close(): Promise<void>;
}

async function waitListening(child: import('node:child_process').ChildProcess, what: string): Promise<void> {
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    while (!/listening/.test(out)) {
      const [ev] = await Promise.race([once(child.stdout!, 'data').then(() => ['data']), once(child, 'exit').then(() => ['exit'])]);
      if (ev === 'exit') throw new Error(`${what} exited: ${out}`);
    }
  } finally {
    clearTimeout(timer);
  }
}

export async function startLan(): Promise<Lan> {
  const net = await createTestNet({ hosts: 6 });
  const agents: LanAgent[] = [];
  const dirs: string[] = [];
  const close = async () => {
    await Promise.all(agents.map((a) => a.proc.kill('SIGKILL').catch(() => undefined)));
    await net.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  try {
    const [h0, h1, h2, vendor, notABox, silent] = net.hosts as [NetnsHost, NetnsHost, NetnsHost, NetnsHost, NetnsHost, NetnsHost];
    await Promise.all(
      [h0, h1, h2].map(async (host, i) => {
        const dir = mkdtempSync(join(tmpdir(), 'se3-lan-agent-'));
        dirs.push(dir);
        // Only the first gets an explicit mDNS name: the others share this machine's host name,
        // so finding them all proves the default instance names are unique per box.
        const proc = await startAgentProcess({ dataDir: dir, host: host.ip, port: 5555, netns: host.ns, name: i === 0 ? 'lan-box-1' : undefined });
        agents.push({ host, proc, dir });
      }),
    );
    agents.sort((a, b) => a.host.ip.localeCompare(b.host.ip, undefined, { numeric: true }));
    await Promise.all([
      waitListening(net.spawnIn(vendor.ns, process.execPath, [join(fixtures, 'vendor-firmware.mjs'), vendor.ip, '5555', VENDOR_DEV_SNO]), 'vendor firmware'),
      waitListening(net.spawnIn(notABox.ns, process.execPath, [join(fixtures, 'not-a-box.mjs'), notABox.ip, '5555']), 'not-a-box server'),
    ]);
    const prefix = net.cidr.split('.').slice(0, 3).join('.');
    return { net, agents, vendor, notABox, silent, nobody: `${prefix}.250`, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** JSON request from this host (the test's technician laptop) to a box. */
export async function boxRequest(ip: string, path: string, put?: Record<string, string>): Promise<{ status: number; json: any }> {
  const r = await fetch(`http://${ip}:5555${path}`, {
    method: put ? 'PUT' : 'GET',
    headers: put ? { 'content-type': 'application/json' } : {},
    body: put ? JSON.stringify(put) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  return { status: r.status, json: await r.json() };
}
