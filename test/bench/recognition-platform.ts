// bench:recognition end-to-end section: the receiving platform in its own process (forked by
// recognition-e2e.ts with an IPC channel), so parsing realtime events and history batches runs on
// this process's event loop, as at a site, not on the bench's. It is the test fixtures' platform
// (test/agent/recog-fixture.ts). For every realtime event at the first recordAddr URL it sends
// the parent {arrived: event_id, at} (ms since the Unix epoch, sub-ms: timeOrigin + now), and
// for every acknowledged history batch {history: events, at}.
import { performance } from 'node:perf_hooks';
import type { LoginSuccessBody } from '../../agent/protocol';
import { startReportPlatform } from '../agent/recog-fixture';

interface Start {
  devSno: string;
  rabbit: LoginSuccessBody['rabbitmq'];
  periods: { record: number; monitor: number };
}

const send = (m: unknown) => process.send!(m);
const now = () => performance.timeOrigin + performance.now();

process.once('message', (m: Start) => {
  void (async () => {
    const platform = await startReportPlatform(m.devSno, m.rabbit, m.periods);
    // keep only the newest few bodies (500 snapshots of pictures would otherwise pile up here)
    const realtime = new Map<string, any[]>();
    realtime.set = function (path: string, list: any[]) {
      const e = list.at(-1);
      if (path === '/records' && e?.ext_data?.event_id) send({ arrived: e.ext_data.event_id, at: now() });
      return Map.prototype.set.call(this, path, list.length > 4 ? list.slice(-4) : list) as any;
    };
    platform.realtime = realtime;
    const history = new Map<string, any[][]>();
    history.set = function (path: string, batches: any[][]) {
      if (path === '/records') send({ history: batches.at(-1)?.length ?? 0, at: now() });
      return Map.prototype.set.call(this, path, []) as any;
    };
    platform.history = history;
    send({ url: platform.url });
    process.on('message', async (c: { close?: true }) => {
      if (!c.close) return;
      await platform.close();
      process.exit(0);
    });
  })().catch((err) => {
    send({ error: String((err as Error).stack ?? err) });
    process.exit(1);
  });
});
