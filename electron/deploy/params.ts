// Validators shared by every way into the deploy service — the API's zod schemas
// (electron/api/deploy.server.ts) and the CLI's options use the same ones, so a value the API
// refuses is refused on the command line too. The prefix and the agent arguments end up in
// <prefix>/agent.env, which the supervisor sources as shell: plain characters only.
import { z } from 'zod';

export const prefixSchema = z
  .string()
  .trim()
  .regex(/^\/[A-Za-z0-9._/+-]*$/, 'prefix must be an absolute path of letters, digits and ._/+- (e.g. /opt/se3-agent)')
  .max(200, 'prefix is too long')
  .refine((p) => p.split('/').every((part) => part !== '.' && part !== '..'), 'prefix must not contain . or .. parts');

export const agentArgSchema = z.string().regex(/^[A-Za-z0-9=._:/,+-]+$/, 'agentArgs: plain words only (letters, digits, =._:/,+-)');

/** An OpenSSH-style SHA256 fingerprint: host keys and bundle signing keys. */
export const fingerprintSchema = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'fingerprint must look like SHA256:<43 base64 characters>');

/** The value, or an Error naming the option and saying what is wrong. */
export function checkOption<T>(schema: z.ZodType<T>, option: string, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`${option}: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}
