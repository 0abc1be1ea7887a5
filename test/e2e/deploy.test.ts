// The Deploy page end to end, all real: `se3kit serve`, a box = a real OpenSSH server on a
// loopback address (test/helpers/sshd.ts) with its own install prefix and agent port, real agent
// bundles, Debian chromium. Adopts the box with its password and deploys through the UI (progress
// bar to done, report "installed", the agent answering /health on the box), reads the status,
// refuses a changed host key until it is accepted in the UI, updates, rolls back from the page,
// and hands boxes over from the Boxes page; a status read under one job is not shown under the
// next. Screenshots: test-artifacts/e2e/deploy-NN-*.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { requireComponent } from '../helpers/components';
import { SSHD_BIN, TEST_PASSWORD } from '../helpers/sshd';
import { http, rmrf, startBox, tempDir, testBundle, type TestBox } from '../deploy/fixture';
import { haveChromium, launchChromium, loggedInPage, shot, startSite, type Site } from './harness';

const HOST = '127.0.0.41';

let site: Site | null = null;
let browser: Browser | null = null;
let box: TestBox | null = null;
let work = '';
const bundles: Record<string, string> = {};

before(async () => {
  work = tempDir('e2e');
});

after(async () => {
  await browser?.close();
  await box?.cleanup();
  await site?.stop();
  if (work) rmrf(work);
});

/** Every file under dir (recursively) that contains `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesContaining(p, needle));
    else if (st.size < 50e6 && readFileSync(p).includes(needle)) out.push(p);
  }
  return out;
}

function pinned(data: string, b: TestBox): string | undefined {
  const all = JSON.parse(readFileSync(join(data, 'known-hosts.json'), 'utf8')) as Record<string, { fingerprint: string }>;
  return all[`${b.target.host}:${b.target.port}`]?.fingerprint;
}

/** Scrolls the page's scroll container so the element is in the screenshot. */
async function reveal(page: Page, selector: string): Promise<void> {
  await page.locator(selector).first().evaluate((el) => el.scrollIntoView({ block: 'start' }));
}

async function fillForm(page: Page, b: TestBox, auth: 'password' | 'installation-key', bundle: string): Promise<void> {
  await page.fill('textarea[name=targets]', `${b.target.host}:${b.target.port}`);
  await page.fill('input[name=user]', b.target.user);
  await page.check(`input[name=auth][value=${auth}]`);
  if (auth === 'password') await page.fill('input[name=password]', TEST_PASSWORD);
  await page.locator('select[name=bundle] option', { hasText: bundle.split('/').pop()! }).waitFor({ state: 'attached' });
  await page.selectOption('select[name=bundle]', bundle);
  await page.fill('input[name=prefix]', b.prefix);
  const advanced = page.locator('details.advanced');
  if (!(await advanced.evaluate((d) => (d as HTMLDetailsElement).open))) await advanced.locator('summary').click();
  await page.fill('input[name=agentPort]', String(b.agentPort));
  await page.fill('input[name=agentArgs]', '--no-mdns'); // test agents stay off multicast
  await page.fill('input[name=concurrency]', '2');
}

/** Waits until the shown job is finished and returns the box's report row text. */
async function reportRow(page: Page, b: TestBox, hasText: string | RegExp, timeout = 120_000): Promise<string> {
  const row = page.locator(`[data-report-box="${b.target.host}:${b.target.port}"]`).filter({ hasText });
  try {
    await row.waitFor({ timeout });
  } catch (err) {
    // say what the page showed instead (job state, progress, log), so a slow or failed run can be told apart
    const job = await page.locator('[data-job]').first().textContent({ timeout: 1000 }).catch(() => '(no job shown)');
    await shot(page, 'deploy-timeout');
    throw new Error(`${(err as Error).message}\n--- the job on the page ---\n${job}`);
  }
  return (await row.textContent()) ?? '';
}

