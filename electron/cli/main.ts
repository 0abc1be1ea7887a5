// se3kit: the command-line entry point. Each command lives in its own module under
// ./commands and registers itself on the program; this file only assembles them.
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index';
import { VERSION } from '../version';

export function buildProgram(): Command {
  const program = new Command('se3kit')
    .description('SE3 Field Kit: find, configure, deploy and manage Sophon SE3 boxes')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version exit 0; usage errors exit 2 (commander already printed the message).
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`se3kit: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

main();
