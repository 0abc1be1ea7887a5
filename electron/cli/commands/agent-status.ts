// se3kit agent-status HOST... — what agent release a box runs and whether it answers.
import type { Command } from 'commander';
import { agentStatus, mapLimit, parseTarget } from '../../deploy/index';
import { addConnectionOptions, contextFrom, writeJson, type ConnectionOpts } from '../../deploy/cli-support';

export function register(program: Command): void {
  const cmd = program
    .command('agent-status')
    .description('show the installed agent release, the previous ones and whether the agent answers')
    .argument('<hosts...>', 'boxes: host, host:port or user@host[:port]');
  addConnectionOptions(cmd).action(async (hosts: string[], o: ConnectionOpts) => {
    const targets = hosts.map((h) => parseTarget(h, { user: o.user, port: o.port }));
    let bad = 0;
    await mapLimit(targets, 4, async (t) => {
      try {
        const s = await agentStatus(t, contextFrom(o), { prefix: o.prefix, agentPort: o.agentPort, init: o.init });
        if (!s.healthy) bad++;
        if (o.json) return writeJson({ ok: s.healthy, ...s });
        process.stdout.write(
          `${t.host}${t.port !== 22 ? `:${t.port}` : ''}: ${s.installedVersion ? `agent ${s.installedVersion}` : 'no agent installed'}` +
            `${s.previous ? ` (previous ${s.previous.replace('releases/', '')})` : ''}, ${s.init} ${s.running ? 'running' : 'not running'}, ` +
            `${s.healthy ? `healthy (reports ${s.reportedVersion}, DevSno ${s.devSno || 'not set'})` : `NOT healthy: ${s.healthReason}`}\n` +
            `  releases: ${s.releases.join(', ') || 'none'}\n`,
        );
      } catch (err) {
        bad++;
        if (o.json) writeJson({ ok: false, host: t.host, port: t.port, reason: (err as Error).message });
        else process.stderr.write(`${t.host}: ${(err as Error).message}\n`);
      }
    });
    if (bad) process.exitCode = 1;
  });
}
