// End to end, real processes: `se3kit serve` (status and history periods of 1 s) and one
// `se3kit agent` (a virtual box with an FTP server) commissioned by DevSno/LoginUrl. An enrolled
// fixture person's snapshot by HTTP `POST /snapshots` → a realtime event at the platform with the
// right identity_id and a score ≥ the threshold, counted once when its history copy arrives;
// an unknown face by FTP and by HTTP → a stranger (person_type 4); the enrolled person by FTP → recognised; "Enrol this stranger" on the Events page
// in Chromium (the events API through the admin endpoint where there is no Chromium) →
// recognised on the next snapshot; device status with the capture device;
// `platform events --follow` prints a new event; the box stopped → offline with an alert
// after three missed periods.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DESCRIPTOR } from '../../agent/face/descriptor';
import { face, put, startAgent, type AgentProc } from '../agent/link-fixture';
import { ftpUpload } from '../agent/recog-fixture';
import { cliArgv, runCli } from '../helpers/cli';
import { freePort } from '../helpers/ports';
import { passwordIn, startCli, type Running } from '../site/cli-process';
import { CHROMIUM, launchChromium, loggedInPage } from '../e2e/harness';
import { FACES_DIR } from '../fiqa/fixtures';
import { until } from './harness';
import { adminCall } from './events-admin';

const jsonLines = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const CAM = '192.0.2.11';

