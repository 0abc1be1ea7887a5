// The box port's admission settings (PlatformOptions), checked with zod where they come in: when
// the platform starts (site configuration, the desktop) and by the CLI flag, so a bad value is
// refused with a sentence saying what is allowed, never replaced by a default without a word.
import { z } from 'zod';
import { PlatformError } from './errors';

/** Connections one address may hold at once on the box port, unless configured. */
export const DEFAULT_BOX_CONNECTIONS_PER_ADDRESS = 256;
export const MAX_BOX_CONNECTIONS_PER_ADDRESS = 65_535;

const WHAT = 'the box port\'s connections per address';
export const boxConnectionsPerAddressSchema = z
  .number({ error: `${WHAT} must be a whole number` })
  .int(`${WHAT} must be a whole number`)
  .min(1, `${WHAT} must be at least 1`)
  .max(MAX_BOX_CONNECTIONS_PER_ADDRESS, `${WHAT} must be at most ${MAX_BOX_CONNECTIONS_PER_ADDRESS}`);

/** The first problem zod found, in words (for the CLI and the platform's error alike). */
export function boxConnectionsPerAddressProblem(v: unknown): string | null {
  const r = boxConnectionsPerAddressSchema.safeParse(v);
  return r.success ? null : `${r.error.issues[0]?.message ?? `${WHAT} is not valid`} (got ${JSON.stringify(v) ?? String(v)})`;
}

/** The configured cap, or the default; a bad value is a `bad_option` PlatformError. */
export function boxConnectionsPerAddress(v: unknown): number {
  if (v === undefined) return DEFAULT_BOX_CONNECTIONS_PER_ADDRESS;
  const problem = boxConnectionsPerAddressProblem(v);
  if (problem) throw new PlatformError(`${problem}; boxes behind one NAT address share it, so give 1–${MAX_BOX_CONNECTIONS_PER_ADDRESS} (default ${DEFAULT_BOX_CONNECTIONS_PER_ADDRESS})`, 'bad_option', 400);
  return v as number;
}
