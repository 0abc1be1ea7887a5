// Fault injection for crash tests: `SE3KIT_FAULT=<name>` makes the process kill itself (SIGKILL,
// as a power cut or kill -9 would) the first time it reaches the named point. Inert unless that
// variable names the point; read once at start-up.
const armed = process.env.SE3KIT_FAULT ?? '';

/** Points: `before-publish` — a sync command committed to the database, not yet published. */
export function faultPoint(name: 'before-publish'): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
