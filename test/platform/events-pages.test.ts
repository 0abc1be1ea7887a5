// The Events and Devices pages in Chromium against `se3kit serve`. Two boxes are played by
// this test over the platform's box port exactly as a box does it (PROTOCOL §2 login, then §6.1
// status and §6.3 events POSTed to the URLs the login handed out, with dev_sno and token), with
// the fixture face pictures as spot pictures. Asserts: a new event shows on the timeline
// without a reload; the filters (box, capture device, person, known/stranger, time) narrow it;
// "Enrol this stranger" creates a person (checked through the API) and a bad spot picture is
// refused with the reason; "This is…" adds the spot picture to the person's photos; the
// Devices page draws charts after a few status reports and raises an offline alert (and the
// sidebar badge) when the reports stop, cleared by the next report; a capture device added by
// §6.2 shows on the Devices page without a reload and goes when removed. Screenshots in test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { face } from '../fiqa/fixtures';
import { boxLogin as login, deviceInfoBody, eventBody, post, statusBody, type BoxDouble } from './events-box-double';
import { freePort, haveChromium, launchChromium, loggedInPage, shot, sidewaysScroll, SMALL, startSite, type Site } from '../e2e/harness';
import { until } from './harness';

/** The status period the site hands the boxes (s): short, so "missed three periods" comes soon. */
const PERIOD_S = 2;