describe('platform events end to end: se3kit serve + a real agent', () => {
  let dir: string;
  let serve: Running;
  let agent: AgentProc;
  let follow: ChildProcess | undefined;
  let followOut = '';
  let devSno: string;
  let boxPort: number;
  let ftpPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'se3-platform-events-'));
    boxPort = await freePort();
    serve = await startCli(['serve', '--data', join(dir, 'site'), '--port', '0', '--box-port', String(boxPort), '--amqp-port', String(await freePort()), '--status-period', '1', '--record-period', '1']);
    const add = await cli('devices', 'add', '--name', 'gate', '--json');
    assert.equal(add.code, 0, add.stderr);
    devSno = jsonLines(add.stdout)[0].devSno;
    assert.equal((await cli('groups', 'add', 'staff')).code, 0);
    assert.equal((await cli('devices', 'assign', devSno, '--group', 'staff')).code, 0);
    const p = await cli('people', 'add', '--id', 'p-obama', '--name', 'Obama', '--photo', join(FACES_DIR, 'obama.jpg'), '--group', 'staff');
    assert.equal(p.code, 0, p.stderr);
    ftpPort = await freePort();
    agent = await startAgent(join(dir, 'agent'), ['--mac', '02:00:00:00:00:31', '--ftp-port', String(ftpPort)]);
    await put(agent, 'DevSno', devSno);
    await put(agent, 'LoginUrl', `http://127.0.0.1:${boxPort}/login`);
    await enrolled('p-obama');
    // the camera recognises the members of group "staff" (the site's first group: permission id 1)
    const r = await fetch(`${agent.url}/se3kit/capture-devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ep_ip: CAM, ep_type: 1, name: 'Gate A', permission_ids: ['1'], ftp_user: 'cam1', ftp_password: 's3cret' }),
    });
    assert.equal(r.status, 200, await r.text());
  });
  after(async () => {
    follow?.kill('SIGKILL');
    await agent?.kill();
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(...args: string[]) {
    return runCli(['platform', ...args, '--data', join(dir, 'site')], { timeoutMs: 120_000 });
  }
  async function enrolled(id: string) {
    await until(
      `${id} enrolled on the box`,
      async () => {
        const r = await cli('people', 'list', '--json');
        const p = jsonLines(r.stdout).find((x) => x.id === id);
        return p?.boxes.some((b: { devSno: string; state: string }) => b.devSno === devSno && b.state === 'enrolled');
      },
      180_000,
    );
  }
  async function events(): Promise<any[]> {
    const r = await cli('events', '--box', devSno, '--json', '--limit', '1000');
    assert.equal(r.code, 0, r.stderr);
    return jsonLines(r.stdout);
  }
  async function snapshot(img: Buffer): Promise<{ event_id: string; identity_id: string; score: number; person_type: number }> {
    const r = await fetch(`${agent.url}/snapshots?ep_ip=${CAM}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(img) });
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await r.json()) as { events: Array<{ event_id: string; identity_id: string; score: number; person_type: number }> };
    assert.equal(body.events.length, 1);
    return body.events[0]!;
  }
  /** The admin endpoint, as `se3kit platform` reaches it. */
  const call = (method: string, params: unknown) => adminCall(join(dir, 'site'), method, params);

  it('an enrolled person by HTTP snapshot: a realtime event with the identity and score, one event after its history copy; --follow prints it', async () => {
    const [cmd, argv] = cliArgv(['platform', 'events', '--follow', '--json', '--box', devSno, '--data', join(dir, 'site')]);
    follow = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    follow.stdout!.on('data', (d) => (followOut += d));
    let followErr = '';
    follow.stderr!.on('data', (d) => (followErr += d));
    await until('the follower is following', () => /following new events from/.test(followErr), 30_000);

    const made = await snapshot(face('obama2.jpg'));
    assert.equal(made.identity_id, 'p-obama');
    const e = await until('the event at the platform', async () => (await events()).find((x) => x.id === made.event_id), 60_000);
    assert.equal(e.identityId, 'p-obama');
    assert.equal(e.stranger, false);
    assert.ok(e.score >= DESCRIPTOR.threshold, `score ${e.score}`);
    assert.equal(e.epId, `${devSno}__${CAM}`);
    assert.equal(e.hasSpotPic, true);
    // realtime first; the history upload (every 1 s) brings the same event: still one
    const both = await until('its history copy', async () => (await events()).find((x) => x.id === made.event_id && x.source === 'both'), 60_000);
    assert.equal(both.receivedAt, e.receivedAt);
    assert.equal((await events()).filter((x) => x.id === made.event_id).length, 1);
    // the live follower printed it (once)
    await until('the follower prints the event', () => followOut.includes(made.event_id), 30_000).catch((err) => {
      throw new Error(`${(err as Error).message}; it printed: ${followOut.slice(-2000)} ${followErr.slice(-2000)}`);
    });
    const printed = jsonLines(followOut).filter((x) => x.id === made.event_id);
    assert.equal(printed.length, 1);
    assert.equal(printed[0].identityId, 'p-obama');
    follow.kill('SIGTERM');
  });

  it('an unknown face by FTP is a stranger; enrolled from its event it is recognised on the next snapshot', async () => {
    const before = new Set((await events()).map((x) => x.id));
    const up = await ftpUpload(ftpPort, 'cam1', 's3cret', 'shot1.jpg', face('biden.jpg'));
    assert.match(up.stor ?? '', /^226/);
    const stranger = await until('the stranger event', async () => (await events()).find((x) => !before.has(x.id)), 60_000);
    assert.equal(stranger.stranger, true);
    assert.equal(stranger.personType, 4);
    assert.equal(stranger.identityId, '');
    assert.deepEqual(jsonLines((await cli('events', '--kind', 'stranger', '--json')).stdout).map((x) => x.id), [stranger.id]);
    // the same unknown face by HTTP: a stranger too
    const byHttp = await snapshot(face('biden2.jpg'));
    assert.equal(byHttp.person_type, 4);
    assert.equal(byHttp.identity_id, '');
    const httpStranger = await until('the HTTP stranger event', async () => (await events()).find((x) => x.id === byHttp.event_id), 60_000);
    assert.equal(httpStranger.stranger, true);

    // "Enrol this stranger" on the Events page in Chromium (the same API method without it)
    const personId = 'visitor-1';
    if (existsSync(CHROMIUM)) {
      const browser = await launchChromium();
      try {
        const site = { serve, url: serve.url, password: passwordIn(serve.out()) ?? '', data: join(dir, 'site'), stop: async () => undefined };
        const page = await loggedInPage(browser, site, 'events');
        const row = page.locator(`li[data-event="${stranger.id}"]`);
        await row.getByRole('button', { name: 'Enrol this stranger' }).click();
        const form = row.getByRole('group', { name: 'Enrol this stranger' });
        await form.getByLabel('Name of the new person').fill('Visitor');
        await form.getByLabel('Id of the new person').fill(personId);
        await form.getByRole('button', { name: 'Enrol' }).click();
        await form.getByRole('status', { name: 'Enrol result' }).getByText(`Enrolled Visitor (${personId})`).waitFor({ timeout: 60_000 });
      } finally {
        await browser.close();
      }
    } else {
      const r = await call('events.enrolStranger', { id: stranger.id, name: 'Visitor', personId });
      assert.equal(r.created, true, JSON.stringify(r.verdict));
    }
    const person = await call('platform.people.get', { id: personId });
    assert.equal(person.registerType, 2);
    assert.deepEqual(person.groups, ['staff']);
    await enrolled(personId);
    const next = await snapshot(face('biden2.jpg'));
    assert.equal(next.identity_id, personId);
    const e = await until('the recognised event at the platform', async () => (await events()).find((x) => x.id === next.event_id), 60_000);
    assert.equal(e.identityId, personId);
    assert.equal(e.stranger, false);
    // an enrolled person by FTP: recognised, with the score
    const seen = new Set((await events()).map((x) => x.id));
    const ftp = await ftpUpload(ftpPort, 'cam1', 's3cret', 'shot2.jpg', face('obama3.jpg'));
    assert.match(ftp.stor ?? '', /^226/);
    const known = await until('the FTP event of the enrolled person', async () => (await events()).find((x) => !seen.has(x.id)), 60_000);
    assert.equal(known.identityId, 'p-obama');
    assert.equal(known.stranger, false);
    assert.ok(known.score >= DESCRIPTOR.threshold, `score ${known.score}`);
  });

  it('shows the box status with its capture device; the stopped box is offline with an alert after three periods', async () => {
    const st = await until('a status with figures', async () => {
      const [d] = jsonLines((await cli('devices', 'status', '--json')).stdout);
      return d?.latest && d.captureDevices.length === 1 ? d : null;
    });
    assert.equal(st.online, true);
    assert.equal(st.captureDevices[0].epIp, CAM);
    assert.equal(st.captureDevices[0].name, 'Gate A');
    // the box's real figures (this machine: the agent runs here): memory and disk size exactly as the OS says
    const l = st.latest;
    assert.equal(l.memorySize, Math.round((totalmem() / 1024 ** 3) * 100) / 100, JSON.stringify(l));
    const fs = await statfs(join(dir, 'agent'));
    assert.equal(l.diskSize, Math.round(((fs.blocks * fs.bsize) / 1024 ** 3) * 100) / 100, JSON.stringify(l));
    assert.ok(l.diskFreeSize > 0 && l.diskFreeSize <= l.diskSize, JSON.stringify(l));
    assert.ok(l.memoryUsage > 0 && l.memoryUsage < 1, JSON.stringify(l));
    assert.ok(l.cpuUsage >= 0 && l.cpuUsage <= 100, JSON.stringify(l));
    // a point every status period, kept for the charts
    const series = await until('a few metric points', async () => {
      const m = await call('events.devices.metrics', { devSno });
      return m.points.length >= 3 ? m : null;
    });
    assert.ok(series.points.every((p: { at: number; cpuUsage: number }) => p.cpuUsage >= 0 && p.cpuUsage <= 100));
    assert.equal(jsonLines((await cli('alerts', '--json')).stdout).length, 0);
    await agent.kill('SIGKILL');
    const [alert] = await until(
      'the offline alert',
      async () => {
        const list = jsonLines((await cli('alerts', '--json')).stdout);
        return list.length > 0 ? list : null;
      },
      30_000,
    );
    assert.equal(alert.devSno, devSno);
    assert.equal(alert.active, true);
    assert.match(alert.message, /offline/);
    const [d] = jsonLines((await cli('devices', 'status', '--json')).stdout);
    assert.equal(d.online, false);
    // the text form says so too
    assert.match((await cli('alerts')).stdout, /ACTIVE\s+offline/);
  });
});
