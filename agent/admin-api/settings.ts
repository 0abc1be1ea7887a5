// The local admin API's settings (PROTOCOL §7), one JSON value per resource in agent.db
// (admin_settings), kept in memory for the reporters: GateControllerMode, EventAction,
// EventServerUrl (realtime events), HistoryEventUrl (history batches), MonitorServerUrl (device
// status). A POST/PUT replaces the whole value; an empty URL list turns that report off.
import { isIP } from 'node:net';
import { z } from 'zod';
import type { DbWriter } from '../store/serial';
import { ACTION_MODE_NAMES, GATE_MODE_NAMES, isActionMode, isGateMode } from '../gate/modes';
import { boolParam, intParam } from './request';

const url = z
  .string({ message: 'must be a URL string' })
  .trim()
  .max(2000, 'is longer than 2000 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !/[\s\u0000-\u001f]/.test(s);
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without credentials or spaces');

/** One URL or a list of them (integrators send both; '' or [] = none); at most 10, duplicates dropped. */
const urlList = z
  .union([z.literal('').transform((): string[] => []), url.transform((u) => [u]), z.array(url, { message: 'must be a list of URLs' }).max(10, 'at most 10 URLs')])
  .transform((l) => [...new Set(l.map((u) => new URL(u).toString()))]);

const contentType = z.enum(['json', 'form-data'], { message: 'must be "json" or "form-data"' }).default('json');
/** seconds between reports */
const period = intParam(1, 86_400).default(20);

export const gateModeSchema = z.object({
  controller_mode: z
    .string({ message: 'controller_mode is required: opendoor, alarm, avoid, …' })
    .trim()
    .toLowerCase()
    .refine(isGateMode, `controller_mode must be one of ${GATE_MODE_NAMES.join(', ')}`),
});

export const eventActionSchema = z.object({
  action: z
    .array(
      z.object({
        action_ip: z.string({ message: 'action_ip is required' }).refine((s) => isIP(s) !== 0, 'action_ip must be an IPv4 or IPv6 address'),
        action_port: intParam(1, 65535),
        action_mode: z
          .string({ message: `action_mode is required: one of ${ACTION_MODE_NAMES.join(', ')}` })
          .trim()
          .toLowerCase()
          .refine(isActionMode, `action_mode must be one of ${ACTION_MODE_NAMES.join(', ')}`),
        action_duration: intParam(0, 3600).default(5),
        /** the relay channel: Modbus coil address */
        logic_port: intParam(0, 65535).default(0),
        /** extension: only events of this capture device fire the action */
        ep_ip: z
          .string({ message: 'ep_ip must be a capture device address' })
          .refine((s) => isIP(s) !== 0, 'ep_ip must be an IPv4 or IPv6 address (a capture device)')
          .optional(),
      }),
      { message: 'action must be a list of {action_ip, action_port, action_mode, action_duration, logic_port}' },
    )
    .max(32, 'at most 32 actions'),
});

export const eventServerSchema = z.object({
  event_server_url: urlList,
  real_need_reg_pic: boolParam.default(true),
  'content-type': contentType,
});

export const historyServerSchema = z.object({
  history_upload_event_url: urlList,
  history_need_reg_pic: boolParam.default(false),
  'content-type': contentType,
  reported_peroid: period,
});

export const monitorServerSchema = z.object({
  monitor_server_url: urlList,
  'content-type': contentType,
  reported_peroid: period,
});

export interface SettingsValues {
  GateControllerMode: z.output<typeof gateModeSchema>;
  EventAction: z.output<typeof eventActionSchema>;
  EventServerUrl: z.output<typeof eventServerSchema>;
  HistoryEventUrl: z.output<typeof historyServerSchema>;
  MonitorServerUrl: z.output<typeof monitorServerSchema>;
}
export type SettingKey = keyof SettingsValues;

export const SETTING_DEFAULTS: SettingsValues = {
  GateControllerMode: { controller_mode: 'opendoor' },
  EventAction: { action: [] },
  EventServerUrl: { event_server_url: [], real_need_reg_pic: true, 'content-type': 'json' },
  HistoryEventUrl: { history_upload_event_url: [], history_need_reg_pic: false, 'content-type': 'json', reported_peroid: 20 },
  MonitorServerUrl: { monitor_server_url: [], 'content-type': 'json', reported_peroid: 20 },
};

export class AdminSettings {
  private values: SettingsValues = structuredClone(SETTING_DEFAULTS);
  private readonly listeners: Array<(key: SettingKey) => void> = [];

  private constructor(private readonly w: DbWriter) {}

  static async open(w: DbWriter): Promise<AdminSettings> {
    const s = new AdminSettings(w);
    for (const r of await w.db.all<{ key: string; value: string }>('SELECT key, value FROM admin_settings')) {
      if (r.key in s.values) s.values = { ...s.values, [r.key]: { ...SETTING_DEFAULTS[r.key as SettingKey], ...(JSON.parse(r.value) as object) } };
    }
    return s;
  }

  get<K extends SettingKey>(key: K): SettingsValues[K] {
    return this.values[key];
  }

  async set<K extends SettingKey>(key: K, value: SettingsValues[K]): Promise<void> {
    await this.w.write('INSERT INTO admin_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, JSON.stringify(value)]);
    this.values = { ...this.values, [key]: value };
    for (const fn of this.listeners) fn(key);
  }

  /** Called after every change (the reporters look at new URLs and periods at once). */
  onChange(fn: (key: SettingKey) => void): void {
    this.listeners.push(fn);
  }
}
