// Entry point of the standalone agent (the esbuild bundle that runs on the box, and the light
// process the discovery benchmark starts by the dozen): `se3-agent --data DIR [--port 5555]
// [--host 0.0.0.0] [--name NAME] [--no-mdns]`. Same options as `se3kit agent`.
import { CommanderError } from 'commander';
import { agentCommand } from './cli';

const program = agentCommand('se3-agent').exitOverride();
program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  process.stderr.write(`se3-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
