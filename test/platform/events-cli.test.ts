// `se3kit platform events / devices status / alerts` against a running `se3kit serve` (status
// period 2 s), two boxes played over the box port (events-box-double.ts). Every flag of the
// events command against stored events with known box times: --since in each form README names
// (ISO date, ISO time with Z or an offset, ms since the epoch, an age such as 90m/2h/3d),
// --until, --box, --device, --person, --kind, --limit, --json and the text form; bad values are
// usage errors (exit 2, saying what is expected, nothing on stdout). --follow prints the backlog
// of --since, then each new event of its box once (a history copy of a printed event is not
// printed again; a burst of 1,100 is printed whole, once each), waits through a restart of the
// server and goes on where it was, and exits 0 on SIGINT. `devices status --json` shows the figures and capture
// devices (§6.2 add/remove); `alerts` raises the offline alert after three missed periods and
// clears it when the box reports again. `serve --events-max / --events-max-age-days` apply the
// retention at start and keep it as the site's setting.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliArgv, runCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { startCli, type Running } from '../site/cli-process';
import { boxLogin, deviceInfoBody, eventBody, post, statusBody, type BoxDouble } from './events-box-double';
import { until } from './harness';
import { adminCall } from './events-admin';

const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const H = 3_600_000;
/** The status period handed to the boxes (s): a box is offline after 3.5 of them. */
const PERIOD_S = 2;

