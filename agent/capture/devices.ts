// Capture devices (PROTOCOL §6.1 sub_devices): cameras, gates and door pads that hand the box
// pictures. Registered on the agent (agent.db table capture_devices), keyed by ep_ip; each names
// the permission groups whose users it recognises and, for snapshot cameras, its FTP login.
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { DbWriter } from '../store/serial';

export const EP_TYPES = ['0', '1', '2', '3', '4'] as const;

export const captureDeviceSchema = z
  .object({
    ep_ip: z.string().refine((s) => isIP(s) !== 0, 'ep_ip must be an IPv4 or IPv6 address'),
    ep_type: z.union([z.enum(EP_TYPES), z.number().int().min(0).max(4).transform(String)]).describe('0 gate, 1 snapshot camera, 2 IPC static, 3 IPC dynamic, 4 door access'),
    name: z.string().max(200).default(''),
    location: z.string().max(200).default(''),
    stream_url: z.string().max(1000).default(''),
    direction: z.union([z.literal(0), z.literal(1)]).default(0),
    permission_ids: z.array(z.union([z.string().min(1).max(100), z.number().int().transform(String)])).max(1000).default(['0']),
    ftp_user: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'ftp_user: 1-64 letters, digits, . _ -')
      .optional(),
    ftp_password: z.string().min(1).max(200).optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if ((d.ftp_user === undefined) !== (d.ftp_password === undefined)) ctx.addIssue({ code: 'custom', path: ['ftp_password'], message: 'give ftp_user and ftp_password together' });
  });

export type CaptureDeviceInput = z.input<typeof captureDeviceSchema>;

export interface CaptureDevice {
  ep_ip: string;
  ep_type: string;
  name: string;
  location: string;
  stream_url: string;
  direction: 0 | 1;
  permission_ids: string[];
  ftp_user?: string;
  ftp_password?: string;
  created_at: string;
}

interface Row extends Omit<CaptureDevice, 'permission_ids' | 'ftp_user' | 'ftp_password'> {
  permission_ids: string;
  ftp_user: string | null;
  ftp_password: string | null;
}

export class CaptureDevices extends EventEmitter<{ added: [CaptureDevice]; removed: [CaptureDevice] }> {
  private readonly byIp = new Map<string, CaptureDevice>();

  private constructor(private readonly w: DbWriter) {
    super();
  }

  static async open(w: DbWriter): Promise<CaptureDevices> {
    const s = new CaptureDevices(w);
    for (const r of await w.db.all<Row>('SELECT * FROM capture_devices ORDER BY created_at')) {
      s.byIp.set(r.ep_ip, {
        ...r,
        direction: r.direction ? 1 : 0,
        permission_ids: JSON.parse(r.permission_ids) as string[],
        ftp_user: r.ftp_user ?? undefined,
        ftp_password: r.ftp_password ?? undefined,
      });
    }
    return s;
  }

  list(): CaptureDevice[] {
    return [...this.byIp.values()];
  }

  get(ip: string): CaptureDevice | undefined {
    return this.byIp.get(ip);
  }

  byFtpUser(user: string): CaptureDevice | undefined {
    for (const d of this.byIp.values()) if (d.ftp_user === user) return d;
    return undefined;
  }

  /** Adds or replaces a device (validated with captureDeviceSchema by the caller). */
  async put(input: z.output<typeof captureDeviceSchema>): Promise<CaptureDevice> {
    const other = input.ftp_user ? this.byFtpUser(input.ftp_user) : undefined;
    if (other && other.ep_ip !== input.ep_ip) throw new Error(`ftp_user "${input.ftp_user}" is already used by the capture device ${other.ep_ip}`);
    const d: CaptureDevice = { ...input, permission_ids: [...new Set(input.permission_ids)], created_at: this.byIp.get(input.ep_ip)?.created_at ?? new Date().toISOString() };
    await this.w.write(
      `INSERT INTO capture_devices (ep_ip, ep_type, name, location, stream_url, direction, permission_ids, ftp_user, ftp_password, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (ep_ip) DO UPDATE SET ep_type = excluded.ep_type, name = excluded.name, location = excluded.location, stream_url = excluded.stream_url,
         direction = excluded.direction, permission_ids = excluded.permission_ids, ftp_user = excluded.ftp_user, ftp_password = excluded.ftp_password`,
      [d.ep_ip, d.ep_type, d.name, d.location, d.stream_url, d.direction, JSON.stringify(d.permission_ids), d.ftp_user ?? null, d.ftp_password ?? null, d.created_at],
    );
    this.byIp.set(d.ep_ip, d);
    this.emit('added', d);
    return d;
  }

  async remove(ip: string): Promise<CaptureDevice | null> {
    const d = this.byIp.get(ip);
    if (!d) return null;
    await this.w.write('DELETE FROM capture_devices WHERE ep_ip = ?', [ip]);
    this.byIp.delete(ip);
    this.emit('removed', d);
    return d;
  }
}

/** A device as the HTTP API shows it (the FTP password is never echoed). */
export function publicView(d: CaptureDevice): Omit<CaptureDevice, 'ftp_password'> & { ftp_password?: '***' } {
  const { ftp_password, ...rest } = d;
  return { ...rest, ...(ftp_password ? { ftp_password: '***' as const } : {}) };
}
