// se3kit rollback HOST... — switch boxes back to their previous agent release.
import type { Command } from 'commander';
import { mapLimit, parseTarget, rollbackBox } from '../../deploy/index';
import { addConnectionOptions, contextFrom, eventPrinter, intArg, printReports, type ConnectionOpts } from '../../deploy/cli-support';

export function register(program: Command): void {
  const cmd = program
    .command('rollback')
    .description('switch boxes back to the previous agent release and check it answers')
    .argument('<hosts...>', 'boxes: host, host:port or user@host[:port]')
    .option('--health-timeout <seconds>', 'time the previous version has to answer', intArg('--health-timeout', 1, 600), 30);
  addConnectionOptions(cmd).action(async (hosts: string[], o: ConnectionOpts & { healthTimeout: number }) => {
    const targets = hosts.map((h) => parseTarget(h, { user: o.user, port: o.port }));
    const sink = eventPrinter(!!o.json);
    const reports = await mapLimit(targets, 4, (t) =>
      rollbackBox(t, contextFrom(o), { prefix: o.prefix, agentPort: o.agentPort, healthTimeoutSec: o.healthTimeout, init: o.init }, sink),
    );
    printReports(reports, !!o.json);
    if (!reports.every((r) => r.ok)) process.exitCode = 1;
  });
}
