// /SophonFogSys/api/GateControllerMode, EventAction, EventServerUrl, HistoryEventUrl,
// MonitorServerUrl (PROTOCOL §7): settings stored in agent.db (settings.ts). A POST (PUT for
// EventAction) replaces the value and answers it; GET answers the current value (defaults when
// never set). The report URLs take effect at once, in addition to the platform's (agent/reports/).
import type { z } from 'zod';
import type { Resource } from './context';
import { parse, readParams } from './request';
import { eventActionSchema, eventServerSchema, gateModeSchema, historyServerSchema, monitorServerSchema, type SettingKey } from './settings';

function setting(key: SettingKey, schema: z.ZodType, write: 'POST' | 'PUT'): Resource {
  return {
    async GET(req, ctx) {
      req.resume();
      return ctx.settings.get(key);
    },
    async [write](req: Parameters<NonNullable<Resource['GET']>>[0], ctx: Parameters<NonNullable<Resource['GET']>>[1]) {
      const value = parse(schema, await readParams(req));
      await ctx.settings.set(key, value as never);
      ctx.log(`admin API: ${key} set to ${JSON.stringify(value).slice(0, 500)}`);
      return ctx.settings.get(key);
    },
  };
}

export const gateControllerMode = setting('GateControllerMode', gateModeSchema, 'POST');
export const eventAction = setting('EventAction', eventActionSchema, 'PUT');
export const eventServerUrl = setting('EventServerUrl', eventServerSchema, 'POST');
export const historyEventUrl = setting('HistoryEventUrl', historyServerSchema, 'POST');
export const monitorServerUrl = setting('MonitorServerUrl', monitorServerSchema, 'POST');
