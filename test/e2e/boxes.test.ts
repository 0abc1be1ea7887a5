// End to end, all real: `se3kit serve` on an ephemeral loopback port, real `se3kit agent`
// virtual boxes on loopback ports, Debian chromium driven by playwright-core. Logs in, scans,
// edits DevSno/LoginUrl through the UI, checks the agent really holds the new values, tries an
// invalid value, runs a CSV batch. Screenshots go to test-artifacts/e2e/*.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { cli } from '../site/cli-process';
import { freePort, haveChromium, launchChromium, loggedInPage, shot, startSite, type Site } from './harness';

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

async function agentValue(port: number, what: 'DevSno' | 'LoginUrl'): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}/SophonMQ/api/${what}`);
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
