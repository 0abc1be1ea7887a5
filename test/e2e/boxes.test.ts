// End to end, all real: `se3kit serve` on an ephemeral loopback port, real `se3kit agent`
// virtual boxes on loopback ports, Debian chromium driven by playwright-core. Logs in, scans,
// edits DevSno/LoginUrl through the UI, checks the agent really holds the new values, tries an
// invalid value, runs a CSV batch. Screenshots go to test-artifacts/e2e/*.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { cli } from '../site/cli-process';
import { startAgentProcess } from '../helpers/agent-process';
import { freePort, haveChromium, launchChromium, loggedInPage, shot, sidewaysScroll, SMALL, startSite, type Site } from './harness';

const vendorFixture = new URL('../discovery/fixtures/vendor-firmware.mjs', import.meta.url).pathname;

let site: Site | null = null;
let browser: Browser | null = null;

interface Agent {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function startAgent(port: number): Promise<Agent> {
  const dir = mkdtempSync(join(tmpdir(), 'se3kit-e2e-agent-'));
  const child = spawn(process.execPath, [cli, 'agent', '--data', dir, '--port', String(port), '--name', `e2e-${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`agent on port ${port} did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    child,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function agentValue(port: number, what: 'DevSno' | 'LoginUrl', host = '127.0.0.1'): Promise<unknown> {
  const res = await fetch(`http://${host}:${port}/SophonMQ/api/${what}`);
  return ((await res.json()) as { data: Record<string, unknown> }).data;
}

before(async () => {
  site = await startSite();
});

after(async () => {
  await browser?.close();
  await site?.stop();
});

test('login: a wrong password is refused with a clear message, the right one opens the app', { timeout: 60_000 }, async (t) => {
  if (!haveChromium(t)) return;
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(site!.url);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await shot(page, 'boxes-01-login');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await page.getByRole('alert').filter({ hasText: 'Wrong password' }).waitFor();
  await shot(page, 'boxes-02-login-wrong');
  await page.fill('input[name=password]', site!.password);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Boxes', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Boxes' }).waitFor();
  await shot(page, 'boxes-03-boxes-empty');
  // the session survives a reload (cookie), and logging out ends it
  await page.reload();
  await page.getByRole('heading', { name: 'Boxes', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.close();
});

test('scan, configure a box, invalid input, CSV batch — checked on the real agent', { timeout: 120_000 }, async (t) => {
  if (!haveChromium(t)) return;
  assert.ok(browser, 'the login test launched the browser');
  const [p1, p2] = [await freePort(), await freePort()];
  const a1 = await startAgent(p1);
  t.after(() => a1.stop());
  const a2 = await startAgent(p2);
  t.after(() => a2.stop());

  const page = await loggedInPage(browser, site!);
  // Probe only this machine's loopback address with the agent's port; no mDNS (it would leave loopback).
  await page.fill('input[name=cidrs]', '127.0.0.1/32');
  await page.fill('input[name=port]', String(p1));
  await page.uncheck('input[name=mdns]');
  await page.getByRole('button', { name: 'Scan' }).click();
  const row = page.locator(`tr[data-box="127.0.0.1:${p1}"]`);
  await row.waitFor({ timeout: 20_000 });
  await page.getByTestId('scan-progress').filter({ hasText: 'Scan finished' }).waitFor({ timeout: 20_000 });
  await shot(page, 'boxes-04-scan-found');

  // an invalid value: inline error, Save disabled, nothing sent
  await row.click();
  const form = page.getByRole('form', { name: 'Configure box' });
  await form.waitFor();
  await page.fill('input[name=dev_sno]', 'bad value!');
  await page.getByTestId('dev-sno-error').filter({ hasText: 'DevSno may contain only letters, digits' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Save to box' }).isDisabled(), true);
  await page.fill('input[name=login_url]', 'ftp://platform.example/login');
  await page.getByTestId('login-url-error').filter({ hasText: 'must start with http:// or https://' }).waitFor();
  await shot(page, 'boxes-05-invalid-input');
  assert.notEqual((await agentValue(p1, 'DevSno')) as object, { dev_sno: 'bad value!' });

  // a valid edit: saved, read back, and really on the agent
  await page.fill('input[name=dev_sno]', 'E2E_SNO-0001');
  await page.fill('input[name=login_url]', 'http://platform.example:8080/login');
  await page.getByRole('button', { name: 'Save to box' }).click();
  const outcome = page.getByTestId('configure-outcome');
  await outcome.filter({ hasText: 'Saved and confirmed' }).waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId('readback-dev-sno').textContent(), 'E2E_SNO-0001');
  assert.equal(await page.getByTestId('readback-login-url').textContent(), 'http://platform.example:8080/login');
  await shot(page, 'boxes-06-configured');
  assert.deepEqual(await agentValue(p1, 'DevSno'), { dev_sno: 'E2E_SNO-0001' });
  assert.deepEqual(await agentValue(p1, 'LoginUrl'), { login_url: 'http://platform.example:8080/login' });
  await row.filter({ hasText: 'E2E_SNO-0001' }).waitFor();

  // CSV batch: the second agent by ip:port, plus a row that must fail without stopping the rest
  const dead = await freePort();
  await page.fill(
    'textarea[name=csv]',
    `host,dev_sno,login_url\n127.0.0.1:${p2},CSV_SNO_2,http://platform.example:8080/login\n127.0.0.1:${dead},CSV_SNO_3,http://platform.example:8080/login\n`,
  );
  await page.getByRole('button', { name: /^Apply/ }).click();
  const report = page.getByTestId('csv-report');
  await report.filter({ hasText: '1 configured, 1 failed' }).waitFor({ timeout: 30_000 });
  await shot(page, 'boxes-07-csv-report', true);
  assert.deepEqual(await agentValue(p2, 'DevSno'), { dev_sno: 'CSV_SNO_2' });
  await page.close();
});

test('a technician\'s day at 1024×700: login state, sort, filter, export, CSV conflicts, offline, stopped scan, state kept across pages, keyboard', { timeout: 180_000 }, async (t) => {
  if (!haveChromium(t)) return;
  assert.ok(browser, 'the login test launched the browser');
  const p = await freePort();
  const dirs = [mkdtempSync(join(tmpdir(), 'se3-e2e-day-')), mkdtempSync(join(tmpdir(), 'se3-e2e-day-'))];
  t.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const a2 = await startAgentProcess({ dataDir: dirs[0]!, host: '127.0.0.2', port: p, mdns: false });
  t.after(() => a2.kill('SIGKILL'));
  const a3 = await startAgentProcess({ dataDir: dirs[1]!, host: '127.0.0.3', port: p, mdns: false });
  t.after(() => a3.kill('SIGKILL'));
  const vendor = spawn(process.execPath, [vendorFixture, '127.0.0.4', String(p), 'VENDOR0001'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => vendor.kill('SIGKILL'));
  await once(vendor.stdout!, 'data');
  // a full-length authorisation code, to see it never wraps
  await fetch(`http://127.0.0.2:${p}/SophonMQ/api/DevSno`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dev_sno: 'TJGSDX000120190726103455' }) });

  const page = await loggedInPage(browser, site!, '', SMALL);
  await page.fill('input[name=cidrs]', '127.0.0.0/29');
  await page.fill('input[name=port]', String(p));
  await page.uncheck('input[name=mdns]');
  await page.getByRole('button', { name: 'Scan' }).click();
  await page.getByTestId('scan-progress').filter({ hasText: 'Scan finished' }).waitFor({ timeout: 20_000 });
  const rowOf = (ip: string) => page.locator(`tr[data-box="${ip}:${p}"]`);
  for (const ip of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) await rowOf(ip).waitFor();

  // login state per box; vendor firmware has no /health and says so
  assert.match(await rowOf('127.0.0.3').getByTestId('login-state').innerText(), /not configured/);
  assert.match(await rowOf('127.0.0.4').getByTestId('login-state').innerText(), /no \/health \(vendor firmware\)/);

  // the layout fits: no sideways scroll, the code on one line
  assert.deepEqual(await sidewaysScroll(page), [], 'nothing scrolls sideways at 1024×700');
  const devSnoCell = rowOf('127.0.0.2').locator('td.mono.nowrap').first();
  assert.equal(await devSnoCell.innerText(), 'TJGSDX000120190726103455');
  await shot(page, 'boxes-10-list-1024');
  const lines = await devSnoCell.evaluate((el) => {
    const r = document.createRange();
    r.selectNodeContents(el);
    return r.getClientRects().length;
  });
  assert.equal(lines, 1, 'DevSno on one line');

  // sort by DevSno (click again reverses)
  const order = async () =>
    page.locator(`tbody tr[data-box$=":${p}"]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-box')!.split(':')[0]));
  await page.getByRole('button', { name: 'DevSno' }).click();
  assert.deepEqual(await order(), ['127.0.0.2', '127.0.0.4', '127.0.0.3'], 'TJG… < VENDOR…, not set last');
  await page.getByRole('button', { name: 'DevSno' }).click();
  assert.deepEqual(await order(), ['127.0.0.4', '127.0.0.2', '127.0.0.3']);
  assert.match(await page.locator('th[aria-sort=descending]').innerText(), /^DevSno\s*▼$/);

  // filter: not configured yet (DevSno or LoginUrl missing)
  await fetch(`http://127.0.0.4:${p}/SophonMQ/api/LoginUrl`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login_url: 'http://platform.example/login' }) });
  await page.getByRole('button', { name: 'Scan' }).click();
  await page.getByTestId('scan-progress').filter({ hasText: 'Scan finished' }).waitFor({ timeout: 20_000 });
  await page.selectOption('select[name=filter]', 'not-configured');
  await rowOf('127.0.0.4').waitFor({ state: 'detached' });
  assert.equal(await rowOf('127.0.0.2').count(), 1);
  assert.match(await page.getByTestId('box-count').innerText(), /^\d+ of \d+$/);
  await page.selectOption('select[name=filter]', 'all');

  // export: the columns of `se3kit discover --json`
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8').trim().split('\n');
  assert.match(download.suggestedFilename(), /^se3-boxes-\d{8}-\d{6}\.csv$/);
  assert.equal(csv[0], 'id,ip,port,mac,hostname,dev_sno,login_url,agentVersion,kind,sources,lastSeen,offline,login,broker,users');
  assert.equal(csv.filter((l) => l.includes(`:${p},`)).length, 3);
  assert.ok(csv.some((l) => l.startsWith(`127.0.0.4:${p},127.0.0.4,${p},`) && l.includes(',vendor,probe,')), csv.join('\n'));

  // CSV batch: two rows for one box are a conflict naming both lines, nothing sent; the rest go on,
  // and the list shows the new value at once
  await page.fill(
    'textarea[name=csv]',
    `host,dev_sno,login_url\n127.0.0.2:${p},CONFLICT_A,\n127.0.0.3:${p},CSV_OK_3,http://platform.example:8080/login\n127.0.0.2:${p},CONFLICT_B,\n`,
  );
  await page.getByRole('button', { name: /^Apply/ }).click();
  const report = page.getByTestId('csv-report');
  await report.filter({ hasText: '1 configured, 2 failed' }).waitFor({ timeout: 30_000 });
  assert.match(await report.innerText(), /conflict: line 2 \(127\.0\.0\.2:\d+\) and line 4 \(127\.0\.0\.2:\d+\) both reach the box/);
  assert.deepEqual(await agentValue(p, 'DevSno', '127.0.0.2'), { dev_sno: 'TJGSDX000120190726103455' });
  await rowOf('127.0.0.3').filter({ hasText: 'CSV_OK_3' }).waitFor({ timeout: 5000 });
  await shot(page, 'boxes-11-csv-conflict-1024', true);

  // keyboard: Escape closes the details; Tab reaches "Choose file…"
  await rowOf('127.0.0.3').click();
  const details = page.getByRole('complementary', { name: `Box 127.0.0.3:${p}` });
  await details.waitFor();
  assert.match(await details.getByTestId('details-login').innerText(), /logging in|failed|pending/);
  await shot(page, 'boxes-12-details-1024');
  await page.keyboard.press('Escape');
  await details.waitFor({ state: 'detached' });
  // opened with Enter on its row, the details close with Escape from the row's deploy checkbox
  // too (its cell keeps only Enter and Space from the row)
  await rowOf('127.0.0.3').focus();
  await page.keyboard.press('Enter');
  await details.waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), `Select 127.0.0.3:${p} for deploy`);
  await page.keyboard.press('Escape');
  await details.waitFor({ state: 'detached', timeout: 5000 });
  await page.focus('textarea[name=csv]');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Choose file…');

  // leaving the page and coming back keeps everything; a reload keeps the ranges
  await page.getByRole('link', { name: 'Photo Check' }).click();
  await page.getByRole('heading', { name: 'Photo Check', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Boxes' }).click();
  await page.getByRole('heading', { name: 'Boxes', level: 1 }).waitFor();
  assert.equal(await page.inputValue('input[name=cidrs]'), '127.0.0.0/29');
  assert.equal(await page.inputValue('input[name=port]'), String(p));
  assert.equal(await page.isChecked('input[name=mdns]'), false);
  assert.match(await page.inputValue('textarea[name=csv]'), /CONFLICT_A/);
  await report.filter({ hasText: '1 configured, 2 failed' }).waitFor();
  await page.getByTestId('scan-progress').filter({ hasText: 'Scan finished' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Boxes', level: 1 }).waitFor();
  assert.equal(await page.inputValue('input[name=cidrs]'), '127.0.0.0/29', 'ranges remembered between starts');
  assert.equal(await page.isChecked('input[name=mdns]'), false);

  // a box that stopped answering is shown offline after the next scan
  await a3.kill('SIGKILL');
  await page.getByRole('button', { name: 'Scan' }).click();
  await page.getByTestId('scan-progress').filter({ hasText: 'Scan finished' }).waitFor({ timeout: 20_000 });
  await rowOf('127.0.0.3').locator('.tag.offline').waitFor({ timeout: 5000 });
  assert.equal(await rowOf('127.0.0.2').locator('.tag.offline').count(), 0);
  await page.selectOption('select[name=filter]', 'offline');
  await rowOf('127.0.0.2').waitFor({ state: 'detached' });
  assert.equal(await rowOf('127.0.0.3').count(), 1);
  await shot(page, 'boxes-13-offline-1024');
  await page.selectOption('select[name=filter]', 'all');

  // a stopped scan says it was stopped
  await page.fill('input[name=cidrs]', '127.0.0.0/16');
  await page.getByRole('button', { name: 'Scan' }).click();
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByTestId('scan-progress').filter({ hasText: /^Scan stopped after \d+ of 65534 addresses/ }).waitFor({ timeout: 10_000 });
  await shot(page, 'boxes-14-stopped-1024');

  // 1280 wide: the full table without sideways scroll
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(await sidewaysScroll(page), []);
  await shot(page, 'boxes-15-list-1280');
  await rowOf('127.0.0.2').click();
  await page.getByRole('complementary', { name: `Box 127.0.0.2:${p}` }).waitFor();
  assert.deepEqual(await sidewaysScroll(page), [], 'the list beside the details fits at 1280 too');
  await shot(page, 'boxes-16-details-1280');
  await page.close();
});
