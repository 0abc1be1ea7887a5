// se3kit agent: the edge agent as a "virtual box" (the same command line as the agent bundle).
import type { Command } from 'commander';
import { agentCommand } from '../../../agent/cli';

export function register(program: Command): void {
  program.addCommand(agentCommand());
}