test('Deploy page: adopt + deploy, status, changed host key, update, roll back, Boxes hand-off', { timeout: 300_000 }, async (t) => {
  if (!haveChromium(t)) return;
  if (!requireComponent(t, 'openssh-server', { file: SSHD_BIN, root: true })) return;

  site = await startSite();
  const bundleDir = join(site.data, 'bundles');
  mkdirSync(bundleDir, { recursive: true });
  for (const v of ['1.0.0', '1.1.0']) bundles[v] = (await testBundle(bundleDir, v)).file;
  // the box does NOT know this installation's key yet: the adopt step must install it
  box = await startBox(join(work, 'unused-key'), HOST, { authorize: false });
  const b = box;
  const id = `${b.target.host}:${b.target.port}`;
  browser = await launchChromium();

  const page = await loggedInPage(browser, site, 'deploy');
  await page.getByText('No deploy yet').waitFor();
  // no installation key yet: the login preselected is the one that can work (adopt with the password)
  await page.waitForFunction(() => (document.querySelector('input[name=auth][value=password]') as HTMLInputElement | null)?.checked === true, undefined, { timeout: 10_000 });
  await shot(page, 'deploy-01-empty');

  // --- adopt with the password, and deploy 1.0.0 ---
  await fillForm(page, b, 'password', bundles['1.0.0']!);
  await page.getByTestId('pinned-keys').filter({ hasText: 'no host key pinned yet' }).waitFor();
  assert.match((await page.locator('.auth-choice').textContent()) ?? '', /Adopt with the box password/);
  await page.getByText('Passwords are never stored in site mode').waitFor();
  await shot(page, 'deploy-02-form', true);
  await page.getByRole('button', { name: 'Adopt and deploy' }).click();
  const jobBox = page.locator(`[data-job-box="${id}"]`);
  await jobBox.waitFor();
  await reveal(page, '[data-job]');
  await shot(page, 'deploy-03-running');
  const row = await reportRow(page, b, 'installed');
  assert.match(row, /1\.0\.0/);
  const bar = jobBox.getByRole('progressbar');
  assert.equal(await bar.getAttribute('aria-valuenow'), '100');
  assert.equal(await bar.getAttribute('data-state'), 'ok');
  await jobBox.filter({ hasText: 'seen for the first time and pinned' }).waitFor();
  const log = (await page.getByTestId('deploy-log').textContent()) ?? '';
  assert.match(log, /installation key installed/);
  assert.match(log, /uploaded/);
  assert.match(log, /result: installed 1\.0\.0/);
  await reveal(page, '[data-job]');
  await shot(page, 'deploy-04-installed');
  // really on the box, and the first-seen host key is pinned
  const health = await http(b.agentPort, '/health');
  assert.equal(health.status, 200);
  assert.equal(health.json.version, '1.0.0');
  const firstKey = b.sshd.hostKeyFingerprint();
  assert.equal(pinned(site.data, b), firstKey);
  // the password was used, never written (site mode stores no secrets)
  assert.deepEqual(filesContaining(site.data, TEST_PASSWORD), []);
  assert.equal((await page.inputValue('input[name=password]')) ?? '', '', 'the form forgets the password once the job has it');

  // --- status of the box, from the page ---
  await jobBox.getByRole('button', { name: 'Status' }).click();
  const status = jobBox.getByTestId('box-status');
  await status.filter({ hasText: 'answers /health' }).waitFor({ timeout: 30_000 });
  assert.match((await status.textContent()) ?? '', /1\.0\.0/);
  await reveal(page, '[data-job]');
  await shot(page, 'deploy-05-status');

  // --- the box's host key changes: refused, nothing sent, until accepted in the UI ---
  await b.sshd.stop();
  b.sshd.regenerateHostKey();
  await b.sshd.start();
  const newKey = b.sshd.hostKeyFingerprint();
  assert.notEqual(newKey, firstKey);
  await page.reload();
  await page.locator(`[data-job-box="${id}"]`).waitFor(); // the job is still there after a reload
  await fillForm(page, b, 'installation-key', bundles['1.1.0']!);
  await page.getByTestId('pinned-keys').filter({ hasText: firstKey }).waitFor();
  assert.match((await page.getByTestId('installation-key').textContent()) ?? '', /^ssh-ed25519 \S+ se3-field-kit@/);
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  const failedRow = await reportRow(page, b, 'failed', 60_000);
  assert.match(failedRow, /CHANGED/);
  const warning = page.locator(`[data-job-box="${id}"]`).getByTestId('hostkey-warning');
  await warning.waitFor();
  const warnText = (await warning.textContent()) ?? '';
  assert.ok(warnText.includes(firstKey), 'shows the pinned key');
  assert.ok(warnText.includes(newKey), 'shows the presented key');
  assert.equal(pinned(site.data, b), firstKey, 'the pin is unchanged until accepted');
  assert.equal((await http(b.agentPort, '/health')).json.version, '1.0.0', 'nothing was deployed');
  await reveal(page, '[data-job]');
  await shot(page, 'deploy-06-hostkey-changed');

  await warning.getByRole('button', { name: 'Accept new key' }).click();
  await page.getByTestId('hostkey-accepted').waitFor();
  assert.equal(pinned(site.data, b), newKey);
  await page.getByTestId('pinned-keys').filter({ hasText: newKey }).waitFor();
  await reveal(page, '[data-job]');
  await shot(page, 'deploy-07-hostkey-accepted');

  // --- deploy again: update to 1.1.0 with the installation key ---
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await page.locator('[data-job-state="running"], [data-job-state="done"]').first().waitFor();
  const updated = await reportRow(page, b, 'updated');
  assert.match(updated, /1\.1\.0/);
  assert.equal((await http(b.agentPort, '/health')).json.version, '1.1.0');
  await reveal(page, '[data-job]');
  await shot(page, 'deploy-08-updated');
  // the box's status read under this job says 1.1.0 ...
  const updatedBox = page.locator(`[data-job-box="${id}"]`);
  await updatedBox.getByRole('button', { name: 'Status' }).click();
  await updatedBox.getByTestId('box-status').filter({ hasText: 'answers /health · 1.1.0' }).waitFor({ timeout: 30_000 });

  // --- roll back from the page ---
  await page.locator(`[data-job-box="${id}"]`).getByRole('button', { name: 'Roll back' }).click();
  await page.locator('[data-job-state="done"]').filter({ hasText: 'Roll back' }).waitFor({ timeout: 90_000 });
  const rolled = await reportRow(page, b, 'rolled-back');
  // ... and is not shown under the roll back job, where it would no longer be true
  assert.equal(await page.locator(`[data-job-box="${id}"]`).getByTestId('box-status').count(), 0, "the earlier job's status read is not carried over to the new job");
  assert.match(rolled, /1\.0\.0/);
  assert.equal((await http(b.agentPort, '/health')).json.version, '1.0.0');
  await reveal(page, '[data-job]');
  await shot(page, 'deploy-09-rolled-back');

  // --- Boxes → Deploy: tick the box found by a scan, "Deploy to selected" ---
  await page.goto(`${site.url}#/boxes`);
  await page.getByRole('heading', { name: 'Boxes', level: 1 }).waitFor();
  await page.fill('input[name=cidrs]', `${HOST}/32`);
  await page.fill('input[name=port]', String(b.agentPort));
  await page.uncheck('input[name=mdns]');
  await page.getByRole('button', { name: 'Scan' }).click();
  const boxRow = page.locator(`tr[data-box="${HOST}:${b.agentPort}"]`);
  await boxRow.waitFor({ timeout: 20_000 });
  await boxRow.locator('input[type=checkbox]').check();
  assert.equal(await page.getByRole('form', { name: 'Configure box' }).count(), 0, 'ticking a box does not open its details');
  await shot(page, 'deploy-10-boxes-selected');
  await page.getByRole('button', { name: /Deploy to selected \(1\)/ }).click();
  await page.getByRole('heading', { name: 'Deploy', level: 1 }).waitFor();
  assert.equal((await page.inputValue('textarea[name=targets]')).trim(), HOST);
  await page.close();
});

