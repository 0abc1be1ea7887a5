// Site mode at an operator's window sizes, all real: `se3kit serve` (built CLI) with the site
// platform, boxes logging in at the box port, Debian chromium via playwright-core.
// 1. Broker page before the site has any box: the platform has not used the broker yet, so Stop
//    stops it at once and says so; a box added afterwards still logs in (the platform starts the
//    broker again itself). Then with the boxes on it, at 760 px and 1366 px: every card fits
//    (queues, connections, channels, users), nothing cut, rows stacked at 760 px.
// 2. Site page: the devices table with every row action (Rename, Sync, Disable, Release MAC,
//    Wipe…, Remove, group ×, + group) fits its frame at 760 px and 1366 px wide.
// 3. Events page at 1366×768 and 760 px: the From and To fields sit on one line; the Who select
//    shows each choice in full.
// 4. Boxes page at 760 px with a real agent on loopback: the CSV report and the list show its
//    LoginUrl in full, nothing scrolls sideways.
// 5. Deploy page at 1366 px and 760 px: the chosen bundle shows in full in its field.
// Also at 760 px: the People page with a person held back (photo fails the check) on three
// boxes and one with a long name, id and groups (and the editor open); the Groups page renaming
// a long group name beside a delete confirmation; a box's long name being renamed on the Site
// page; a capture device's long name and location on the Devices page and on its event. The
// Devices page shows a bound MAC in the Site page's form.
// Screenshots: test-artifacts/e2e/site-ux-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { BrokerStatus } from '../../electron/api/broker';
import { apiClient, freePort, haveChromium, launchChromium, loggedInPage, shot, sidewaysScroll, startSite } from './harness';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../platform/harness';
import { boxLogin, eventBody, post, statusBody, type BoxDouble } from '../platform/events-box-double';
import { startAgentProcess } from '../helpers/agent-process';
import { miniBundle } from '../deploy/fixture';
import { face } from '../fiqa/fixtures';
import { cutOff, outside, selectWidths } from './layout';

