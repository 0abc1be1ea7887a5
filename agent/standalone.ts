// Entry point of the standalone agent bundle (build/agent-bundle): `se3-agent --data DIR ...`,
// the same command line as `se3kit agent`.
import { agentCommand } from './cli';

agentCommand('se3-agent')
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`se3-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
