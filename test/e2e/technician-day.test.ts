// A field technician's day in site mode at 760, 1024 and 1366 px, all real: `se3kit serve` (the
// built CLI), a virtual box (a real `se3kit agent` on loopback), Debian chromium via
// playwright-core. What the day showed up:
// 1. The Deploy page before any bundle is there: the bundle field's placeholder shows in full.
// 2. A box found by a scan of an explicit loopback range goes away while its details are open:
//    the page says so (offline, in the list and in the details) without a new scan, and the
//    details still show in full (the offline mark used to push the panel past the window's edge,
//    cutting the fields and the error of a save that could not reach the box).
//    With the keyboard only: the row opens with Enter, Tab reaches the DevSno field, Enter saves,
//    Escape closes the details and the focus goes back to the row (it used to fall to the page).
// 3. The Deploy page with a bundle and a finished adopt to a box that does not answer SSH (a free
//    loopback port): the chosen bundle (file name and size) shows in full, the Advanced settings
//    stay inside the form, the failure says what to check, and the Job picker names the job in full.
// 4. Keyboard only on the inline confirmations of the Site page (Release MAC, Wipe…, Remove), the
//    People page (Delete) and the Broker page (Stop, with the site's box on it): Enter opens one
//    and the focus goes to its safe answer (it used to fall to the page with the button that
//    asked), Escape closes it and the focus goes back to that button. Renaming a box in place,
//    and the person editor: Enter saves, Escape cancels (the editor had no Escape), and the focus
//    goes back to Rename / Edit.
// Screenshots: test-artifacts/e2e/day-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startAgentProcess } from '../helpers/agent-process';
import { testBundle } from '../deploy/fixture';
import { boxLogin } from '../platform/events-box-double';
import { face } from '../fiqa/fixtures';
import { apiClient, freePort, haveChromium, launchChromium, loggedInPage, shot, sidewaysScroll, startSite } from './harness';
import { cutOff, selectWidths } from './layout';

const WIDTHS = [760, 1024, 1366];

