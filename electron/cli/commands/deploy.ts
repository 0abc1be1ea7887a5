// se3kit deploy HOST... — install or update the edge agent on boxes over SSH (see electron/deploy).
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { deployFleet, parseTarget } from '../../deploy/index';
import { addConnectionOptions, contextFrom, defaultBundle, defaultDataDir, eventPrinter, fingerprintList, intArg, printReports, splitArgs, type ConnectionOpts } from '../../deploy/cli-support';

export function register(program: Command): void {
  const cmd = program
    .command('deploy')
    .description('install or update the edge agent on boxes over SSH (automatic rollback when the new version is unhealthy)')
    .argument('<hosts...>', 'boxes: host, host:port or user@host[:port]')
    .option('--bundle <file>', 'agent bundle (default: the newest arm64 bundle in dist/agent or <data dir>/bundles)')
    .option('--concurrency <n>', 'boxes deployed at the same time', intArg('--concurrency', 1, 256), 4)
    .option('--health-timeout <seconds>', 'time the new version has to answer /health and DevSno', intArg('--health-timeout', 1, 600), 30)
    .option('--keep <n>', 'releases kept on each box', intArg('--keep', 1, 20), 3)
    .option('--agent-args <words>', 'extra agent arguments kept in <prefix>/agent.env, e.g. --agent-args=--no-mdns')
    .option('--trust-bundle-key <fingerprint>', "trust the bundle's signing key (SHA256:...) from now on; only for a key you know builds your releases (repeatable)", fingerprintList);
  addConnectionOptions(cmd).action(async (hosts: string[], o: ConnectionOpts & { bundle?: string; concurrency: number; healthTimeout: number; keep: number; agentArgs?: string; trustBundleKey?: string[] }) => {
    const bundle = o.bundle ?? (await defaultBundle(o.dataDir ?? defaultDataDir()));
    if (!bundle) {
      process.stderr.write('se3kit deploy: no agent bundle found; build one with `npm run build:agent -- --arch arm64`, put one in <data dir>/bundles, or pass --bundle FILE\n');
      process.exitCode = 1;
      return;
    }
    let targets;
    let agentArgs: string[];
    try {
      agentArgs = splitArgs(o.agentArgs);
      targets = hosts.map((h) => parseTarget(h, { user: o.user, port: o.port }));
    } catch (err) {
      process.stderr.write(`se3kit deploy: ${(err as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    // a --bundle that is not there is one usage error before any box is touched, not a failure per box
    const isFile = await stat(bundle).then((s) => s.isFile(), () => false);
    if (!isFile) {
      process.stderr.write(`se3kit deploy: bundle not found: ${bundle} — build one with \`npm run build:agent -- --arch arm64\`, put one in <data dir>/bundles, or pass another --bundle FILE\n`);
      process.exitCode = 2;
      return;
    }
    const report = await deployFleet(
      targets,
      contextFrom(o),
      { bundle, prefix: o.prefix, agentPort: o.agentPort, healthTimeoutSec: o.healthTimeout, keepReleases: o.keep, init: o.init, concurrency: o.concurrency, agentArgs, trustBundleKeys: o.trustBundleKey },
      eventPrinter(!!o.json),
    );
    printReports(report.boxes, !!o.json);
    if (!report.ok) process.exitCode = 1;
  });
}
