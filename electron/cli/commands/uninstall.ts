// se3kit uninstall HOST... — stop and remove the agent (its data dir stays unless --purge).
import type { Command } from 'commander';
import { mapLimit, parseTarget, uninstallBox } from '../../deploy/index';
import { addConnectionOptions, contextFrom, writeJson, type ConnectionOpts } from '../../deploy/cli-support';

export function register(program: Command): void {
  const cmd = program
    .command('uninstall')
    .description('stop the agent and remove its releases, service and supervisor (keeps DevSno/LoginUrl data unless --purge)')
    .argument('<hosts...>', 'boxes: host, host:port or user@host[:port]')
    .option('--purge', 'also delete the data dir (DevSno, LoginUrl, ...)');
  addConnectionOptions(cmd).action(async (hosts: string[], o: ConnectionOpts & { purge?: boolean }) => {
    const targets = hosts.map((h) => parseTarget(h, { user: o.user, port: o.port }));
    let bad = 0;
    await mapLimit(targets, 4, async (t) => {
      try {
        const r = await uninstallBox(t, contextFrom(o), { prefix: o.prefix, agentPort: o.agentPort, init: o.init, purge: o.purge });
        if (o.json) writeJson({ ok: true, ...r });
        else process.stdout.write(`${t.host}: agent removed${r.dataKept ? ` (data kept in ${o.prefix}/data)` : ', data deleted'}\n`);
      } catch (err) {
        bad++;
        if (o.json) writeJson({ ok: false, host: t.host, reason: (err as Error).message });
        else process.stderr.write(`${t.host}: ${(err as Error).message}\n`);
      }
    });
    if (bad) process.exitCode = 1;
  });
}
