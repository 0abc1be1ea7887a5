// An alert as the Devices page words it. The platform's message names the box ("front gate
// (CODE) is offline: no status report since 2026-11-28T12:27:42.682Z …", the form the CLI
// prints); the page shows the box's name once, in bold, and times in the browser's zone.
import { clock } from '../../time-format';

const ISO = /\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g;

/** `who`: the box's name (or code) to show in bold; `rest`: the message after it. */
export function alertWords(message: string, name: string, devSno: string): { who: string; rest: string } {
  const prefixes = [name ? `${name} (${devSno}) ` : null, `${devSno} `].filter((p): p is string => !!p);
  const prefix = prefixes.find((p) => message.startsWith(p));
  const rest = (prefix ? message.slice(prefix.length) : `: ${message}`).replace(ISO, (iso) => clock(Date.parse(iso)));
  return { who: name || devSno, rest };
}