test('site mode at 760 px and 1366 px: broker Stop before any box, then the pages with boxes, people and long names fit, nothing cut', { timeout: 240_000 }, async (t) => {
  if (!haveChromium(t)) return;
  const boxPort = await freePort();
  const amqpPort = await freePort();
  const site = await startSite(['--box-port', String(boxPort), '--amqp-port', String(amqpPort)]);
  let browser: Browser | null = null;
  t.after(async () => {
    await browser?.close();
    await site.stop();
  });
  const call = await apiClient(site.url, site.password);
  browser = await launchChromium();

  // ---- 1. the broker before the site has a box: started by the operator, not used by the site
  await call('broker.addUser', { name: 'ops-tool', password: 'ops-tool-pass-1' });
  const opsPort = await freePort();
  await call('broker.start', { port: opsPort, host: '127.0.0.1' });
  const st = await call<BrokerStatus>('broker.status');
  assert.equal(st.state, 'running');
  assert.equal(st.usedBySite, false, 'the site has no box on it yet');
  const page = await loggedInPage(browser, site, 'broker');
  const server = page.getByRole('form', { name: 'Broker server' });
  await server.getByText('The site platform has no boxes on this broker yet').waitFor();
  await shot(page, 'site-ux-01-broker-unused');
  await server.getByRole('button', { name: 'Stop', exact: true }).click();
  assert.equal(await page.getByRole('alertdialog', { name: "Stop the site's broker?" }).count(), 0, 'no confirmation: nothing of the site runs on it');
  await page.locator('[data-testid=broker-state]', { hasText: 'Stopped' }).waitFor({ timeout: 15_000 });
  // the site's future box logins are not broken: the platform starts the broker again itself
  const devs: string[] = [];
  const boxes: BoxDouble[] = [];
  for (const name of ['front gate', 'loading bay', 'staff entrance at the back']) devs.push((await call<{ devSno: string }>('platform.devices.add', { name })).devSno);
  for (let i = 0; i < devs.length; i++) boxes.push(await boxLogin(boxPort, devs[i]!, `box ${i}`, `0x0000000000c${i}`));
  await until('the broker runs for the site again', async () => {
    const s = await call<BrokerStatus>('broker.status');
    return s.state === 'running' && s.usedBySite === true && s.users.some((u) => u.name === `box.${devs[0]}`);
  });
  assert.equal((await call<BrokerStatus>('broker.status')).port, amqpPort, "on the site's own AMQP port");
  // with the site on it, Stop asks again
  await page.reload();
  await server.getByRole('button', { name: 'Stop', exact: true }).click();
  await page.getByRole('alertdialog', { name: "Stop the site's broker?" }).getByRole('button', { name: 'Keep it running' }).click();

  // ---- 1b. the Broker page's cards with the site's boxes on it (vhosts se3.up.<code>, the
  // platform's connections and channels): nothing scrolls sideways or is cut; at 760 px the
  // rows stack into cells labelled with their column
  const lastQueue = page.locator(`tr[data-queue="se3.${devs[2]}.results"]`);
  for (const vp of [
    { width: 760, height: 900 },
    { width: 1366, height: 768 },
  ]) {
    await page.setViewportSize(vp);
    await lastQueue.waitFor({ timeout: 15_000 });
    await page.locator('section[aria-label="Channels"] tr[data-channel]').first().waitFor();
    assert.deepEqual(await sidewaysScroll(page), [], `${vp.width} px: nothing on the Broker page scrolls sideways`);
    for (const card of ['AMQP broker', 'Users', 'Queues', 'Connections', 'Refused logins', 'Channels']) {
      const frame = card === 'AMQP broker' ? 'form[aria-label="Broker server"]' : `section[aria-label="${card}"]`;
      assert.deepEqual(await cutOff(page, frame), [], `${vp.width} px: all of the ${card} card shown`);
    }
    const label = await lastQueue.locator('td[data-col="ready"]').evaluate((td) => getComputedStyle(td, '::before').content);
    assert.equal(label, vp.width === 760 ? '"Ready"' : 'none', `${vp.width} px: a cell names its column only when the rows stack`);
    await shot(page, `site-ux-01b-broker-${vp.width}`, true);
  }

  // ---- 2. the devices table: every row's actions fit the frame
  const longGroup = 'contractors from the facilities company';
  for (const g of ['staff', 'night shift', longGroup]) await call('platform.groups.add', { name: g });
  for (const d of devs) for (const g of ['staff', 'night shift']) await call('platform.devices.assign', { devSno: d, group: g });
  for (const [i, vp] of [
    [0, { width: 760, height: 900 }],
    [1, { width: 1366, height: 768 }],
  ] as const) {
    await page.setViewportSize(vp);
    await page.goto(`${site.url}#/site`);
    const row = page.locator(`tr[data-dev="${devs[2]}"]`);
    await row.getByRole('button', { name: 'Release MAC' }).waitFor();
    assert.deepEqual(await sidewaysScroll(page), [], `${vp.width} px: nothing scrolls sideways`);
    const frame = 'section[aria-label="Devices"]';
    assert.deepEqual(await outside(page, frame, `${frame} tr[data-dev] button, ${frame} tr[data-dev] select`), [], `${vp.width} px: every action inside the frame`);
    // and they still work from there
    await row.getByRole('button', { name: 'Wipe…' }).click();
    const confirm = row.getByRole('group', { name: 'Confirm wipe' });
    assert.deepEqual(await outside(page, frame, `${frame} tr[data-dev] button, ${frame} tr[data-dev] input`), [], `${vp.width} px: the wipe confirmation inside the frame`);
    assert.deepEqual(await sidewaysScroll(page), [], `${vp.width} px: nothing scrolls sideways with the confirmation open`);
    await shot(page, `site-ux-0${2 + i}-devices-${vp.width}`, true);
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    // a box's name being edited shows in full
    await row.getByRole('button', { name: 'Rename staff entrance at the back' }).click();
    assert.deepEqual(await cutOff(page, frame), [], `${vp.width} px: the name being edited shows in full`);
    await row.getByRole('button', { name: 'Cancel' }).click();
  }

  // the People page at 760 px: a person held back on three boxes (photo fails the check) fits too
  await call('platform.people.add', { id: 'bob', name: 'Bob Partial', groups: ['staff'], photos: [face('obama_partial_face.jpg').toString('base64')] });
  await page.setViewportSize({ width: 760, height: 900 });
  await page.goto(`${site.url}#/people`);
  const bob = page.locator('tr[data-person="bob"]');
  await bob.getByText('Not sent to the boxes (they would refuse it): replace the photo.').waitFor();
  await bob.locator(`.box-state[data-box="${devs[2]}"]`).getByText('staff entrance at the back: not sent: photo would be refused').waitFor({ timeout: 15_000 });
  assert.deepEqual(await sidewaysScroll(page), [], '760 px: the People table does not scroll sideways');
  await shot(page, 'site-ux-04-people-760', true);
  // and a person with a long name, id and groups, with the editor open: all shown, nothing sideways
  const carolId = 'contractor-0042-facilities-company-north-site';
  await call('platform.people.add', { id: carolId, name: 'Carol Ann Featherstonehaugh-Montgomery (facilities)', groups: ['staff', 'night shift', longGroup], photos: [face('obama.jpg').toString('base64')] });
  const carol = page.locator(`tr[data-person="${carolId}"]`);
  await carol.locator(`.box-state[data-box="${devs[2]}"]`).waitFor({ timeout: 15_000 });
  assert.deepEqual(await sidewaysScroll(page), [], '760 px: a long name does not make the People table scroll sideways');
  assert.deepEqual(await cutOff(page, 'section[aria-label="People"]'), [], '760 px: every person shown in full');
  await carol.getByRole('button', { name: 'Edit' }).click();
  await page.locator('tr.editor-row').waitFor();
  assert.deepEqual(await sidewaysScroll(page), [], '760 px: the person editor does not scroll sideways');
  assert.deepEqual(await cutOff(page, 'section[aria-label="People"]'), [], '760 px: the person editor inside the frame');
  await shot(page, 'site-ux-04b-people-editor-760', true);

  // the Groups page at 760 px: a long group name being renamed shows in full beside a delete confirmation
  await page.goto(`${site.url}#/groups`);
  await page.locator('tr[data-group="staff"]').getByRole('button', { name: 'Delete' }).click();
  await page.locator(`tr[data-group="${longGroup}"]`).getByRole('button', { name: 'Rename' }).click();
  assert.deepEqual(await sidewaysScroll(page), [], '760 px: the Groups table does not scroll sideways');
  assert.deepEqual(await cutOff(page, 'section[aria-label="Groups"]'), [], '760 px: the group name being edited shows in full');
  await shot(page, 'site-ux-05-groups-760', true);

  // the Devices page shows a box's bound MAC as the Site page does (aa:bb:…, not the login's 0x… form)
  await page.goto(`${site.url}#/devices`);
  await page.getByText('00:00:00:00:00:c0').first().waitFor();
  assert.equal(await page.getByText('0x0000000000c0').count(), 0);
  // a capture device with a long name and location: shown in full on the Devices page and on its event
  const back = boxes[2]!;
  const report = statusBody(back, 12, ['192.168.1.101']);
  Object.assign(report.sub_devices[0]!, { ep_name: 'staff entrance camera (left of the door)', ep_location: 'north building, ground floor, staff entrance by the bicycle racks' });
  await post(back, back.monitorUrl, report);
  await post(back, back.recordUrls[0]!, eventBody(back, { ip: '192.168.1.101', pic: 'biden.jpg', score: 0.31 }));
  const card = `section[data-dev="${back.devSno}"]`;
  await page.locator(card).getByText('by the bicycle racks').waitFor({ timeout: 15_000 });
  assert.deepEqual(await cutOff(page, card), [], '760 px: the capture device shown in full');
  await page.goto(`${site.url}#/events`);
  await page.locator('li[data-event]').getByText('staff entrance camera (left of the door)').waitFor({ timeout: 15_000 });
  assert.deepEqual(await cutOff(page, 'section[aria-label="Timeline"]'), [], '760 px: the event names its box and capture device in full');
  await shot(page, 'site-ux-06-events-760', true);

  // ---- 3. the Events filter row: From and To together
  for (const vp of [
    { width: 1366, height: 768 },
    { width: 760, height: 900 },
  ]) {
    await page.setViewportSize(vp);
    await page.goto(`${site.url}#/events`);
    const filters = page.getByRole('form', { name: 'Filter events' });
    const from = await filters.getByLabel('From').boundingBox();
    const to = await filters.getByLabel('To').boundingBox();
    assert.ok(from && to, 'both fields shown');
    assert.equal(Math.round(to.y), Math.round(from.y), `${vp.width} px: To is on the line of From (${JSON.stringify({ from, to })})`);
    assert.ok(to.x > from.x + from.width - 1, `${vp.width} px: To follows From`);
    // the Who select shows each of its choices in full ("known and strangers" is the longest)
    const who = filters.getByLabel('Who');
    for (const kind of ['all', 'known', 'stranger', 'all']) {
      await who.selectOption(kind);
      const w = await selectWidths(who);
      assert.ok(w.has >= w.need, `${vp.width} px: Who shows "${await who.evaluate((el: HTMLSelectElement) => el.selectedOptions[0]!.text)}" in full (${w.has} px of ${w.need})`);
    }
    assert.deepEqual(await sidewaysScroll(page), [], `${vp.width} px: nothing scrolls sideways`);
    await shot(page, `site-ux-events-${vp.width}`);
  }

  // ---- 4. the Boxes page at 760 px with a virtual box (a real `se3kit agent` on loopback): its
  // LoginUrl in full in the CSV report and in the list. The LoginUrl is a loopback port nothing
  // listens on, so the agent's login attempts stay on this machine.
  const agentData = mkdtempSync(join(tmpdir(), 'se3kit-e2e-ux-agent-'));
  const agent = await startAgentProcess({ dataDir: agentData, host: '127.0.0.1', mdns: false });
  t.after(async () => {
    await agent.kill();
    rmSync(agentData, { recursive: true, force: true });
  });
  const loginUrl = `http://127.0.0.1:${await freePort()}/se3/platform/box-login`;
  await page.goto(`${site.url}#/boxes`);
  await page.fill('textarea[name=csv]', `host,dev_sno,login_url\n127.0.0.1:${agent.port},TJGSDX000120190726103455,${loginUrl}\n`);
  await page.getByRole('button', { name: /^Apply/ }).click();
  await page.getByTestId('csv-report').filter({ hasText: '1 configured, 0 failed' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(await sidewaysScroll(page), [], '760 px: the CSV report does not scroll sideways');
  assert.deepEqual(await cutOff(page, 'section[aria-label="CSV batch import"]'), [], '760 px: the CSV report inside its card');
  // the DevSno read back is one piece, never broken mid-value, here and at 1024 px
  const vp760 = page.viewportSize()!;
  for (const width of [760, 1024]) {
    await page.setViewportSize({ width, height: 800 });
    const lines = await page.locator('td[data-label="DevSno (read back)"]').evaluate((td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      return new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size;
    });
    assert.equal(lines, 1, `${width} px: the DevSno on one line`);
  }
  await page.setViewportSize(vp760);
  await page.fill('input[name=cidrs]', '127.0.0.1/32');
  await page.fill('input[name=port]', String(agent.port));
  await page.uncheck('input[name=mdns]');
  await page.getByRole('button', { name: 'Scan' }).click();
  await page.locator(`tr[data-box="127.0.0.1:${agent.port}"]`).getByText('TJGSDX000120190726103455').waitFor({ timeout: 20_000 });
  assert.deepEqual(await sidewaysScroll(page), [], '760 px: the box list does not scroll sideways');
  assert.deepEqual(await cutOff(page, 'section[aria-label="Discovered boxes"]'), [], '760 px: the LoginUrl shown in full');
  await shot(page, 'site-ux-07-boxes-760', true);

  // ---- 5. the Deploy page: the chosen bundle shows in full in its field at 1366 px and 760 px
  const bundle = miniBundle(join(site.data, 'bundles'), '1.10.12');
  for (const vp of [
    { width: 1366, height: 768 },
    { width: 760, height: 900 },
  ]) {
    await page.setViewportSize(vp);
    await page.goto(`${site.url}#/deploy`);
    const pick = page.locator('select[name=bundle]');
    await pick.locator('option', { hasText: 'se3-agent-1.10.12' }).waitFor({ state: 'attached' });
    await pick.selectOption(bundle);
    const w = await selectWidths(pick);
    assert.ok(w.has >= w.need, `${vp.width} px: the bundle shown in full (${w.has} px of ${w.need})`);
    assert.deepEqual(await sidewaysScroll(page), [], `${vp.width} px: the Deploy page does not scroll sideways`);
  }
});
