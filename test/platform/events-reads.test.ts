// The events area's reads see only committed states and its writes are all or nothing, against
// the platform service (embedded broker, real face engine) with a box played over the box port:
//   - the Devices page's status view (device status + latest metric + capture devices + alert
//     count, one read) polled in tight loops while status reports replace the capture devices;
//   - the Events list polled while history batches arrive with a count retention: every read
//     holds whole batches and never more events than the retention keeps;
//   - a statement that fails half-way (a trigger this test installs in platform.db with a second
//     connection) through an event batch, a status report or a retention change leaves nothing of
//     it — rows, pictures, the retention's counters — and the box's retry then stores it all;
//   - pictures a crash left without an event (and half-written files) go at the next start.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAgentDb, type AgentDb } from '../../agent/store/db';
import type { DeviceStatusView } from '../../electron/api/events';
import type { EventsService } from '../../electron/platform/events';
import { face } from '../fiqa/fixtures';
import { boxLogin, eventBody, send, statusBody, type BoxDouble } from './events-box-double';
import { pollWhile, startPlatform, until, type Harness } from './harness';

/** Status report `i`: gateway name, CPU and capture-device names all say `i`; odd reports name two cameras, even ones one other. */
function report(box: BoxDouble, i: number) {
  const body = statusBody(box, i, i % 2 ? ['192.168.1.11', '192.168.1.12'] : ['192.168.1.13']);
  body.gateway_name = `r${i}`;
  body.sub_devices.forEach((d, k) => (d.ep_name = `r${i}-${k}`));
  return body;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** The spot picture of event k of batch n: a face JPEG with bytes of its own after the image's end. */
const pic = (n: number, k: number) => Buffer.concat([face('obama.jpg'), Buffer.from(`batch ${n} event ${k}`)]);

/** What is wrong with one status view (null: a state some report committed). */
function statusProblem(v: DeviceStatusView | undefined): string | null {
  if (!v) return 'the box is missing from the status list';
  if (v.lastStatusAt === null) return v.captureDevices.length || v.latest ? 'captures or metrics without a status' : null;
  const i = Number(v.gatewayName?.slice(1));
  const ips = v.captureDevices.map((c) => c.epIp).join();
  const want = i % 2 ? '192.168.1.11,192.168.1.12' : '192.168.1.13';
  if (v.latest?.cpuUsage !== i) return `status of report ${i} with the metric of ${v.latest?.cpuUsage}`;
  if (ips !== want) return `status of report ${i} with capture devices [${ips}]`;
  const names = v.captureDevices.map((c) => c.name);
  if (!names.every((n) => n.startsWith(`r${i}-`))) return `status of report ${i} with capture devices named [${names}]`;
  return null;
}

describe('platform events: reads see committed states, writes are all or nothing', () => {
  let h: Harness;
  let ev: EventsService;
  let box: BoxDouble;
  let probe: AgentDb;
  let batchNo = 0;
  const B = 50;
  const MAX = 4 * B;

  /** A history batch of B events; pictures made unique per batch (bytes after the JPEG's end). */
  const batch = (o: { boomAt?: number; pics?: number } = {}) => {
    const n = batchNo++;
    return Array.from({ length: B }, (_, k) => {
      const e = eventBody(box, { ip: '192.168.1.11', score: 0.2, at: 1_700_000_000_000 + n * 1000 + k, eventId: `b${n}-${k}`, id: k === o.boomAt ? 'boom' : undefined });
      if (k < (o.pics ?? 0)) e.ext_data.spot_pic = pic(n, k).toString('base64');
      return e;
    });
  };
  const stored = async () => (await ev.list({ limit: 10_000 })).events;
  const picFile = (sha: string) => join(h.dir, 'platform-events', sha.slice(0, 2), `${sha}.jpg`);

  before(async () => {
    h = await startPlatform({ autoSync: false });
    ev = h.platform.events!;
    const d = await h.platform.addDevice('gate');
    box = await boxLogin(h.platform.boxPort, d.devSno, 'gate', '0xe0a50900062c');
    probe = await openAgentDb(h.dir, { file: 'platform.db' });
  });
  after(async () => {
    await probe?.close();
    await h?.close();
  });

  it('the status view is one committed report: status, metric and capture devices together', { timeout: 120_000 }, async () => {
    const r = await pollWhile(
      async () => {
        for (let i = 1; i <= 120; i++) {
          const res = await send(box, box.monitorUrl, report(box, i));
          assert.equal(res.status, 200, res.body.toString());
        }
      },
      async () => statusProblem((await ev.devicesStatus()).find((v) => v.devSno === box.devSno)),
    );
    assert.deepEqual(r.bad, [], `${r.bad.length} of ${r.reads} status reads saw a report half applied`);
    assert.ok(r.reads >= 20, `only ${r.reads} reads ran during the reports`);
    const last = (await ev.devicesStatus()).find((v) => v.devSno === box.devSno)!;
    assert.equal(last.gatewayName, 'r120');
    assert.equal(statusProblem(last), null);
  });

  it('the event list holds whole batches and never more than the retention keeps', { timeout: 120_000 }, async () => {
    await ev.retention({ maxEvents: MAX });
    const r = await pollWhile(
      async () => {
        for (let i = 0; i < 10; i++) {
          const res = await send(box, box.recordUrls[0]!, batch({ pics: 2 }));
          assert.equal(res.status, 200, res.body.toString());
        }
      },
      async () => {
        const page = await ev.list({ limit: 10_000 });
        if (page.total !== page.events.length) return `total ${page.total} with ${page.events.length} events listed`;
        if (page.total > MAX) return `${page.total} events with the retention at ${MAX}`;
        const per = new Map<string, number>();
        for (const e of page.events) per.set(e.id.split('-')[0]!, (per.get(e.id.split('-')[0]!) ?? 0) + 1);
        const part = [...per].filter(([, n]) => n !== B);
        if (part.length) return `batches partly listed: ${part.map(([b, n]) => `${b}: ${n}`).join(', ')}`;
        return null;
      },
    );
    assert.deepEqual(r.bad, [], `${r.bad.length} of ${r.reads} event reads saw a batch or its retention half applied`);
    assert.ok(r.reads >= 20, `only ${r.reads} reads ran during the batches`);
    const all = await stored();
    assert.equal(all.length, MAX);
    assert.deepEqual([...new Set(all.map((e) => e.id.split('-')[0]))].sort(), ['b6', 'b7', 'b8', 'b9']);
    // the retention's counters are the table's, and the deleted batches' pictures are gone
    const view = await ev.retention({});
    assert.equal(view.events, MAX);
    for (const e of all.filter((x) => x.hasSpotPic)) assert.ok((await ev.picture(e.id, 'spot')).bytes.length > 0, e.id);
    for (let n = 0; n < 6; n++) for (let k = 0; k < 2; k++) assert.equal(existsSync(picFile(sha(pic(n, k)))), false, `batch ${n}'s picture ${k} deleted with its event`);
    for (let k = 0; k < 2; k++) assert.ok(existsSync(picFile(sha(pic(9, k)))), `batch 9's picture ${k} kept`);
  });

  it('a statement failing half-way through an event batch leaves nothing of it; the retry stores it all', { timeout: 60_000 }, async () => {
    const before = await stored();
    const beforeView = await ev.retention({});
    await probe.exec(`CREATE TRIGGER boom_event BEFORE INSERT ON events WHEN NEW.identity_id = 'boom' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    const body = batch({ boomAt: 30, pics: 3 });
    const failed = await send(box, box.recordUrls[0]!, body);
    assert.equal(failed.status, 500, failed.body.toString());
    assert.equal(failed.json().error.code, 50072);
    const after1 = await stored();
    assert.deepEqual(after1.map((e) => e.id), before.map((e) => e.id), 'nothing of the failed batch is stored, nothing else is lost');
    assert.deepEqual(await ev.retention({}), beforeView, "the retention's counters are unchanged");
    const shas = body.slice(0, 3).map((e) => sha(Buffer.from(e.ext_data.spot_pic, 'base64')));
    for (const s of shas) assert.equal(existsSync(picFile(s)), false, `the failed batch's picture ${s} is not left behind`);

    await probe.exec('DROP TRIGGER boom_event');
    const retry = await send(box, box.recordUrls[0]!, body);
    assert.equal(retry.status, 200, retry.body.toString());
    const after2 = await stored();
    const id = body[0]!.ext_data.event_id as string;
    const batchTag = id.split('-')[0];
    assert.equal(after2.filter((e) => e.id.startsWith(`${batchTag}-`)).length, B);
    assert.equal(after2.length, MAX);
    assert.equal((await ev.retention({})).events, MAX);
    for (const s of shas) assert.ok(existsSync(picFile(s)), `picture ${s} stored with the retry`);
    const spot = await ev.picture(id, 'spot');
    assert.equal(sha(spot.bytes), shas[0]);
  });

  it('a status report failing half-way leaves the previous report whole', { timeout: 60_000 }, async () => {
    const v0 = (await ev.devicesStatus()).find((v) => v.devSno === box.devSno)!;
    const points0 = (await ev.metrics(box.devSno, {})).points.length;
    await probe.exec(`CREATE TRIGGER boom_capture BEFORE INSERT ON capture_devices WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    const body = report(box, 121);
    body.sub_devices[1]!.ep_name = 'boom';
    const failed = await send(box, box.monitorUrl, body);
    assert.equal(failed.status, 500, failed.body.toString());
    const v1 = (await ev.devicesStatus()).find((v) => v.devSno === box.devSno)!;
    assert.deepEqual({ ...v1, online: v0.online, lastSeenAt: v0.lastSeenAt }, v0, 'status, metric and capture devices as before the failed report');
    assert.equal((await ev.metrics(box.devSno, {})).points.length, points0);
    await probe.exec('DROP TRIGGER boom_capture');
    const ok = await send(box, box.monitorUrl, report(box, 121));
    assert.equal(ok.status, 200, ok.body.toString());
    const v2 = (await ev.devicesStatus()).find((v) => v.devSno === box.devSno)!;
    assert.equal(v2.gatewayName, 'r121');
    assert.equal(statusProblem(v2), null);
  });

  it('a retention change failing half-way keeps the stored settings and the retention in force', { timeout: 60_000 }, async () => {
    const before = await ev.retention({});
    await probe.exec(`CREATE TRIGGER boom_setting BEFORE INSERT ON settings WHEN NEW.key = 'events_max_age_days' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    await assert.rejects(ev.retention({ maxEvents: B, maxAgeDays: 3 }));
    await probe.exec('DROP TRIGGER boom_setting');
    assert.deepEqual(await ev.retention({}), before, 'the retention in force and the events kept are unchanged');
    const rows = await probe.all<{ key: string; value: string }>("SELECT key, value FROM settings WHERE key LIKE 'events_%' ORDER BY key");
    assert.deepEqual(rows, [
      { key: 'events_max', value: String(MAX) },
      { key: 'events_max_age_days', value: String(before.maxAgeDays) },
    ]);
  });

  it('after a crash, pictures no event refers to and half-written files are swept at the next start', { timeout: 60_000 }, async () => {
    const kept = (await stored()).filter((e) => e.hasSpotPic);
    assert.ok(kept.length > 0);
    await h.close({ keep: true });
    // what a crash between a picture's write and its batch's commit leaves behind
    const orphan = pic(99, 0);
    const orphanPath = picFile(sha(orphan));
    mkdirSync(dirname(orphanPath), { recursive: true });
    writeFileSync(orphanPath, orphan);
    const temp = `${picFile(sha(pic(99, 1)))}.4242.x.tmp`;
    mkdirSync(dirname(temp), { recursive: true });
    writeFileSync(temp, pic(99, 1).subarray(0, 100));
    h = await startPlatform({ autoSync: false }, { dir: h.dir, amqpPort: h.amqpPort });
    ev = h.platform.events!;
    await until('the orphan picture and the temporary file are swept', () => !existsSync(orphanPath) && !existsSync(temp));
    for (const e of kept) assert.ok((await ev.picture(e.id, 'spot')).bytes.length > 0, `${e.id}'s picture kept`);
    assert.equal((await ev.retention({})).events, MAX);
  });
});