test("a technician's day at 760, 1024 and 1366 px: Deploy before any bundle, a box going away, Deploy with a bundle and a failed adopt, confirmations by keyboard", { timeout: 180_000 }, async (t) => {
  if (!haveChromium(t)) return;
  const boxPort = await freePort();
  const site = await startSite(['--box-port', String(boxPort), '--amqp-port', String(await freePort())]);
  let browser: Browser | null = null;
  const agentData = mkdtempSync(join(tmpdir(), 'se3kit-e2e-day-agent-'));
  t.after(async () => {
    await browser?.close();
    await site.stop();
    rmSync(agentData, { recursive: true, force: true });
  });
  browser = await launchChromium();
  const page = await loggedInPage(browser, site);

  // ---- 1. the Deploy page with no bundle yet: the bundle field says so in full
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`${site.url}#/deploy`);
    const pick = page.locator('select[name=bundle]');
    await pick.locator('option', { hasText: 'No bundle yet' }).waitFor({ state: 'attached' });
    const w = await selectWidths(pick);
    assert.ok(w.has >= w.need, `${width} px: the bundle field's placeholder shown in full (${w.has} px of ${w.need})`);
    assert.deepEqual(await sidewaysScroll(page), [], `${width} px: the Deploy page does not scroll sideways`);
    await shot(page, `day-01-deploy-empty-${width}`);
  }

  // ---- 2. a box found on loopback, opened, then gone
  const agent = await startAgentProcess({ dataDir: agentData, host: '127.0.0.1', mdns: false });
  t.after(() => agent.kill());
  const id = `127.0.0.1:${agent.port}`;
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.goto(`${site.url}#/boxes`);
  await page.fill('input[name=cidrs]', '127.0.0.1/32');
  await page.fill('input[name=port]', String(agent.port));
  await page.uncheck('input[name=mdns]');
  await page.getByRole('button', { name: 'Scan' }).click();
  const row = page.locator(`tr[data-box="${id}"]`);
  await row.waitFor({ timeout: 20_000 });
  // keyboard only: Enter on the row opens it, Tab reaches its fields, Enter saves, Escape closes
  // and gives the focus back to the row
  await row.focus();
  await page.keyboard.press('Enter');
  const details = page.getByRole('complementary', { name: `Box ${id}` });
  await details.getByText('answering').waitFor();
  const devSno = details.locator('input[name=dev_sno]');
  for (let i = 0; i < 6 && !(await devSno.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  assert.equal(await devSno.evaluate((el) => el === document.activeElement), true, 'Tab from the row reaches the DevSno field');
  await page.keyboard.type('TJGSDX000120190726103455');
  await page.keyboard.press('Enter');
  await details.getByTestId('readback-dev-sno').filter({ hasText: 'TJGSDX000120190726103455' }).waitFor({ timeout: 15_000 });
  await page.keyboard.press('Escape');
  await details.waitFor({ state: 'detached' });
  assert.equal(await row.evaluate((el) => el === document.activeElement), true, `Escape gives the focus back to the box's row, not to ${await page.evaluate(() => document.activeElement?.tagName)}`);
  await page.keyboard.press('Enter');
  await details.getByText('answering').waitFor();
  await agent.kill();
  // no new scan: the page's own re-check finds it gone
  await details.getByText(/^offline/).waitFor({ timeout: 40_000 });
  await row.getByText('offline').waitFor();
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    assert.deepEqual(await cutOff(page, `aside[aria-label="Box ${id}"]`), [], `${width} px: the details of the box gone away shown in full`);
    assert.deepEqual(await sidewaysScroll(page), [], `${width} px: nothing scrolls sideways`);
    await shot(page, `day-02-box-gone-${width}`);
  }
  // saving to it says it was not saved and what to do, in full
  await page.setViewportSize({ width: 1024, height: 800 });
  await devSno.fill('TJGSDX000120190726103456');
  await details.getByRole('button', { name: 'Save to box' }).click();
  await details.getByText('Not saved.').waitFor({ timeout: 20_000 });
  assert.deepEqual(await cutOff(page, `aside[aria-label="Box ${id}"]`), [], '1024 px: the failed save shown in full');
  await shot(page, 'day-03-box-gone-save-1024');

  // ---- 3. the Deploy page with a bundle, and an adopt to a box that does not answer SSH
  const bundleDir = join(site.data, 'bundles');
  mkdirSync(bundleDir, { recursive: true });
  const bundle = (await testBundle(bundleDir, '1.0.0')).file;
  const target = `127.0.0.1:${await freePort()}`;
  await page.goto(`${site.url}#/deploy`);
  const pick = page.locator('select[name=bundle]');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await pick.locator('option', { hasText: 'se3-agent-1.0.0' }).waitFor({ state: 'attached' });
  await pick.selectOption(bundle);
  await page.fill('textarea[name=targets]', target);
  await page.check('input[name=auth][value=password]');
  await page.fill('input[name=password]', 'not-used: nothing listens');
  await page.getByRole('button', { name: 'Adopt only' }).click();
  const failed = page.locator(`[data-job-state="done"] [data-job-box="${target}"]`);
  await failed.getByText(/nothing accepts SSH connections on .*: is SSH enabled on the box and the port right\?/).waitFor({ timeout: 30_000 });
  // a second try, adopt and deploy: the earlier job is in the Job picker
  await page.fill('input[name=password]', 'not-used: nothing listens');
  await page.getByRole('button', { name: 'Adopt and deploy' }).click();
  const jobPick = page.getByLabel('Show job');
  await jobPick.locator('option').nth(1).waitFor({ state: 'attached', timeout: 30_000 });
  // its keyboard focus is plain to see: a solid 2 px ring in the brand blue (5:1 on white), not a faint glow
  await jobPick.focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const ring = await jobPick.evaluate((el) => {
    const st = getComputedStyle(el);
    return { focused: el.matches(':focus-visible'), style: st.outlineStyle, width: parseFloat(st.outlineWidth), color: st.outlineColor };
  });
  assert.deepEqual(ring, { focused: true, style: 'solid', width: 2, color: 'rgb(37, 99, 235)' }, 'the Job picker shows a clear focus ring');
  await page
    .locator('[data-job-state="done"]')
    .waitFor({ timeout: 60_000 })
    .catch(async (err: Error) => {
      await shot(page, 'day-04-deploy-second-job-not-done', true);
      throw new Error(`${err.message}\n--- the job on the page ---\n${await page.locator('[data-job]').textContent()}`);
    });
  await page.locator('details.advanced summary').click();
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 800 });
    const w = await selectWidths(pick);
    assert.ok(w.has >= w.need, `${width} px: the chosen bundle shown in full (${w.has} px of ${w.need})`);
    const j = await selectWidths(jobPick);
    assert.ok(j.has >= j.need, `${width} px: the shown job named in full in the Job picker (${j.has} px of ${j.need})`);
    assert.deepEqual(await cutOff(page, 'form[aria-label="Deploy settings"]'), [], `${width} px: the form's fields inside it`);
    assert.deepEqual(await cutOff(page, '[data-job]'), [], `${width} px: the failed adopt shown in full`);
    assert.deepEqual(await sidewaysScroll(page), [], `${width} px: nothing scrolls sideways`);
    await shot(page, `day-04-deploy-failed-${width}`, true);
  }

  // ---- 4. the inline confirmations with the keyboard only
  const call = await apiClient(site.url, site.password);
  const dev = (await call<{ devSno: string }>('platform.devices.add', { name: 'front gate' })).devSno;
  await boxLogin(boxPort, dev, 'front gate', '0x0000000000c0'); // binds a MAC (Release MAC) and puts the site on its broker
  const focused = () => page.evaluate(() => `${document.activeElement?.tagName} "${document.activeElement?.textContent?.trim().slice(0, 40)}"`);
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.goto(`${site.url}#/site`);
  const devRow = page.locator(`tr[data-dev="${dev}"]`);
  for (const [opener, group, safe] of [
    ['Release MAC', 'Confirm release', 'Keep'],
    ['Wipe…', 'Confirm wipe', 'Cancel'],
    ['Remove', 'Confirm remove', 'Keep'],
  ] as const) {
    await devRow.getByRole('button', { name: opener, exact: true }).focus();
    await page.keyboard.press('Enter');
    const confirm = devRow.getByRole('group', { name: group });
    await confirm.waitFor();
    assert.equal(await focused(), `BUTTON "${safe}"`, `${opener}: the focus goes to ${safe}`);
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    assert.equal(await focused(), `BUTTON "${opener}"`, `${opener}: Escape closes the confirmation and gives the focus back`);
  }
  await devRow.getByRole('button', { name: 'Wipe…' }).waitFor(); // nothing was wiped or removed
  // renaming the box in place: the field takes the focus, Enter saves, Escape cancels, and the
  // focus goes back to Rename either way
  await devRow.getByRole('button', { name: 'Rename front gate' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await focused(), 'INPUT ""', 'Rename: the focus goes to the name field');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('front gate (north)');
  await page.keyboard.press('Enter');
  const renamed = devRow.getByRole('button', { name: 'Rename front gate (north)' });
  await renamed.waitFor();
  assert.equal(await renamed.evaluate((el) => el === document.activeElement), true, `Enter saves and gives the focus back to Rename, not to ${await focused()}`);
  await page.keyboard.press('Enter');
  await page.keyboard.type(' typed, then dropped');
  await page.keyboard.press('Escape');
  await renamed.waitFor();
  assert.equal(await renamed.evaluate((el) => el === document.activeElement), true, `Escape keeps the name and gives the focus back to Rename, not to ${await focused()}`);
  assert.equal((await call<{ name: string }[]>('platform.devices.list'))[0]!.name, 'front gate (north)');
  // the People page's Delete asks the same way
  await call('platform.people.add', { id: 'ann', name: 'Ann Good', groups: [], photos: [face('obama.jpg').toString('base64')] });
  await page.goto(`${site.url}#/people`);
  const ann = page.locator('tr[data-person="ann"]');
  await ann.getByRole('button', { name: 'Delete', exact: true }).focus();
  await page.keyboard.press('Enter');
  await ann.getByRole('button', { name: 'Yes, delete' }).waitFor();
  assert.equal(await focused(), 'BUTTON "Keep"', 'Delete: the focus goes to Keep');
  await page.keyboard.press('Escape');
  await ann.getByRole('button', { name: 'Yes, delete' }).waitFor({ state: 'detached' });
  assert.equal(await focused(), 'BUTTON "Delete"', 'Escape keeps the person and gives the focus back to Delete');
  // and the person editor: Tab reaches its name field, Escape closes it, Enter saves it, the focus
  // goes back to Edit each time
  const edit = ann.getByRole('button', { name: /^Edit/ });
  const nameField = page.getByRole('form', { name: 'Edit Ann Good' }).getByLabel('Name');
  for (const key of ['Escape', 'Enter'] as const) {
    await edit.focus();
    await page.keyboard.press('Enter');
    await nameField.waitFor();
    for (let i = 0; i < 6 && !(await nameField.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    assert.equal(await nameField.evaluate((el) => el === document.activeElement), true, 'Tab from Edit reaches the name field');
    if (key === 'Enter') {
      await page.keyboard.press('End'); // Tab selected the whole name
      await page.keyboard.type(' (staff)');
    }
    await page.keyboard.press(key);
    await nameField.waitFor({ state: 'detached' });
    assert.equal(await edit.evaluate((el) => el === document.activeElement), true, `${key} closes the editor and gives the focus back to Edit, not to ${await focused()}`);
  }
  await ann.getByText('Ann Good (staff)').waitFor();
  // the search field and the file choosers look like the app's other fields and buttons
  const looks = await page.evaluate(() => {
    const search = getComputedStyle(document.querySelector('input[aria-label="Search people"]')!);
    const files = Array.from(document.querySelectorAll<HTMLInputElement>('main input[type=file]')).map((el) => getComputedStyle(el, '::file-selector-button'));
    return { search: [search.borderRadius, search.paddingLeft], files: files.map((f) => [f.borderRadius, f.backgroundColor]) };
  });
  assert.deepEqual(looks.search, ['8px', '10px'], 'the search field is styled');
  assert.ok(looks.files.length >= 2, 'the Photos and CSV file choosers are on the page');
  for (const f of looks.files) assert.deepEqual(f, ['8px', 'rgb(255, 255, 255)'], 'a file chooser button is styled');
  await page.goto(`${site.url}#/broker`);
  const server = page.getByRole('form', { name: 'Broker server' });
  const stop = server.getByRole('button', { name: 'Stop', exact: true });
  await stop.focus();
  await page.keyboard.press('Enter');
  const ask = page.getByRole('alertdialog', { name: "Stop the site's broker?" });
  await ask.waitFor();
  assert.equal(await focused(), 'BUTTON "Keep it running"', 'Stop: the focus goes to Keep it running, so a second Enter does not stop the broker');
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'detached' });
  assert.equal(await focused(), 'BUTTON "Stop"', 'Escape keeps the broker running and gives the focus back to Stop');
  await page.locator('[data-testid=broker-state]', { hasText: 'Running' }).waitFor();
});
