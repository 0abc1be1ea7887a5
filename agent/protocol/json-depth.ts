// How deep a JSON text nests arrays and objects, counted on the text before anything walks the
// parsed value: JSON.parse itself takes any depth, but JSON.stringify, validators and other
// recursive code overflow the stack on a few thousand levels (a 20 kB request). No message of
// the protocol nests more than a handful of levels; every LAN-facing JSON reader refuses a body
// past MAX_JSON_DEPTH with a 400 instead of failing later with an internal error.

/** Levels of arrays/objects a request body may nest (PROTOCOL messages use fewer than 10). */
export const MAX_JSON_DEPTH = 64;

/** True when `text` opens more than `max` arrays/objects inside one another (strings are skipped). */
export function nestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The message of the 400 a too-deep body gets. */
export function tooDeepMessage(what = 'request body', max = MAX_JSON_DEPTH): string {
  return `${what} nests arrays/objects more than ${max} levels deep; no message of the protocol needs that many`;
}
