// The Site, People and Groups pages in Chromium against `se3kit serve`: add a group, issue a
// code and assign the group, a box logs in (online, MAC shown), add people with a good and a
// bad photo (the verdict and its reasons show at once), search, wipe with a confirmation; edit
// a person (name, type, details, groups), add photos (verdict at once) and remove one.
// Screenshots in test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { FACES_DIR } from '../fiqa/fixtures';
import { freePort, haveChromium, launchChromium, loggedInPage, shot, sidewaysScroll, startSite, type Site } from '../e2e/harness';
import { http } from './harness';
import { runCli } from '../helpers/cli';
import { startAgent, type AgentProc } from '../agent/link-fixture';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';

describe('platform pages (Chromium)', () => {
  let site: Site | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let boxPort: number;
  let skip = false;
  before(async (t) => {
    if (!haveChromium(t as never)) {
      skip = true;
      return;
    }
    boxPort = await freePort();
    site = await startSite(['--box-port', String(boxPort), '--amqp-port', String(await freePort())]);
    browser = await launchChromium();
    page = await loggedInPage(browser, site, 'groups');

  });
  let agent: AgentProc | undefined;
  let agentDir: string | undefined;
  let commissioned = '';
  after(async () => {
    await agent?.kill();
    if (agentDir) rmSync(agentDir, { recursive: true, force: true });
    await browser?.close();
    await site?.stop();
  });

  it('an empty site: People and Groups say what to do instead of showing bare table headings', async (t) => {
    if (skip) return t.skip('no chromium');
    await page.getByText('No groups yet. Add one').waitFor();
    assert.equal(await page.locator('main table').count(), 0, 'no empty table on Groups');
    await page.goto(`${site!.url}#/people`);
    await page.getByText('No people yet. Add a person above').waitFor();
    assert.equal(await page.locator('main table').count(), 0, 'no empty table on People');
    // adding a person before any group exists: the form says groups are needed and links to them
    const hint = page.getByRole('region', { name: 'Add a person' }).getByRole('note');
    await hint.getByText('No groups yet: a person reaches the boxes only through a group.').waitFor();
    await hint.getByRole('link', { name: 'Add a group on the Groups page' }).click();
    await page.getByText('No groups yet. Add one').waitFor();
    assert.match(page.url(), /#\/groups$/);
    await page.goto(`${site!.url}#/people`);
    await page.getByLabel('Search people').fill('nobody');
    await page.getByText('Nobody matches "nobody".').waitFor();
    await page.getByLabel('Search people').fill('');
    await page.goto(`${site!.url}#/groups`);
  });

  it('groups, devices, people with photo verdicts, wipe with a confirmation', async (t) => {
    if (skip) return t.skip('no chromium');
    await page.getByLabel('New group name').fill('staff');
    await page.getByRole('button', { name: 'Add group' }).click();
    await page.locator('tr[data-group="staff"]').waitFor();
    // its permission id (what the boxes hold) is the one `se3kit platform groups list` shows
    const listed = await runCli(['platform', 'groups', 'list', '--json', '--data', site!.data]);
    const staffId = JSON.parse(listed.stdout.trim().split('\n').find((l) => l.includes('"staff"'))!).id as number;
    assert.equal((await page.locator('tr[data-group="staff"] td[data-label="Permission id"]').textContent())?.trim(), String(staffId));
    // at 760 px the rows stack and each cell says what it is; nothing scrolls sideways
    await page.setViewportSize({ width: 760, height: 700 });
    try {
      const cell = page.locator('tr[data-group="staff"] td[data-label="Permission id"]');
      assert.equal(await cell.evaluate((td) => getComputedStyle(td, '::before').content), '"Permission id"');
      assert.deepEqual(await sidewaysScroll(page), []);
      await shot(page, 'platform-groups-760', false);
    } finally {
      await page.setViewportSize({ width: 1366, height: 768 });
    }

    await page.goto(`${site!.url}#/site`);
    await page.getByLabel('Name of the new box').fill('front gate');
    await page.getByRole('button', { name: 'Issue a code' }).click();
    // in the first frame that shows the code, the box is already in the list (not "No boxes yet")
    const firstFrame = await page.waitForFunction(() => {
      const banner = [...document.querySelectorAll('[role="status"]')].find((e) => e.textContent?.includes('New authorisation code'));
      return banner ? { rows: document.querySelectorAll('tr[data-dev]').length, empty: document.body.textContent!.includes('No boxes yet') } : null;
    }, undefined, { polling: 'raf' });
    assert.deepEqual(await firstFrame.jsonValue(), { rows: 1, empty: false });
    const issued = page.getByRole('status').filter({ hasText: 'New authorisation code' });
    await issued.waitFor();
    const devSno = (await issued.locator('.mono').first().textContent())!.trim();
    assert.match(devSno, /^[A-Z0-9]{24}$/);
    // the LoginUrl to give the box is spelled out: one per address of this machine, loopback last
    const lan = Object.values(networkInterfaces()).flatMap((l) => l ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => `http://${a.address}:${boxPort}/login`);
    const urls = page.getByLabel('LoginUrl for the boxes').locator('li');
    assert.deepEqual((await urls.allTextContents()).map((u) => u.replace(/ \(.*$/, '')), [...new Set(lan), `http://127.0.0.1:${boxPort}/login`]);
    assert.equal(await issued.locator('.mono').nth(1).textContent(), lan[0] ?? `http://127.0.0.1:${boxPort}/login`);
    assert.equal(await page.getByText('<this computer>').count(), 0);
    const row = page.locator(`tr[data-dev="${devSno}"]`);
    await row.getByText('offline').waitFor();
    // its broker login is made, no box holds it yet: said in those words
    const brokerCell = row.locator('td[data-label="Broker"]', { hasText: 'box not connected' });
    await brokerCell.waitFor({ timeout: 15_000 }).catch(async (e) => assert.fail(`${e}: ${await row.locator('td[data-label="Broker"]').textContent()}`));
    assert.equal((await brokerCell.textContent())?.trim(), 'login ready · box not connected');
    await row.getByText('not bound').waitFor();
    await row.getByLabel('Assign a group to front gate').selectOption('staff');
    await row.locator('.group-tag', { hasText: 'staff' }).waitFor();
    // the box logs in: online with its MAC (the page follows platform.changed)
    const login = await http(`http://127.0.0.1:${boxPort}/login?dev_sno=${devSno}&hex_mac=0xe0a5090000aa`);
    assert.equal(login.status, 200);
    await row.getByText('e0:a5:09:00:00:aa').waitFor({ timeout: 15_000 });
    await row.getByText('online').waitFor();

    await page.goto(`${site!.url}#/people`);
    const add = page.getByRole('region', { name: 'Add a person' });
    await add.getByLabel('Person id').fill('ada');
    await add.getByLabel('Person name').fill('Ada Lovelace');
    await add.getByLabel('staff').check();
    await add.getByLabel('Photos').setInputFiles(join(FACES_DIR, 'obama.jpg'));
    await add.getByRole('button', { name: 'Add' }).click();
    await add.getByRole('status', { name: 'Added' }).getByText(/photo ok/).waitFor({ timeout: 60_000 });
    await add.getByLabel('Person id').fill('bob');
    await add.getByLabel('Person name').fill('Bob Partial');
    await add.getByLabel('Photos').setInputFiles(join(FACES_DIR, 'obama_partial_face.jpg'));
    await add.getByRole('button', { name: 'Add' }).click();
    await add.getByRole('status', { name: 'Added' }).getByText('photo fails the check').waitFor({ timeout: 60_000 });
    assert.ok((await add.locator('.verdict-reasons li').count()) > 0, 'the reasons are listed');
    // and what to do: the boxes would refuse it, so it is not sent until replaced
    await add.getByRole('status', { name: 'Added' }).getByText('Not sent to the boxes (they would refuse it): replace the photo.').waitFor();
    // a duplicate id: a plain error
    await add.getByLabel('Person id').fill('ada');
    await add.getByLabel('Person name').fill('Again');
    await add.getByRole('button', { name: 'Add' }).click();
    await add.getByRole('alert').getByText('already a person with id "ada"').waitFor();

    const table = page.getByRole('region', { name: 'People' });
    await table.locator('tr[data-person="ada"]').waitFor();
    await table.locator('tr[data-person="ada"] img.thumb').waitFor();
    await table.locator('tr[data-person="ada"]').getByText(/sent, waiting for the box/).waitFor({ timeout: 15_000 });
    await table.getByLabel('Search people').fill('partial');
    await table.locator('tr[data-person="ada"]').waitFor({ state: 'detached' });
    assert.equal(await table.locator('tr[data-person]').count(), 1);
    await shot(page, 'platform-people', true);

    await page.goto(`${site!.url}#/site`);
    // "Sync all boxes" reports per box by its name
    await page.getByRole('button', { name: 'Sync all boxes' }).click();
    await page.getByRole('status').filter({ hasText: /^front gate: \d+ to add, \d+ to delete/ }).waitFor();
    const r = page.locator(`tr[data-dev="${devSno}"]`);
    await r.getByRole('button', { name: 'Wipe…' }).click();
    const confirm = r.getByRole('group', { name: 'Confirm wipe' });
    await confirm.getByRole('button', { name: 'Yes, wipe the box' }).click();
    await confirm.waitFor({ state: 'detached' });
    await shot(page, 'platform-site', true);
  });

  it('edits a person: name, type, details and groups; adds photos (verdict at once) and removes one', async (t) => {
    if (skip) return t.skip('no chromium');
    await page.goto(`${site!.url}#/groups`);
    await page.getByLabel('New group name').fill('night shift');
    await page.getByRole('button', { name: 'Add group' }).click();
    await page.locator('tr[data-group="night shift"]').waitFor();

    await page.goto(`${site!.url}#/people`);
    const table = page.getByRole('region', { name: 'People' });
    const row = table.locator('tr[data-person="ada"]');
    await row.getByRole('button', { name: 'Edit' }).click();
    const editor = table.getByRole('form', { name: 'Edit Ada Lovelace' });
    await editor.waitFor();
    assert.equal(await editor.locator('.photo-tile').count(), 1);

    // photos: a good one and a bad one, each checked at once
    await editor.getByLabel('Add photos').setInputFiles(join(FACES_DIR, 'obama2.jpg'));
    await editor.getByRole('status', { name: 'Photo checked' }).getByText(/photo ok/).waitFor({ timeout: 60_000 });
    await editor.getByLabel('Add photos').setInputFiles(join(FACES_DIR, 'obama_partial_face.jpg'));
    const checked = editor.getByRole('status', { name: 'Photo checked' });
    await checked.getByText('photo fails the check').waitFor({ timeout: 60_000 });
    assert.ok((await checked.locator('.verdict-reasons li').count()) > 0, 'the reasons are listed');
    // Ada has passing photos: this one is simply not used (no "replace the photo" advice)
    await checked.getByText("Not used: the person's best photo is sent.").waitFor();
    assert.equal(await checked.getByText('replace the photo').count(), 0);
    await editor.locator('.photo-tile').nth(2).waitFor();
    assert.equal(await editor.locator('.photo-tile').count(), 3);
    // the failing photo is not the one sent
    const bad = editor.locator('.photo-tile', { hasText: 'photo fails the check' });
    assert.equal(await bad.getByText('best: sent to the boxes').count(), 0);
    await shot(page, 'platform-person-photos', true);
    await bad.getByRole('button', { name: 'Remove photo' }).click();
    await bad.getByRole('button', { name: 'Yes, remove' }).click();
    await editor.locator('.photo-tile', { hasText: 'photo fails the check' }).waitFor({ state: 'detached' });
    assert.equal(await editor.locator('.photo-tile').count(), 2);

    // a malformed details line: a plain error, nothing saved
    await editor.getByLabel('Name', { exact: true }).fill('Ada King');
    await editor.getByLabel('Details').fill('department: engineering\nbadge 42');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('alert').getByText('details, line 2: write it as "key: value"').waitFor();
    await row.getByText('Ada Lovelace').waitFor();

    await editor.getByLabel('Details').fill('department: engineering\nbadge: 42');
    await editor.getByLabel('Type').selectOption({ label: 'VIP' });
    await editor.getByLabel('night shift').check();
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.waitFor({ state: 'detached' });
    await row.getByText('Ada King').waitFor();
    await row.getByText('night shift, staff').waitFor();
    await row.getByText('2 photos; the best is sent').waitFor();
    // the edit is sent to the box again
    await row.getByText(/sent, waiting for the box/).waitFor({ timeout: 15_000 });

    // what was saved is what the editor shows next time (after a reload)
    await page.reload();
    await table.locator('tr[data-person="ada"]').getByRole('button', { name: 'Edit' }).click();
    const again = table.getByRole('form', { name: 'Edit Ada King' });
    assert.equal(await again.getByLabel('Details').inputValue(), 'department: engineering\nbadge: 42');
    assert.equal(await again.getByLabel('Type').inputValue(), '5');
    assert.equal(await again.getByLabel('night shift').isChecked(), true);
    assert.equal(await again.getByLabel('staff').isChecked(), true);
    await shot(page, 'platform-person-edit', true);
    await again.getByRole('button', { name: 'Close' }).click();
  });

  it('"Add to this site" on the Boxes page: a progress row until the box is on the site', async (t) => {
    if (skip) return t.skip('no chromium');
    agentDir = mkdtempSync(join(tmpdir(), 'se3-pages-agent-'));
    agent = await startAgent(agentDir, ['--mac', 'e0:a5:09:00:c0:01']);
    const port = new URL(agent.url).port;
    await page.goto(`${site!.url}#/boxes`);
    await page.fill('input[name=cidrs]', '127.0.0.1/32');
    await page.fill('input[name=port]', port);
    await page.uncheck('input[name=mdns]');
    await page.getByRole('button', { name: 'Scan' }).click();
    await page.getByLabel(`Select 127.0.0.1:${port} for deploy`).check({ timeout: 20_000 });
    const panel = page.getByRole('region', { name: 'Add to this site' });
    await panel.getByRole('button', { name: 'Add to this site (1)' }).click();
    const row = panel.locator(`tr[data-commission="127.0.0.1:${port}"]`);
    await row.getByText('On this site').waitFor({ timeout: 60_000 });
    await shot(page, 'platform-commission', true);
    const devSno = (await row.locator('.mono.muted').textContent())!.trim();
    const cfg = await (await fetch(`${agent.url}/SophonMQ/api/DevSno`)).json();
    assert.equal(cfg.data.dev_sno, devSno);
    commissioned = devSno;
  });

  it('People at 1366×768: the box of a held person is named, the reason wraps, nothing scrolls sideways', async (t) => {
    if (skip) return t.skip('no chromium');
    assert.ok(commissioned, 'the box commissioned above');
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(`${site!.url}#/site`);
    const dev = page.locator(`tr[data-dev="${commissioned}"]`);
    const boxName = (await dev.locator('.strong').first().textContent())!.trim();
    assert.equal(boxName, `127.0.0.1:${new URL(agent!.url).port}`, 'commissioning names the box after its address');
    // renamed in place: Escape keeps the old name, Enter saves the new one
    await dev.getByRole('button', { name: `Rename ${boxName}` }).click();
    await dev.getByLabel(`New name for ${boxName}`).fill('not this');
    await dev.getByLabel(`New name for ${boxName}`).press('Escape');
    await dev.locator('.strong', { hasText: boxName }).waitFor();
    await dev.getByRole('button', { name: `Rename ${boxName}` }).click();
    await dev.getByLabel(`New name for ${boxName}`).fill('loading bay');
    await dev.getByLabel(`New name for ${boxName}`).press('Enter');
    await dev.locator('.strong', { hasText: 'loading bay' }).waitFor();
    await dev.getByLabel('Assign a group to loading bay').selectOption('staff');
    await dev.locator('.group-tag', { hasText: 'staff' }).waitFor();
    // bob's partial face would be refused by the box: it is not sent, and his box state says why
    await page.goto(`${site!.url}#/people`);
    const table = page.getByRole('region', { name: 'People' });
    await table.getByLabel('Search people').fill('');
    const state = table.locator(`tr[data-person="bob"] .box-state[data-box="${commissioned}"]`);
    await state.getByText('loading bay: not sent: photo would be refused').waitFor({ timeout: 90_000 });
    // the reasons show once, in the Photo check column (not again under every box); the tag's title holds the box state's message
    assert.match((await state.locator('.tag').getAttribute('title')) ?? '', /: not sent: photo fails the check \(.+\); replace the photo$/);
    await table.locator('tr[data-person="bob"]').getByText('Not sent to the boxes (they would refuse it): replace the photo.').waitFor();
    await shot(page, 'platform-people-refused', true);
    assert.deepEqual(await sidewaysScroll(page), []);
    const edit = await table.locator('tr[data-person="bob"]').getByRole('button', { name: 'Edit' }).boundingBox();
    assert.ok(edit && edit.x + edit.width <= 1366, `Edit is on screen (${JSON.stringify(edit)})`);
    // the site's tables are laid out like the others: full width, headings over their columns
    for (const route of ['people', 'site', 'groups']) {
      if (route !== 'people') await page.goto(`${site!.url}#/${route}`);
      await page.locator('main table.compact-table tbody tr').first().waitFor();
      const layout = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLTableElement>('main table.compact-table')).map((t) => ({
          fill: t.getBoundingClientRect().width / t.parentElement!.getBoundingClientRect().width,
          aligns: Array.from(t.querySelectorAll('th')).filter((th) => th.textContent).map((th) => getComputedStyle(th).textAlign),
        })),
      );
      for (const l of layout) {
        assert.ok(l.fill > 0.99, `${route}: the table fills its card (${l.fill})`);
        assert.ok(l.aligns.every((a) => a === 'left' || a === 'start'), `${route}: headings left-aligned (${l.aligns.join(', ')})`);
      }
    }
  });
  it('a CSV import shows its progress (rows done of the total) while the photos are checked, then the report', async (t) => {
    if (skip) return t.skip('no chromium');
    const dir = mkdtempSync(join(tmpdir(), 'se3-pages-import-'));
    const faces = readdirSync(FACES_DIR).filter((f) => f.endsWith('.jpg'));
    const csv = join(dir, 'people.csv');
    writeFileSync(csv, ['id,name,photo', ...faces.map((f, i) => `imp${i},Imported ${i},${f}`)].join('\n'));
    try {
      await page.goto(`${site!.url}#/people`);
      // what the progress bar shows while the import runs, whatever its speed
      await page.evaluate(() => {
        const seen: string[] = ((window as any).__importProgress = []);
        new MutationObserver(() => {
          const bar = document.querySelector('[aria-label="Import progress"]');
          if (bar) seen.push(`${bar.getAttribute('aria-valuenow')}/${bar.getAttribute('aria-valuemax')}`);
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      const imp = page.getByRole('region', { name: 'Import people' });
      await imp.getByLabel('CSV file').setInputFiles(csv);
      await imp.getByLabel('Photo folder').fill(FACES_DIR);
      await imp.getByRole('button', { name: 'Import' }).click();
      const report = imp.getByRole('status', { name: 'Import report' });
      await report.waitFor({ timeout: 120_000 });
      assert.match((await report.textContent())!, new RegExp(`^${faces.length} added, 0 updated, 0 rows failed`));
      const seen: string[] = await page.evaluate(() => (window as any).__importProgress);
      const total = String(faces.length);
      assert.ok(seen.some((x) => /^\d+\/(\d+)$/.test(x) && x.endsWith(`/${total}`) && Number(x.split('/')[0]) > 0 && Number(x.split('/')[0]) < faces.length), `a part-way count of ${total} was shown: ${seen.join(' ')}`);
      assert.equal(await imp.getByRole('progressbar').count(), 0, 'the bar goes when the report comes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a laptop at 200 % zoom (683×384 CSS px): the menu goes on top, the page gets the full width and does not scroll sideways', async (t) => {
    if (skip) return t.skip('no chromium');
    await page.setViewportSize({ width: 683, height: 384 });
    try {
      for (const route of ['site', 'people', 'groups', 'events', 'devices', 'boxes']) {
        await page.goto(`${site!.url}#/${route}`);
        await page.locator('main.content h1').waitFor();
        const main = (await page.locator('main.content').boundingBox())!;
        const nav = (await page.getByRole('navigation', { name: 'Main' }).boundingBox())!;
        assert.ok(main.x < 1 && main.width > 680, `${route}: the page has the full width (${JSON.stringify(main)})`);
        assert.ok(nav.y + nav.height <= main.y + 1, `${route}: the menu is above the page`);
        assert.ok(nav.height < 200, `${route}: the menu leaves room for the page (${nav.height} px)`);
        // a wide table may scroll inside its own frame at this width; the page itself must not
        assert.deepEqual((await sidewaysScroll(page)).filter((x) => !x.startsWith('div.table-wrap')), [], route);
      }
      await shot(page, 'platform-zoom-200', false);
    } finally {
      await page.setViewportSize({ width: 1366, height: 768 });
    }
  });
});
