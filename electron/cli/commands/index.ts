// The list of se3kit commands. Add a command: write ./<name>.ts exporting
// `register(program)`, then add it here.
import type { Command } from 'commander';

const registrations: Array<(program: Command) => void> = [];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
