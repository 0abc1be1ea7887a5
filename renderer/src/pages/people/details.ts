// A person's further details (the `info` keys the box keeps as they are, PROTOCOL §5) as
// editable text: one `key: value` per line. name, type and permission_ids come from the
// person's own fields and groups, so they cannot be set here.
const RESERVED = new Set(['name', 'type', 'permission_ids']);

export function detailsText(info: Record<string, unknown>): string {
  return Object.entries(info)
    .filter(([k]) => !RESERVED.has(k))
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('\n');
}

/** Parses the text back; a value left as it was keeps its type. Throws with the line at fault. */
export function parseDetails(text: string, before: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const at = line.indexOf(':');
    if (at <= 0) throw new Error(`details, line ${i + 1}: write it as "key: value" (e.g. "department: sales")`);
    const key = line.slice(0, at).trim();
    const value = line.slice(at + 1).trim();
    if (RESERVED.has(key)) throw new Error(`details, line ${i + 1}: "${key}" is set by the fields above, not here`);
    if (key in out) throw new Error(`details, line ${i + 1}: "${key}" is given twice`);
    const old = before[key];
    out[key] = old !== undefined && typeof old !== 'string' && JSON.stringify(old) === value ? old : value;
  });
  return out;
}
