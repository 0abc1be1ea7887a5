// The Broker panel's remembered choice (<dataDir>/broker-settings.json, replaced atomically):
// whether the broker should run, and on which port and address.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from '../../agent/atomic-file';
import { DEFAULT_BROKER_PORT, type BrokerSettings } from '../api/broker';

export const SETTINGS_FILE = 'broker-settings.json';

export const DEFAULT_SETTINGS: BrokerSettings = { enabled: false, port: DEFAULT_BROKER_PORT, host: '0.0.0.0' };

const settingsSchema = z.object({
  version: z.literal(1),
  enabled: z.boolean(),
  port: z.number().int().min(1).max(65535),
  host: z.enum(['0.0.0.0', '127.0.0.1']),
});

export function settingsPath(dataDir: string): string {
  return join(dataDir, SETTINGS_FILE);
}

/** The remembered settings; the defaults when there are none. Throws on an unreadable file. */
export async function loadSettings(dataDir: string): Promise<BrokerSettings> {
  const path = settingsPath(dataDir);
  const raw = await readJsonFile<unknown>(path);
  if (raw === null) return { ...DEFAULT_SETTINGS };
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path} is not a valid broker settings file; delete it to start over`);
  const { enabled, port, host } = parsed.data;
  return { enabled, port, host };
}

export async function saveSettings(dataDir: string, s: BrokerSettings): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  await writeFileAtomic(settingsPath(dataDir), `${JSON.stringify({ version: 1, ...s }, null, 2)}\n`);
}
