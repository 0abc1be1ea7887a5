// A private test network: one Linux bridge with an address for this host, and N network
// namespaces, each joined to the bridge by a veth pair (its end is `eth0` inside). Addresses
// come from 10.213.<x>.0/24 with <x> picked free per run; names carry the creating pid so
// parallel runs never clash and leftovers of dead runs are removed. Needs root and iproute2.
// Processes started with `spawnIn` are killed by `close()`, which also deletes every
// namespace and the bridge; call it from after() (it never throws).
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NetnsHost {
  ns: string;
  ip: string;
  /** MAC of `eth0` inside the namespace (lower-case, colon-separated). */
  mac: string;
}

export interface TestNet {
  bridge: string;
  /** e.g. 10.213.57.0/24 */
  cidr: string;
  /** This host's address on the bridge (where probes and mDNS queries come from). */
  hostIp: string;
  hosts: NetnsHost[];
  /** Starts a process inside a namespace; killed (SIGKILL) by close() if still running. */
  spawnIn(ns: string, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess;
  close(): Promise<void>;
}

const PREFIX = 'se3t';

function ip(args: string[], input?: string): string {
  const r = spawnSync('ip', args, { input, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killNsProcesses(ns: string): void {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 10_000 });
  for (const pid of (r.stdout ?? '').split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Removes namespaces and bridges left by test runs whose process no longer exists. */
export function removeStale(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of list.split('\n')) {
    const m = new RegExp(`^(${PREFIX}-([0-9a-z]+)-[0-9a-f]{2}-\\d+)`).exec(line.trim());
    if (m && !alive(parseInt(m[2]!, 36))) {
      killNsProcesses(m[1]!);
      spawnSync('ip', ['netns', 'del', m[1]!]);
    }
  }
  const links = spawnSync('ip', ['-o', 'link', 'show', 'type', 'bridge'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of links.split('\n')) {
    const m = /^\d+:\s+(s3b([0-9a-z]+)[0-9a-f]{2}):/.exec(line);
    if (m && !alive(parseInt(m[2]!, 36))) spawnSync('ip', ['link', 'del', m[1]!]);
  }
}

function freeThirdOctet(): number {
  const used = spawnSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (let i = 0; i < 200; i++) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!used.includes(`10.213.${x}.`)) return x;
  }
  throw new Error('no free 10.213.x.0/24 test subnet');
}

export async function createTestNet(opts: { hosts: number }): Promise<TestNet> {
  if (opts.hosts < 1 || opts.hosts > 200) throw new Error('1-200 hosts per test network');
  removeStale();
  const tag = process.pid.toString(36) + randomBytes(1).toString('hex');
  const x = freeThirdOctet();
  const bridge = `s3b${tag}`; // ≤ 15 characters (IFNAMSIZ)
  const hostIp = `10.213.${x}.1`;
  const names = Array.from({ length: opts.hosts }, (_, i) => ({ ns: `${PREFIX}-${tag.slice(0, -2)}-${tag.slice(-2)}-${i + 1}`, veth: `s3${tag}v${i + 1}`, ip: `10.213.${x}.${10 + i}` }));
  const children = new Set<ChildProcess>();
  let closed = false;

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all([...children].map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null)));
    for (const n of names) {
      killNsProcesses(n.ns);
      spawnSync('ip', ['netns', 'del', n.ns]);
    }
    spawnSync('ip', ['link', 'del', bridge]);
  };

  try {
    // Host side in one batch: bridge (multicast on, no snooping so mDNS floods), namespaces, veth pairs.
    const batch = [
      `link add ${bridge} type bridge mcast_snooping 0`,
      `link set ${bridge} multicast on`,
      `addr add ${hostIp}/24 dev ${bridge}`,
      `link set ${bridge} up`,
      ...names.flatMap((n) => [
        `netns add ${n.ns}`,
        `link add ${n.veth} type veth peer name eth0 netns ${n.ns}`,
        `link set ${n.veth} master ${bridge}`,
        `link set ${n.veth} up`,
      ]),
    ];
    ip(['-batch', '-'], batch.join('\n') + '\n');
    for (const n of names) {
      ip(['-n', n.ns, '-batch', '-'], [`link set lo up`, `addr add ${n.ip}/24 dev eth0`, `link set eth0 multicast on`, `link set eth0 up`, `route add 224.0.0.0/4 dev eth0`].join('\n') + '\n');
    }
    const hosts: NetnsHost[] = names.map((n) => {
      const out = ip(['-n', n.ns, '-o', 'link', 'show', 'eth0']);
      const mac = /link\/ether ([0-9a-f:]{17})/.exec(out)?.[1];
      if (!mac) throw new Error(`no MAC for eth0 in ${n.ns}: ${out}`);
      return { ns: n.ns, ip: n.ip, mac };
    });
    return {
      bridge,
      cidr: `10.213.${x}.0/24`,
      hostIp,
      hosts,
      spawnIn(ns, cmd, args, spawnOpts = {}) {
        const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOpts });
        children.add(child);
        child.once('exit', () => children.delete(child));
        return child;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