test('Deploy page: a technician adds the bundle file they were given; a box that failed to adopt offers no roll back', { timeout: 480_000 }, async (t) => {
  if (!site || !browser || !box) return t.skip('the deploy test did not get its site and box up');
  const b = box;
  const given = join(work, 'given');
  mkdirSync(given, { recursive: true });
  const release = (await testBundle(given, '1.2.0')).file;
  const name = release.split('/').pop()!;
  const page = await loggedInPage(browser, site, 'deploy');
  await page.locator('select[name=bundle]').waitFor();

  // a file not named like a bundle is refused in the page; a damaged one by the server — nothing added
  await page.locator('input[name=bundleFile]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a release') });
  await page.getByTestId('bundle-upload-error').filter({ hasText: 'is not named like an agent bundle' }).waitFor();
  await page.locator('input[name=bundleFile]').setInputFiles({ name: 'se3-agent-9.9.9-linux-x64.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from('not a release') });
  await page.getByTestId('bundle-upload-error').filter({ hasText: /se3-agent-9\.9\.9-linux-x64\.tar\.gz is not an agent bundle .*nothing was added/ }).waitFor({ timeout: 20_000 });
  assert.deepEqual(readdirSync(join(site.data, 'bundles')).filter((f) => f.includes('9.9.9') || f.startsWith('.upload-')), []);

  // the real release: sent in chunks, added to the data folder's bundles and chosen
  await page.locator('input[name=bundleFile]').setInputFiles(release);
  // (a 74 MB test bundle: about 20 pieces; minutes on a loaded 2-core machine)
  await page.getByTestId('bundle-upload-progress').waitFor();
  await page.getByTestId('bundle-upload-done').filter({ hasText: `${name} added and chosen` }).waitFor({ timeout: 300_000 });
  const stored = join(site.data, 'bundles', name);
  assert.deepEqual(readFileSync(stored), readFileSync(release), 'the stored bundle is the file, byte for byte');
  assert.equal(await page.inputValue('select[name=bundle]'), stored);
  await page.getByTestId('bundle-signature').waitFor();
  await shot(page, 'deploy-11-bundle-added', true);

  // adopt and deploy with a wrong password: the box fails at the adopt step, and "Roll back" is not offered
  await page.fill('textarea[name=targets]', `${b.target.host}:${b.target.port}`);
  await page.fill('input[name=user]', b.target.user);
  await page.check('input[name=auth][value=password]');
  await page.fill('input[name=password]', 'not-the-box-password');
  await page.fill('input[name=prefix]', b.prefix);
  await page.getByRole('button', { name: 'Adopt and deploy' }).click();
  const id = `${b.target.host}:${b.target.port}`;
  const jobBox = page.locator(`[data-job-state="done"] [data-job-box="${id}"]`).filter({ has: page.getByTestId('box-phase').filter({ hasText: /^failed$/ }) });
  await jobBox.waitFor({ timeout: 90_000 });
  assert.equal(await jobBox.getByRole('button', { name: 'Roll back' }).count(), 0);
  await jobBox.getByRole('button', { name: 'Status' }).waitFor();
  await reveal(page, '[data-job]');
  await shot(page, 'deploy-12-adopt-failed');
  await page.close();
});
