// The Broker page in site mode, all real: `se3kit serve` (built CLI) with the site platform on
// its embedded broker, a box logged in at the box port, Debian chromium via playwright-core.
// The API refuses deleting (or changing the password of) the platform's own broker user and a
// box's `box.<dev_sno>` user with 409 reserved_user and a message saying what to do instead;
// a new user may not take a name of the platform's; an operator's own user is still deleted.
// The page tags the platform's users "site platform" with no Delete, and Stop asks first,
// naming the consequence (Keep leaves it running).
// Screenshots: test-artifacts/e2e/broker-site-NN-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { BrokerStatus } from '../../electron/api/broker';
import { PLATFORM_BROKER_USER } from '../../electron/platform/broker-embedded';
import { freePort, haveChromium, launchChromium, loggedInPage, shot, startSite } from './harness';
import { http, until } from '../platform/harness';

interface Reply {
  status: number;
  result?: unknown;
  error?: { message: string; code: string | number };
}

async function apiClient(url: string, password: string) {
  const login = await fetch(new URL("/api/login", url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  assert.equal(login.status, 200, 'admin login');
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  return async (method: string, params: object = {}): Promise<Reply> => {
    const res = await fetch(new URL(`/api/call/${method}`, url), { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(params) });
    return { status: res.status, ...((await res.json()) as object) };
  };
}

test('Broker page in site mode: the platform\'s users cannot be deleted, Stop asks first', { timeout: 180_000 }, async (t) => {
  if (!haveChromium(t)) return;
  const boxPort = await freePort();
  const site = await startSite(['--box-port', String(boxPort), '--amqp-port', String(await freePort())]);
  let browser: Browser | null = null;
  t.after(async () => {
    await browser?.close();
    await site.stop();
  });
  const call = await apiClient(site.url, site.password);
  const status = async () => (await call('broker.status')).result as BrokerStatus;
  const user = async (name: string) => (await status()).users.find((u) => u.name === name);

  // a box logs in: the platform starts the broker with its own user and gives the box its own
  const dev = (await call('platform.devices.add', { name: 'Gate' })).result as { devSno: string };
  const login = await http(`http://127.0.0.1:${boxPort}/login?dev_sno=${dev.devSno}&hex_mac=0x0000000000c1`);
  assert.equal(login.status, 200, login.body.toString());
  const boxUser = `box.${dev.devSno}`;
  await until('the box user', () => user(boxUser));
  assert.equal((await status()).state, 'running');
  assert.deepEqual((await user(PLATFORM_BROKER_USER))?.owner, 'platform');
  assert.deepEqual((await user(boxUser))?.owner, 'box');
  assert.equal((await status()).usedBySite, true);

  // ---- the API guard
  const own = await call('broker.deleteUser', { name: PLATFORM_BROKER_USER });
  assert.equal(own.status, 409);
  assert.equal(own.error?.code, 'reserved_user');
  assert.match(own.error!.message, /platform's own broker user cannot be deleted/);
  const box = await call('broker.deleteUser', { name: boxUser });
  assert.equal(box.status, 409);
  assert.equal(box.error?.code, 'reserved_user');
  assert.match(box.error!.message, /belongs to the site platform.*remove the box on the Site page instead/);
  const pw = await call('broker.setPassword', { name: boxUser, password: 'operator-guess-1' });
  assert.equal(pw.status, 409);
  assert.equal(pw.error?.code, 'reserved_user');
  // nothing was lost: both users still there, the box's upload vhost still granted
  assert.ok(await user(PLATFORM_BROKER_USER));
  assert.ok((await user(boxUser))!.vhosts.length > 0);
  // nor can an operator take a name of the platform's naming (it could not be deleted again)
  const taken = await call('broker.addUser', { name: 'box.NOT-A-BOX', password: 'ops-tool-pass-1' });
  assert.equal(taken.status, 409);
  assert.equal(taken.error?.code, 'reserved_user');
  assert.equal(await user('box.NOT-A-BOX'), undefined);
  // an operator's own user is not guarded
  assert.equal((await call('broker.addUser', { name: 'ops-tool', password: 'ops-tool-pass-1' })).status, 200);
  assert.equal((await user('ops-tool'))?.owner, undefined);

  // ---- the page
  browser = await launchChromium();
  const page = await loggedInPage(browser, site, 'broker');
  const row = (name: string) => page.locator(`li[data-user="${name}"]`);
  await row(boxUser).waitFor();
  for (const name of [PLATFORM_BROKER_USER, boxUser]) {
    assert.equal(await row(name).locator('.user-owner').textContent(), 'site platform');
    assert.equal(await row(name).getByRole('button', { name: /Delete/ }).count(), 0, `${name} has no Delete`);
  }
  assert.equal(await row('ops-tool').locator('.user-owner').count(), 0);
  assert.equal(await row('ops-tool').getByRole('button', { name: 'Delete user ops-tool' }).count(), 1);
  await page.getByText('one per box (its command queue and its own upload vhost only)').waitFor();
  await shot(page, 'broker-site-01-reserved-users');

  // the operator's user is deleted from the page
  await row('ops-tool').getByRole('button', { name: 'Delete user ops-tool' }).click();
  await page.getByRole('button', { name: 'Yes, delete ops-tool' }).click();
  await row('ops-tool').waitFor({ state: 'detached' });

  // Stop asks first and names the consequence; Keep leaves it running
  const server = page.getByRole('form', { name: 'Broker server' });
  await server.getByRole('button', { name: 'Stop', exact: true }).click();
  const confirm = page.getByRole('alertdialog', { name: "Stop the site's broker?" });
  await confirm.getByText("cuts every box's link").waitFor();
  await shot(page, 'broker-site-02-stop-confirm');
  await confirm.getByRole('button', { name: 'Keep it running' }).click();
  await confirm.waitFor({ state: 'detached' });
  assert.equal((await status()).state, 'running');
  await server.getByRole('button', { name: 'Stop', exact: true }).click();
  await confirm.getByRole('button', { name: 'Yes, stop the broker' }).click();
  await page.locator('[data-testid=broker-state]', { hasText: 'Stopped' }).waitFor({ timeout: 15_000 });
  assert.equal((await status()).state, 'stopped');
});
