// PROTOCOL.md §2: the box's login (query) and the platform's success body, incl. the `rabbitmq`
// block. Parsing is lenient where the vendor examples are (port as "5672" or 5672, missing
// optional fields get their documented defaults); field names are byte-exact.
import { z } from 'zod';

/** `0x` + 12 lower-case hex digits, e.g. `0xe0a50900062b`. */
export const HEX_MAC_RE = /^0x[0-9a-f]{12}$/;

/** `aa:bb:cc:dd:ee:ff` (or `aa-bb-…`, any case) → `0xaabbccddeeff`. */
export function toHexMac(mac: string): string {
  return '0x' + mac.replace(/[:-]/g, '').toLowerCase();
}

/** Login query parameters (GET query or POST parameters). */
export const loginQuerySchema = z.object({
  dev_sno: z.string().min(1, 'dev_sno is required'),
  hex_mac: z.string().regex(HEX_MAC_RE, 'hex_mac must be 0x followed by 12 lower-case hex digits, e.g. 0xe0a50900062b'),
});
export type LoginQuery = z.infer<typeof loginQuerySchema>;

/** The login URL with `dev_sno` and `hex_mac` as query parameters (the box GETs it). */
export function loginRequestUrl(loginUrl: string, q: LoginQuery): string {
  const u = new URL(loginUrl);
  u.searchParams.set('dev_sno', q.dev_sno);
  u.searchParams.set('hex_mac', q.hex_mac);
  return u.toString();
}

/** int given as a number or as a string of digits (the vendor examples send strings). */
const intLike = z.union([z.number().int(), z.string().regex(/^\s*\d+\s*$/, 'must be an integer').transform((s) => Number(s.trim()))]);

export const exchangeSchema = z.object({
  name: z.string(),
  type: z.string().default('topic'),
  passive: z.boolean().default(false),
  durable: z.boolean().default(true),
  auto_delete: z.boolean().default(false),
  arguments: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type ExchangeSettings = z.output<typeof exchangeSchema>;

export const rabbitmqSchema = z
  .object({
    host: z.string().min(1),
    /** accepted as "5672" or 5672; parsed to a number */
    port: intLike.pipe(z.number().int().min(1).max(65535)),
    login: z.string(),
    password: z.string(),
    queue: z.string().min(1),
    vHost: z.string().optional(),
    uploadVHost: z.string().optional(),
    uploadQueue: z.string().optional(),
    fiqaDownQueue: z.string().optional(),
    /** the box publishes it in uploadVHost (the protocol leaves its vhost open; ours: where the box writes) */
    fiqaUploadQueue: z.string().optional(),
    unNeedBindExchange: z.boolean().optional(),
    exchange: exchangeSchema.optional(),
  })
  .superRefine((r, ctx) => {
    if (!r.unNeedBindExchange && !r.exchange) ctx.addIssue({ code: 'custom', path: ['exchange'], message: 'exchange is required unless unNeedBindExchange is true' });
  });
/** As sent (port may be a string). */
export type RabbitmqSettingsBody = z.input<typeof rabbitmqSchema>;
/** As parsed (port a number, exchange defaults filled). */
export type RabbitmqSettings = z.output<typeof rabbitmqSchema>;

export const loginSuccessSchema = z.object({
  token: z.string().min(1),
  imgServerAddr: z.string().optional(),
  recordAddr: z.string().optional(),
  recordUploadPeriod: intLike.pipe(z.number().int().min(1)).default(5),
  deviceInfoAddr: z.string().optional(),
  deviceMonitorAddr: z.string().optional(),
  deviceMonitorPeriod: intLike.pipe(z.number().int().min(1)).default(20),
  rabbitmq: rabbitmqSchema,
});
/** The success body as a platform builds it. */
export type LoginSuccessBody = z.input<typeof loginSuccessSchema>;
/** The success body as a box reads it (defaults applied). */
export type LoginSuccess = z.output<typeof loginSuccessSchema>;

/** Platform side: a success body (checked against the schema, so a typo cannot go out). */
export function loginSuccessBody(body: LoginSuccessBody): LoginSuccessBody {
  loginSuccessSchema.parse(body);
  return body;
}

/** The vhost of `queue` and of the login (default `/`). */
export const commandVHost = (r: RabbitmqSettings): string => r.vHost || '/';
/** The vhost of `uploadQueue` (default `/`). */
export const uploadVHost = (r: RabbitmqSettings): string => r.uploadVHost || '/';

/** `recordAddr` split into its URLs (comma-separated, blanks dropped). */
export function recordAddrList(recordAddr: string | undefined): string[] {
  return (recordAddr ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