describe('events and devices pages (Chromium)', () => {
  let site: Site | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let boxPort: number;
  let skip = false;
  let gate: BoxDouble;
  let door: BoxDouble;

  /** One call of the site's API from the logged-in page (the session cookie). */
  async function call<T = any>(method: string, params: unknown): Promise<T> {
    const r = await page.evaluate(
      async ([m, p]) => {
        const res = await fetch(`/api/call/${m}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(p) });
        return { status: res.status, body: await res.json() };
      },
      [method, params] as const,
    );
    if (r.status !== 200) throw new Error(`${method}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.result as T;
  }

  const boxLogin = (devSno: string, name: string, mac: string) => login(boxPort, devSno, name, mac);
  const event = eventBody;
  const status = statusBody;

  const rows = () => page.locator('li[data-event]');
  const filters = () => page.getByRole('form', { name: 'Filter events' });

  before(async (t) => {
    if (!haveChromium(t as never)) {
      skip = true;
      return;
    }
    boxPort = await freePort();
    site = await startSite(['--box-port', String(boxPort), '--amqp-port', String(await freePort()), '--status-period', String(PERIOD_S)]);
    browser = await launchChromium();
    page = await loggedInPage(browser, site, 'events');
    await call('platform.groups.add', { name: 'staff' });
    const g = await call('platform.devices.add', { name: 'front gate' });
    const d = await call('platform.devices.add', { name: 'back door' });
    await call('platform.devices.assign', { devSno: g.devSno, group: 'staff' });
    gate = await boxLogin(g.devSno, 'front gate', '0xe0a5090000e1');
    door = await boxLogin(d.devSno, 'back door', '0xe0a5090000e2');
    assert.equal(gate.periodS, PERIOD_S, 'the login hands out the configured status period');
    await call('platform.people.add', { id: 'ada', name: 'Ada Lovelace', groups: ['staff'], photos: [face('obama.jpg').toString('base64')] });
  });
  after(async () => {
    await browser?.close();
    await site?.stop();
  });

  it('the timeline shows new events without a reload, with both pictures; the filters narrow it', async (t) => {
    if (skip) return t.skip('no chromium');
    await post(gate, gate.monitorUrl, status(gate, 10, ['192.168.1.101', '192.168.1.102']));
    await page.getByText('No events yet').waitFor();
    await page.evaluate(() => ((window as any).__sameDocument = true));

    // a recognised person at the gate's first camera; the box names her group by its permission id
    const staffId = (await call('platform.groups.list', {})).find((x: { name: string }) => x.name === 'staff')!.id as number;
    await post(gate, gate.recordUrls[0]!, { ...event(gate, { ip: '192.168.1.101', pic: 'obama2.jpg', id: 'ada', name: 'Ada Lovelace', score: 0.82 }), group_name: String(staffId) });
    const ada = rows().filter({ hasText: 'Ada Lovelace' });
    await ada.waitFor({ timeout: 15_000 });
    // shown by its name, the permission id beside it
    assert.equal((await ada.locator('dd[data-group-id]').textContent())?.trim(), `staff · id ${staffId}`);
    await ada.getByText('0.82').waitFor();
    await ada.getByText('front gate').waitFor();
    await ada.getByText('camera 1').waitFor();
    await ada.getByRole('img', { name: 'Spot picture of Ada Lovelace' }).waitFor();
    await ada.getByRole('img', { name: 'Registration photo of Ada Lovelace' }).waitFor();
    assert.equal(await page.evaluate(() => (window as any).__sameDocument), true, 'the event came without a reload');

    // strangers at the second camera, one at the back door, and an old event from yesterday
    const eventsAt = Date.now();
    await post(gate, gate.recordUrls[0]!, event(gate, { ip: '192.168.1.102', pic: 'biden.jpg', score: 0.31 }));
    await post(gate, gate.recordUrls[0]!, event(gate, { ip: '192.168.1.102', pic: 'obama_partial_face.jpg', score: 0.2 }));
    await post(gate, gate.recordUrls[0]!, event(gate, { ip: '192.168.1.101', pic: 'biden2.jpg', score: 0.4 }));
    await post(door, door.recordUrls[0]!, event(door, { ip: '192.168.7.9', pic: 'obama3.jpg', id: 'ada', name: 'Ada Lovelace', score: 0.77 }));
    const old = event(gate, { ip: '192.168.1.101', pic: 'obama.jpg', id: 'ada', name: 'Ada Lovelace', score: 0.9, at: eventsAt - 86_400_000 });
    await post(gate, gate.recordUrls[0]!, [old]); // a history batch
    await until('six events on the timeline', async () => (await rows().count()) === 6, 20_000);
    // the same event again in a history batch stays one event
    await post(gate, gate.recordUrls[0]!, [old]);
    assert.equal((await call('events.list', {})).total, 6);
    assert.equal(await page.evaluate(() => (window as any).__sameDocument), true);
    await shot(page, 'events-timeline', true);
    // every time says its zone; yesterday's event its date too; the filters name the zone
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const shown = await rows().locator('time').allTextContents();
    for (const t of shown) assert.match(t, /\d:\d\d:\d\d(\s?[AP]M)?\s+(UTC|GMT[+-][\d:]+|[A-Z]{2,5})$/, `a time with its zone: ${t}`);
    assert.equal(shown.filter((t) => /\b20\d\d\b/.test(t)).length, 1, `only yesterday's event has a date: ${shown.join(' | ')}`);
    await filters().getByText(`in this browser's time zone, ${zone}`).waitFor();

    const f = filters();
    await f.getByLabel('Who').selectOption('stranger');
    await until('strangers only', async () => (await rows().count()) === 3);
    assert.equal(await rows().filter({ hasText: 'Ada Lovelace' }).count(), 0);
    await f.getByLabel('Who').selectOption('known');
    await until('known only', async () => (await rows().count()) === 3);
    await f.getByLabel('Who').selectOption('all');

    await f.getByLabel('Box').selectOption({ label: 'back door' });
    await until('the back door only', async () => (await rows().count()) === 1);
    await rows().getByText('back door').waitFor();
    await f.getByLabel('Box').selectOption({ label: 'front gate' });
    await f.getByLabel('Capture device').selectOption({ label: 'camera 2' });
    await until('camera 2 only', async () => (await rows().count()) === 2);
    // a live event outside the filter stays out; one inside comes in
    await post(gate, gate.recordUrls[0]!, event(gate, { ip: '192.168.1.101', pic: 'obama2.jpg', id: 'ada', name: 'Ada Lovelace', score: 0.8 }));
    await post(gate, gate.recordUrls[0]!, event(gate, { ip: '192.168.1.102', pic: 'biden.jpg', score: 0.33 }));
    await until('the matching live event', async () => (await rows().count()) === 3, 15_000);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await until('all eight', async () => (await rows().count()) === 8);

    await f.getByLabel('Person id').fill('ada');
    await until('ada only', async () => (await rows().count()) === 4);
    await f.getByLabel('Person id').fill('');
    const local = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await f.getByLabel('From').fill(local(eventsAt - 3_600_000));
    await until('the last hour: yesterday\'s event left out', async () => (await rows().count()) === 7);
    await f.getByLabel('From').fill('');
    await f.getByLabel('To').fill(local(eventsAt - 3_600_000));
    await until('before an hour ago: only yesterday\'s', async () => (await rows().count()) === 1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await until('all eight again', async () => (await rows().count()) === 8);

    await page.setViewportSize(SMALL);
    assert.deepEqual(await sidewaysScroll(page), [], 'nothing scrolls sideways at 1024×700');
    await shot(page, 'events-1024x700');
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('enrol this stranger creates a person; a bad picture is refused with the reason; "This is…" adds a photo', async (t) => {
    if (skip) return t.skip('no chromium');
    // the biden.jpg stranger at camera 2 (the oldest of the two)
    const biden = rows().filter({ hasText: 'camera 2' }).filter({ hasText: '0.31' });
    await biden.getByRole('button', { name: 'Enrol this stranger' }).click();
    const form = biden.getByRole('group', { name: 'Enrol this stranger' });
    await form.getByLabel('Name of the new person').fill('Joe Visitor');
    await form.getByLabel('Id of the new person').fill('joe');
    await form.getByRole('button', { name: 'Enrol' }).click();
    await form.getByRole('status', { name: 'Enrol result' }).getByText('Enrolled Joe Visitor (joe)').waitFor({ timeout: 60_000 });
    const joe = await call('platform.people.get', { id: 'joe' });
    assert.equal(joe.name, 'Joe Visitor');
    assert.equal(joe.registerType, 2);
    assert.equal(joe.photos.length, 1);
    assert.equal(joe.photos[0].verdict.passed, true);
    assert.deepEqual(joe.groups, ['staff'], "no group ticked: the box's groups");
    await biden.getByText(/Enrolled as joe/).waitFor();
    await shot(page, 'events-enrolled', true);

    // the partial face: refused, with the reasons, and no person created
    const partial = rows().filter({ hasText: '0.20' });
    await partial.getByRole('button', { name: 'Enrol this stranger' }).click();
    const pform = partial.getByRole('group', { name: 'Enrol this stranger' });
    await pform.getByLabel('Name of the new person').fill('Half Face');
    await pform.getByLabel('Id of the new person').fill('half');
    await pform.getByRole('button', { name: 'Enrol' }).click();
    const refused = pform.getByRole('status', { name: 'Enrol result' });
    await refused.getByText('Not enrolled').waitFor({ timeout: 60_000 });
    assert.ok((await refused.locator('.verdict-reasons li').count()) > 0, 'the reasons are listed');
    await assert.rejects(call('platform.people.get', { id: 'half' }), /HTTP 404|no person|not found/i);
    await shot(page, 'events-enrol-refused', true);

    // "This is…" on the biden2.jpg stranger: it is Joe
    const other = rows().filter({ hasText: '0.40' });
    await other.getByRole('button', { name: 'This is…' }).click();
    const pick = other.getByRole('group', { name: 'This is…' });
    await pick.getByLabel('Find the person').fill('joe');
    await pick.getByRole('button', { name: /This is Joe Visitor/ }).click();
    await pick.getByRole('status', { name: 'Identify result' }).getByText("Added the spot picture to Joe Visitor's photos").waitFor({ timeout: 60_000 });
    assert.equal((await call('platform.people.get', { id: 'joe' })).photos.length, 2);
    await other.locator('.event-note').getByText(/Corrected: this is joe/).waitFor();
  });

  it('the Devices page: charts after a few status reports, capture devices, an offline alert when the reports stop', async (t) => {
    if (skip) return t.skip('no chromium');
    await page.goto(`${site!.url}#/devices`);
    const card = page.getByRole('region', { name: 'Box front gate' });
    const state = card.locator('h2 .tag').first();
    for (const cpu of [20, 35, 60]) {
      await post(gate, gate.monitorUrl, status(gate, cpu, ['192.168.1.101', '192.168.1.102']));
      await new Promise((r) => setTimeout(r, 300));
    }
    await state.getByText('online', { exact: true }).waitFor();
    // at least four reports in all (one from the first test): the charts grow live
    const cpuChart = card.getByRole('img', { name: /^CPU: 60\.0 %/ });
    await cpuChart.waitFor({ timeout: 15_000 });
    assert.ok(Number(await cpuChart.getAttribute('data-points')) >= 4);
    assert.equal(await card.locator('figure.metric-chart canvas').count(), 3, 'three uPlot charts');
    // the y axes say their unit: "100 %", not a bare 100
    const yTicks = await cpuChart.locator('.metric-plot').getAttribute('data-y-ticks');
    assert.match(yTicks ?? '', /(^| )100 %( |$)/, `y labels: ${yTicks}`);
    assert.ok((yTicks ?? '').split(' | ').every((l) => / %$/.test(l)), `every y label has its unit: ${yTicks}`);
    // the latest figures of the last report (cpu 60: memory 65 % of 1.55 GB, disk 15.2 % used of 10.39 GB)
    await card.getByRole('img', { name: /^Memory of 1\.6 GB: 65\.0 % now/ }).waitFor();
    await card.getByRole('img', { name: /^Disk of 10\.4 GB: 15\.2 % now/ }).waitFor();
    await card.locator('tr[data-ep]').filter({ hasText: 'camera 2' }).getByText('car park').waitFor();
    // §6.2: a capture device added on the box shows without a reload; removed, it goes
    const side = card.locator('tr[data-ep]').filter({ hasText: 'side camera' });
    await post(gate, gate.infoUrl, deviceInfoBody(gate, 'add', '192.168.1.103', 'side camera'));
    await side.getByText('192.168.1.103').waitFor({ timeout: 15_000 });
    await side.getByText('yard').waitFor();
    await card.locator('h3 .count').getByText('3', { exact: true }).waitFor();
    await post(gate, gate.infoUrl, deviceInfoBody(gate, 'remove', '192.168.1.103'));
    await side.waitFor({ state: 'detached', timeout: 15_000 });
    await card.locator('h3 .count').getByText('2', { exact: true }).waitFor();
    await shot(page, 'devices-charts', true);

    // the back door never reported status: after three missed periods of the gate too, both are offline
    const alerts = page.getByRole('region', { name: 'Alerts' });
    await alerts.locator('li[data-alert]').filter({ hasText: 'front gate' }).waitFor({ timeout: (PERIOD_S * 3 + 20) * 1000 });
    const alertText = (await alerts.locator('li[data-alert]').filter({ hasText: 'front gate' }).textContent())!;
    assert.match(alertText, /^front gate is offline: no status report since \d/, alertText);
    assert.doesNotMatch(alertText, /\d{4}-\d\d-\d\dT/, 'no raw ISO time on the page');
    await state.getByText('offline', { exact: true }).waitFor();
    // last seen: at least the three missed periods ago, kept current between reports
    await card.getByText(new RegExp(`last seen (${Array.from({ length: 50 }, (_, i) => i + PERIOD_S * 3).join('|')}) s ago`)).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByLabel(/active alerts/).waitFor();
    const api = await call<any[]>('events.alerts.list', {});
    assert.ok(api.some((a) => a.devSno === gate.devSno && a.active && a.kind === 'offline'));

    // a report again clears it
    await post(gate, gate.monitorUrl, status(gate, 15, ['192.168.1.101', '192.168.1.102']));
    await state.getByText('online', { exact: true }).waitFor({ timeout: 15_000 });
    await alerts.locator('li[data-alert]').filter({ hasText: 'front gate' }).waitFor({ state: 'detached', timeout: 15_000 });
    await shot(page, 'devices-page', true);

    // keyboard: the sidebar links are reachable with Tab
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent?.startsWith('Events') ?? false);
    }
    assert.ok(reached, 'Tab reaches the Events link');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();

    await page.goto(`${site!.url}#/devices`);
    await page.setViewportSize(SMALL);
    await card.locator('figure.metric-chart canvas').first().waitFor();
    assert.deepEqual(await sidewaysScroll(page), [], 'nothing scrolls sideways at 1024×700');
    await shot(page, 'devices-1024x700');
  });

  it('many events: pages of 50, older ones on demand, newest first, none twice', async (t) => {
    if (skip) return t.skip('no chromium');
    // yesterday's history as a box uploads it: batches of 100, no pictures
    const start = Date.now() - 2 * 86_400_000;
    for (let b = 0; b < 3; b++) {
      const batch = Array.from({ length: 100 }, (_, i) => event(gate, { ip: '192.168.1.101', id: 'ada', name: 'Ada Lovelace', score: 0.7, at: start + (b * 100 + i) * 1000 }));
      await post(gate, gate.recordUrls[0]!, batch);
    }
    const total = (await call('events.list', {})).total as number;
    assert.ok(total >= 300);
    await page.goto(`${site!.url}#/events`);
    await page.getByText(`Showing 50 of ${total}`).waitFor({ timeout: 15_000 });
    assert.equal(await rows().count(), 50);
    const older = page.getByRole('button', { name: 'Show older events' });
    await older.click();
    await page.getByText(`Showing 100 of ${total}`).waitFor();
    assert.equal(await rows().count(), 100);
    const ids = await rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-event')));
    assert.equal(new Set(ids).size, 100, 'no event twice');
    // newest first throughout
    const times = await rows().locator('time').evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute('datetime')!)));
    assert.deepEqual([...times].sort((a, b) => b - a), times);
  });
});
