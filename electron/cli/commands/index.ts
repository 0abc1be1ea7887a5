// The list of se3kit commands. Add a command: write ./<name>.ts exporting
// `register(program)`, then add it here.
import type { Command } from 'commander';
import { register as deploy } from './deploy';
import { register as adopt } from './adopt';
import { register as rollback } from './rollback';
import { register as agentStatus } from './agent-status';
import { register as uninstall } from './uninstall';
import { register as fiqa } from './fiqa';
import { register as serve } from './serve';
import { register as desktop } from './desktop';
import { register as broker } from './broker';
import { register as agent } from './agent';
import { register as discover } from './discover';
import { register as configure } from './configure';
import { register as platform } from './platform';

const registrations: Array<(program: Command) => void> = [deploy, adopt, rollback, agentStatus, uninstall, fiqa, serve, desktop, broker, agent, discover, configure, platform];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