describe('se3kit platform events / devices status / alerts (CLI against se3kit serve)', () => {
  let dir: string;
  let serve: Running;
  let serveArgs: string[];
  let gate: BoxDouble;
  let door: BoxDouble;
  /** One box-clock instant all stored events are placed around. */
  const now = Date.now();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-events-cli-'));
    const boxPort = await freePort();
    serveArgs = ['serve', '--data', join(dir, 'site'), '--port', '0', '--box-port', String(boxPort), '--amqp-port', String(await freePort()), '--status-period', String(PERIOD_S)];
    serve = await startCli(serveArgs);
    const add = async (name: string) => {
      const r = await cli('devices', 'add', '--name', name, '--json');
      assert.equal(r.code, 0, r.stderr);
      return jsonLines(r.stdout)[0].devSno as string;
    };
    gate = await boxLogin(boxPort, await add('front gate'), 'front gate', '0xe0a5090000f1');
    door = await boxLogin(boxPort, await add('back door'), 'back door', '0xe0a5090000f2');
    // a history batch from the gate, realtime events from both
    await post(gate, gate.recordUrls[0]!, [
      eventBody(gate, { ip: '10.0.0.1', id: 'ada', name: 'Ada', score: 0.9, at: now - 72 * H, eventId: 'g-3d' }),
      eventBody(gate, { ip: '10.0.0.2', id: 'bob', name: 'Bob', score: 0.8, at: now - 2 * H, eventId: 'g-2h' }),
    ]);
    await post(gate, gate.recordUrls[0]!, eventBody(gate, { ip: '10.0.0.1', score: 0.3, at: now - 10 * 60_000, eventId: 'g-10m', pic: 'biden.jpg' }));
    await post(door, door.recordUrls[0]!, eventBody(door, { ip: '10.0.9.9', id: 'ada', name: 'Ada', score: 0.7, at: now - 5 * 60_000, eventId: 'd-5m' }));
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(...args: string[]) {
    return runCli(['platform', ...args, '--data', join(dir, 'site')]);
  }
  /** The admin endpoint, as `se3kit platform` reaches it. */
  const admin = (method: string, params: unknown) => adminCall(join(dir, 'site'), method, params);
  async function ids(...args: string[]): Promise<string[]> {
    const r = await cli('events', '--json', ...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return jsonLines(r.stdout).map((e) => e.id);
  }

  it('filters by every flag; --since takes an ISO date or time (Z or offset), ms since the epoch and an age', async () => {
    const iso = new Date(now - 2.5 * H).toISOString(); // 2026-11-27T12:34:56.789Z
    // the same instant written with a +02:00 offset, to the minute
    const plus2 = new Date(now - 2.5 * H + 2 * H).toISOString().slice(0, 16) + '+02:00';
    // a date alone is that day's midnight UTC
    const day = new Date(now - 5 * 24 * H).toISOString().slice(0, 10);
    const cases: Array<[string[], string[]]> = [
      [[], ['d-5m', 'g-10m', 'g-2h', 'g-3d']], // newest first
      [['--since', '90m'], ['d-5m', 'g-10m']],
      [['--since', '3h', '--box', gate.devSno], ['g-10m', 'g-2h']],
      [['--since', '4d'], ['d-5m', 'g-10m', 'g-2h', 'g-3d']],
      [['--since', `${(2.5 * H) / 1000}s`], ['d-5m', 'g-10m', 'g-2h']],
      [['--since', String(now - 2.5 * H)], ['d-5m', 'g-10m', 'g-2h']],
      [['--since', iso], ['d-5m', 'g-10m', 'g-2h']],
      [['--since', plus2], ['d-5m', 'g-10m', 'g-2h']],
      [['--since', day], ['d-5m', 'g-10m', 'g-2h', 'g-3d']],
      [['--until', '1d'], ['g-3d']],
      [['--since', '1d', '--until', '1h'], ['g-2h']],
      [['--kind', 'stranger'], ['g-10m']],
      [['--kind', 'known', '--box', gate.devSno], ['g-2h', 'g-3d']],
      [['--person', 'ada'], ['d-5m', 'g-3d']],
      [['--device', `${gate.devSno}__10.0.0.1`], ['g-10m', 'g-3d']],
      [['--limit', '2'], ['d-5m', 'g-10m']],
    ];
    // a few at a time (each is a process; the server answers them in parallel)
    for (let i = 0; i < cases.length; i += 4) {
      const part = cases.slice(i, i + 4);
      const got = await Promise.all(part.map(([args]) => ids(...args)));
      part.forEach(([args, want], j) => assert.deepEqual(got[j], want, args.join(' ') || '(no flags)'));
    }

    const one = jsonLines((await cli('events', '--json', '--kind', 'stranger')).stdout)[0];
    assert.equal(one.devSno, gate.devSno);
    assert.equal(one.boxName, 'front gate');
    assert.equal(one.stranger, true);
    assert.equal(one.hasSpotPic, true);
    assert.equal(one.source, 'realtime');
    // the text form: one line an event, and a hint when --limit cut the list
    const text = await cli('events', '--limit', '3');
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0]!, /back door\s+10\.0\.9\.9\s+Ada \(ada\)\s+group staff\s+score 0\.70\s+\[realtime\]\s+d-5m$/);
    assert.match(lines[1]!, /front gate\s+10\.0\.0\.1\s+stranger\s+score 0\.30/);
    assert.match(text.stderr, /3 of 4; narrow with --since/);
  });

  it('bad values are usage errors: exit 2, what is expected, nothing on stdout', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--since', 'yesterday'], /"yesterday": expected a time: ISO 8601 .* or an age such as 90s, 30m, 2h, 7d/],
      [['--since', 'foo 1'], /"foo 1": expected a time/], // Date.parse alone reads this as 2001-01-01
      [['--since', '5'], /"5": expected a time/],
      [['--since', '-2h'], /expected a time|unknown option/],
      [['--since', '2026-13-45'], /"2026-13-45": expected a time/],
      [['--since', '2 hours'], /"2 hours": expected a time/],
      [['--until', 'later'], /"later": expected a time/],
      [['--kind', 'visitor'], /"visitor": expected known or stranger/],
      [['--limit', '0'], /"0": expected a count, 1–1000/],
      [['--limit', '5000'], /"5000": expected a count, 1–1000/],
      [['--limit', 'ten'], /"ten": expected a count/],
    ];
    for (let i = 0; i < cases.length; i += 4) {
      const part = cases.slice(i, i + 4);
      const got = await Promise.all(part.map(([args]) => cli('events', '--json', ...args)));
      part.forEach(([args, message], j) => {
        const r = got[j]!;
        assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code} ${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
        assert.equal(r.stdout, '', args.join(' '));
      });
    }
    const missing = await runCli(['platform', 'events', '--data', join(dir, 'site'), '--since']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /option '--since <time>' argument missing/);
    // no server on that data folder: exit 1, saying how to start one
    const none = await runCli(['platform', 'events', '--json', '--data', join(dir, 'nowhere')]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no running site platform found .* start `se3kit serve --data/);
  });

  it('--follow --since prints the backlog, then each new event of its box once, and exits 0 on SIGINT', async () => {
    const [cmd, argv] = cliArgv(['platform', 'events', '--follow', '--since', '1h', '--box', gate.devSno, '--json', '--data', join(dir, 'site')]);
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await until('following', () => /following new events from/.test(err), 30_000);
      assert.deepEqual(jsonLines(out).map((e) => e.id), ['g-10m'], "the gate's last hour");

      await post(gate, gate.recordUrls[0]!, eventBody(gate, { ip: '10.0.0.1', id: 'bob', name: 'Bob', score: 0.85, eventId: 'live-1' }));
      await post(door, door.recordUrls[0]!, eventBody(door, { ip: '10.0.9.9', id: 'bob', name: 'Bob', score: 0.85, eventId: 'live-door' }));
      await until('the live event', () => out.includes('live-1'), 15_000);
      // its history copy, and a second one in the same batch
      await post(gate, gate.recordUrls[0]!, [
        eventBody(gate, { ip: '10.0.0.1', id: 'bob', name: 'Bob', score: 0.85, eventId: 'live-1' }),
        eventBody(gate, { ip: '10.0.0.2', score: 0.2, eventId: 'live-2' }),
      ]);
      await until('the second live event', () => out.includes('live-2'), 15_000);
      await new Promise((r) => setTimeout(r, 2500)); // two more polls
      assert.deepEqual(jsonLines(out).map((e) => e.id), ['g-10m', 'live-1', 'live-2'], 'each once, only the gate, oldest first');
      // a burst of history uploads between two polls (the follower held with SIGSTOP meanwhile): 11 batches of 100,
      // more than one page of 1,000 — every one printed, once
      const burstAt = Date.now() - H;
      child.kill('SIGSTOP');
      try {
        for (let b = 0; b < 11; b++) {
          await post(gate, gate.recordUrls[0]!, Array.from({ length: 100 }, (_, i) => eventBody(gate, { ip: '10.0.0.1', score: 0.2, at: burstAt + b * 100 + i, eventId: `burst-${b * 100 + i}` })));
        }
      } finally {
        child.kill('SIGCONT');
      }
      await until('the burst printed', () => jsonLines(out).length >= 3 + 1100, 30_000);
      await new Promise((r) => setTimeout(r, 2500));
      const printed = jsonLines(out).map((e) => e.id);
      assert.equal(printed.length, 3 + 1100);
      assert.equal(new Set(printed).size, printed.length, 'none twice');

      // the server restarts (a new admin address and token): the follower waits for it and goes on
      await serve.stop();
      await until('the follower waiting', () => /the site platform went away \(.*\); waiting for it to come back/.test(err), 15_000);
      assert.equal(child.exitCode, null, 'still following');
      serve = await startCli(serveArgs);
      await post(gate, gate.recordUrls[0]!, eventBody(gate, { ip: '10.0.0.1', id: 'bob', name: 'Bob', score: 0.85, eventId: 'after-restart' }));
      await until('the event after the restart', () => out.includes('after-restart'), 20_000);
      assert.match(err, /the site platform is back; following on/);
      await new Promise((r) => setTimeout(r, 2500));
      const all = jsonLines(out).map((e) => e.id);
      assert.deepEqual(all.slice(3 + 1100), ['after-restart'], 'only the new event, once');
    } finally {
      child.kill('SIGINT');
    }
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running 10 s after SIGINT'), 10_000))]);
    if (code !== 0) child.kill('SIGKILL');
    assert.equal(code, 0, err);
    assert.match(err, /stopped following/);
  });

  it('devices status --json: figures and capture devices (§6.2 add/remove); alerts: offline after three periods, cleared when it reports', async () => {
    const status = async () => {
      const r = await cli('devices', 'status', '--json');
      assert.equal(r.code, 0, r.stderr);
      return new Map(jsonLines(r.stdout).map((d) => [d.devSno as string, d]));
    };
    await post(gate, gate.monitorUrl, statusBody(gate, 12.5, ['10.0.0.1', '10.0.0.2']));
    await post(gate, gate.infoUrl, deviceInfoBody(gate, 'add', '10.0.0.3', 'side camera'));
    // read at once (the gate is offline 3.5 periods after this report)
    let g = (await status()).get(gate.devSno);
    assert.equal(g.online, true);
    assert.match((await cli('alerts')).stdout, /^no active alerts$/m);
    assert.equal(g.name, 'front gate');
    assert.ok(g.lastSeenAt >= now);
    assert.deepEqual(g.latest && [g.latest.cpuUsage, g.latest.memorySize, g.latest.memoryUsage, g.latest.diskSize, g.latest.diskFreeSize], [12.5, 1.55, 0.53125, 10.39, 9.285]);
    assert.deepEqual(g.captureDevices.map((c: { epIp: string; name: string; location: string }) => [c.epIp, c.name, c.location]), [
      ['10.0.0.1', 'camera 1', 'main entrance'],
      ['10.0.0.2', 'camera 2', 'car park'],
      ['10.0.0.3', 'side camera', 'yard'],
    ]);
    await post(gate, gate.infoUrl, deviceInfoBody(gate, 'remove', '10.0.0.2'));
    g = (await status()).get(gate.devSno);
    assert.deepEqual(g.captureDevices.map((c: { epIp: string }) => c.epIp), ['10.0.0.1', '10.0.0.3']);
    const d = (await status()).get(door.devSno);
    assert.equal(d.latest, null, 'the door sent no status');
    assert.equal(d.captureDevices.length, 0);
    const text = await cli('devices', 'status');
    assert.match(text.stdout, new RegExp(`${gate.devSno}\\s+front gate\\s+(online|OFFLINE)\\s+last seen \\S+\\s+cpu 12\\.5%\\s+mem 53% of 1\\.55 GB\\s+disk 9\\.285 GB free of 10\\.39 GB\\s+2 capture devices`));
    assert.match(text.stdout, /\n\s+10\.0\.0\.3\s+side camera\s+type 1\s+online/);
    assert.match(text.stdout, new RegExp(`${door.devSno}\\s+back door\\s+\\S+\\s+last seen \\S+\\s+no status report yet`));

    // the gate stops reporting: offline after 3 periods (+ half a period), one active alert
    const [alert] = await until('the offline alert', async () => {
      const list = jsonLines((await cli('alerts', '--json')).stdout);
      return list.length ? list : null;
    });
    assert.equal(alert.devSno, gate.devSno);
    assert.equal(alert.kind, 'offline');
    assert.equal(alert.active, true);
    assert.match(alert.message, /^front gate \(\w+\) is offline: no status report since .* \(3 periods of 2 s missed\)$/);
    assert.equal((await status()).get(gate.devSno).online, false);
    assert.match((await cli('devices', 'status')).stdout, /front gate\s+OFFLINE.*  1 alert$/m);
    assert.match((await cli('alerts', '--box', gate.devSno)).stdout, /ACTIVE\s+offline\s+front gate/);
    assert.equal(jsonLines((await cli('alerts', '--json', '--box', door.devSno)).stdout).length, 0);

    // it reports again: online, no active alert; --all shows the cleared one
    // (and goes on reporting every period while the CLI reads, so it does not go offline again)
    await post(gate, gate.monitorUrl, statusBody(gate, 3, ['10.0.0.1']));
    const beat = setInterval(() => void post(gate, gate.monitorUrl, statusBody(gate, 3, ['10.0.0.1'])).catch(() => undefined), PERIOD_S * 1000);
    try {
      assert.equal((await status()).get(gate.devSno).online, true);
      assert.deepEqual(jsonLines((await cli('alerts', '--json')).stdout), []);
      const all = jsonLines((await cli('alerts', '--all', '--json')).stdout);
      assert.equal(all.length, 1);
      assert.equal(all[0].id, alert.id);
      assert.equal(all[0].active, false);
      assert.ok(all[0].clearedAt >= all[0].raisedAt);
      assert.match((await cli('alerts', '--all')).stdout, /cleared \S+\s+offline\s+front gate/);
    } finally {
      clearInterval(beat);
    }
  });

  it('serve --events-max / --events-max-age-days: applied at start (newest received kept), kept as the site setting; bad values exit 2', async () => {
    for (const [flag, value] of [['--events-max', '-1'], ['--events-max', 'many'], ['--events-max-age-days', '1.5'], ['--events-max-age-days', '99999']]) {
      const r = await runCli(['serve', '--data', join(dir, 'other'), '--port', '0', flag!, value!]);
      assert.equal(r.code, 2, `${flag} ${value}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`option '${flag} <\\w+>' argument '${value!.replace('.', '\\.')}' is invalid. expected (a count|days), 0–`));
    }
    assert.equal((await admin('events.retention', {})).events, 7 + 1100 + 1); // + the one sent after the follower's restart
    await serve.stop();
    serve = await startCli([...serveArgs, '--events-max', '3', '--events-max-age-days', '30']);
    // the three received last (the one after the restart, two of the burst), not the events with the newest box time
    const kept = await ids();
    assert.equal(kept.length, 3);
    assert.ok(kept.includes('after-restart') && kept.filter((id) => id.startsWith('burst-')).length === 2, kept.join(' '));
    await serve.stop();
    serve = await startCli(serveArgs);
    const r = await admin('events.retention', {});
    assert.deepEqual([r.maxEvents, r.maxAgeDays, r.events], [3, 30, 3], 'the flags became the site setting');
  });

  it("a person's group is shown by its name, with the permission id the box sent", async () => {
    const g = await cli('groups', 'add', 'Night shift', '--json');
    assert.equal(g.code, 0, g.stderr);
    const listed = await cli('groups', 'list', '--json');
    const gid = jsonLines(listed.stdout).find((x) => x.name === 'Night shift')?.id as number;
    assert.equal(typeof gid, 'number');
    // a box reports a platform-synced person's group as its permission id
    await post(gate, gate.recordUrls[0]!, { ...eventBody(gate, { ip: '10.0.0.1', id: 'cyd', name: 'Cyd', score: 0.9, at: Date.now(), eventId: 'g-group' }), group_name: String(gid) });
    await until('the event stored', async () => (await ids('--person', 'cyd')).includes('g-group'));
    const json = await cli('events', '--json', '--person', 'cyd');
    const e = jsonLines(json.stdout)[0];
    assert.deepEqual([e.groupName, e.groupId], ['Night shift', gid]);
    const text = await cli('events', '--person', 'cyd');
    assert.match(text.stdout, new RegExp(`Cyd \\(cyd\\)  group Night shift \\(id ${gid}\\)  score 0\\.90`));
  });
});
