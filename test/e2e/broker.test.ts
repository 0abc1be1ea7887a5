// The Broker panel end to end, all real: `se3kit serve` (built CLI) with its embedded broker,
// Debian chromium driven by playwright-core, a real amqplib client. Adds a user and starts the
// broker in the UI; the client publishes and the panel shows its connection and the queue
// depth, then the depth drains to 0 as it consumes; a bad port and a busy port give plain
// errors; a second `se3kit serve` on the same data dir brings the broker back by itself with
// the durable queue's messages. Also (issue 14 items 10, 12): the real addresses instead of a
// placeholder, the connection name a client set, recent refused logins with peer and reason, a
// user's password changed from the page, and no sideways scrolling at 1024×700 with a long queue
// name. Screenshots: test-artifacts/e2e/broker-NN-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import amqp, { type ChannelModel } from 'amqplib';
import type { Browser, Page } from 'playwright-core';
import { startCli } from '../site/cli-process';
import { freePort, haveChromium, launchChromium, loggedInPage, shot, startSite, type Site } from './harness';

const USER = 'site-ops';
const PASSWORD = 'amqp-pass-2024';
const QUEUE = 'se3.events';
const CONNECTION_NAME = 'box-0042 lobby entrance';
const LONG_QUEUE = 'site-7.building-north.floor-3.camera-entrance-left.face-events.uploads.retry';
const NEW_PASSWORD = 'rotated-pass-2025';

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

async function connect(port: number, password = PASSWORD): Promise<ChannelModel> {
  const c = await amqp.connect(`amqp://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`, {
    clientProperties: { product: 'e2e-box', connection_name: CONNECTION_NAME },
  });
  c.on('error', () => {});
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const server = (page: Page) => page.getByRole('form', { name: 'Broker server' });
const state = (page: Page, text: string) => page.locator('[data-testid=broker-state]', { hasText: text }).waitFor({ timeout: 15_000 });
const queueCell = (page: Page, col: string, value: string) =>
  page.locator(`tr[data-queue="${QUEUE}"] td[data-col="${col}"]`, { hasText: new RegExp(`^${value}$`) }).waitFor({ timeout: 15_000 });

test('Broker panel: users, start, live connection and queue depth, plain port errors, back after a restart', { timeout: 180_000 }, async (t) => {
  if (!haveChromium(t)) return;
  const site = await startSite();
  let second: Site | null = null;
  let browser: Browser | null = null;
  const clients: ChannelModel[] = [];
  const blockers: Server[] = [];
  t.after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    for (const b of blockers) b.close();
    await browser?.close();
    await second?.serve.stop();
    await site.stop();
  });
  browser = await launchChromium();
  const page = await loggedInPage(browser, site, 'broker');

  // ---- stopped, no users: Start is not possible yet and the page says why
  await state(page, 'Stopped');
  await page.getByText('Add a broker user first').waitFor();
  assert.equal(await server(page).getByRole('button', { name: 'Start' }).isDisabled(), true);
  await page.getByText('The broker is stopped').waitFor();
  // the real addresses of this machine (default: all interfaces), never a placeholder
  const lan = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  const urls = await server(page).locator('[data-testid=broker-url]').allTextContents();
  for (const ip of lan) assert.ok(urls.some((u) => u.startsWith(`amqp://${ip}:`)), `${ip} is shown: ${urls.join(', ')}`);
  assert.ok(urls.includes('amqp://127.0.0.1:5672'), urls.join(', '));
  assert.equal(await page.getByText("this computer's IP").count(), 0);
  await shot(page, 'broker-01-no-users');

  // ---- add a user (a too-short password first)
  const users = page.getByRole('region', { name: 'Users' });
  await users.locator('input[name=user-name]').fill(USER);
  await users.locator('input[name=user-password]').fill('short');
  await users.getByRole('button', { name: 'Add user' }).click();
  await users.getByRole('alert').filter({ hasText: 'at least 8 characters' }).waitFor();
  await users.locator('input[name=user-password]').fill(PASSWORD);
  await users.getByRole('button', { name: 'Add user' }).click();
  await users.locator(`li[data-user="${USER}"]`).waitFor();
  // the form clears once the call answers (the status event may show the user a moment earlier)
  await page.waitForFunction(() => (document.querySelector('input[name=user-name]') as HTMLInputElement | null)?.value === '');

  // ---- a bad port is explained before anything is tried
  const port = await freePort();
  await server(page).locator('input[name=port]').fill('99999');
  await server(page).getByRole('alert').filter({ hasText: 'The port must be a whole number from 1 to 65535' }).waitFor();
  assert.equal(await server(page).getByRole('button', { name: 'Start' }).isDisabled(), true);
  await shot(page, 'broker-02-user-added-bad-port');

  // ---- start on a free loopback port
  await server(page).locator('input[name=port]').fill(String(port));
  await server(page).locator('select[name=host]').selectOption('127.0.0.1');
  await server(page).getByRole('button', { name: 'Start' }).click();
  await state(page, 'Running');
  await server(page).getByText(`amqp://127.0.0.1:${port}`).waitFor();
  assert.deepEqual(await server(page).locator('[data-testid=broker-url]').allTextContents(), [`amqp://127.0.0.1:${port}`], 'loopback only: one address');
  await page.getByRole('region', { name: 'Connections' }).getByText('No box or app is connected.').waitFor();
  await shot(page, 'broker-03-running');

  // ---- a real client publishes N persistent messages into a durable queue
  const N = 7;
  const pub = await connect(port);
  clients.push(pub);
  const ch = await pub.createConfirmChannel();
  await ch.assertQueue(QUEUE, { durable: true });
  for (let i = 0; i < N; i++) ch.sendToQueue(QUEUE, Buffer.from(JSON.stringify({ event: 'face', i })), { persistent: true });
  await ch.waitForConfirms();

  const conn = page.locator('tr[data-connection]');
  await conn.locator('td[data-col=user]', { hasText: USER }).waitFor({ timeout: 15_000 });
  // (waited for, not read once: a stats push may land between the login and connection.open)
  await conn.locator('td[data-col=vhost]', { hasText: /^\/$/ }).first().waitFor({ timeout: 15_000 });
  await conn.locator('td[data-col=client]', { hasText: new RegExp(`^${CONNECTION_NAME}$`) }).first().waitFor({ timeout: 15_000 });
  await queueCell(page, 'ready', String(N));
  await queueCell(page, 'unacked', '0');
  await page.locator('[data-tile=ready] .tile-value', { hasText: new RegExp(`^${N}$`) }).waitFor();
  await shot(page, 'broker-04-queue-depth', true);

  // ---- at 1024×700 with a long queue name and flags nothing scrolls sideways
  await ch.assertQueue(LONG_QUEUE, { durable: true, autoDelete: true });
  await page.locator(`tr[data-queue="${LONG_QUEUE}"]`).waitFor({ timeout: 15_000 });
  await page.setViewportSize({ width: 1024, height: 700 });
  await sleep(300);
  // (no named functions inside evaluate: tsx would wrap them in a helper the page lacks)
  const overflow = await page.evaluate(() => {
    const root = document.scrollingElement!;
    const queues = document.querySelector('section[aria-label=Queues] .table-wrap');
    return { page: root.scrollWidth - root.clientWidth, queues: queues ? queues.scrollWidth - queues.clientWidth : -1 };
  });
  assert.ok(overflow.page <= 0, `the page scrolls sideways by ${overflow.page}px at 1024`);
  assert.ok(overflow.queues === 0, `the queue table scrolls sideways by ${overflow.queues}px at 1024`);
  await shot(page, 'broker-04b-queues-1024');
  await page.locator('section[aria-label=Queues]').scrollIntoViewIfNeeded();
  await shot(page, 'broker-04c-queues-1024-table');
  await ch.deleteQueue(LONG_QUEUE);
  await page.setViewportSize({ width: 1366, height: 900 });

  // ---- consume and ack them all: the depth goes to 0
  const sub = await pub.createChannel();
  await sub.prefetch(3);
  let got = 0;
  const all = new Promise<void>((resolve) => {
    void sub.consume(QUEUE, (m) => {
      if (!m) return;
      sub.ack(m);
      if (++got === N) resolve();
    });
  });
  await all;
  await queueCell(page, 'ready', '0');
  await queueCell(page, 'unacked', '0');
  await queueCell(page, 'consumers', '1');
  await page.locator('tr[data-connection] td[data-col=delivered]', { hasText: new RegExp(`^${N}$`) }).waitFor({ timeout: 15_000 });
  await shot(page, 'broker-05-drained', true);

  // ---- leave some durable messages for the restart, then disconnect
  await sub.close();
  const LEFT = 3;
  for (let i = 0; i < LEFT; i++) ch.sendToQueue(QUEUE, Buffer.from(`left ${i}`), { persistent: true });
  await ch.waitForConfirms();
  await pub.close();
  clients.length = 0;
  await queueCell(page, 'ready', String(LEFT));
  await page.getByRole('region', { name: 'Connections' }).getByText('No box or app is connected.').waitFor({ timeout: 15_000 });

  // ---- stop; a port already in use gives the plain error; start again on the free one
  await server(page).getByRole('button', { name: 'Stop' }).click();
  await state(page, 'Stopped');
  const busyPort = await freePort();
  blockers.push(await occupy(busyPort));
  await server(page).locator('input[name=port]').fill(String(busyPort));
  await server(page).getByRole('button', { name: 'Start' }).click();
  const err = server(page).locator('.broker-error');
  await err.filter({ hasText: `Port ${busyPort} is already in use by another program` }).waitFor();
  assert.match((await err.textContent()) ?? '', /Choose a different port, or stop the program using it, then press Start again\./);
  await state(page, 'Stopped');
  await shot(page, 'broker-06-port-in-use');
  await server(page).locator('input[name=port]').fill(String(port));
  await server(page).getByRole('button', { name: 'Start' }).click();
  await state(page, 'Running');
  assert.equal(await err.count(), 0, 'a good start clears the error');
  await queueCell(page, 'ready', String(LEFT));
  await page.close();

  // ---- restart `se3kit serve` on the same data dir: the broker comes back by itself
  await site.serve.stop();
  const again = await startCli(['serve', '--data', site.data, '--port', '0']);
  second = { serve: again, url: again.url, password: site.password, data: site.data, stop: async () => void (await again.stop()) };
  const page2 = await loggedInPage(browser, second, 'broker');
  await state(page2, 'Running');
  await server(page2).getByText(`amqp://127.0.0.1:${port}`).waitFor();
  await page2.locator(`li[data-user="${USER}"]`).waitFor();
  await queueCell(page2, 'ready', String(LEFT));
  await shot(page2, 'broker-07-after-restart', true);

  const back = await connect(port);
  clients.push(back);
  const ch2 = await back.createChannel();
  const bodies: string[] = [];
  for (let i = 0; i < LEFT; i++) {
    const m = await ch2.get(QUEUE, { noAck: true });
    assert.ok(m, `message ${i} survived the restart`);
    bodies.push(m.content.toString());
  }
  assert.deepEqual(bodies, ['left 0', 'left 1', 'left 2']);
  await back.close();
  clients.length = 0;
  await queueCell(page2, 'ready', '0');

  // ---- the only user of a running broker cannot be deleted: the plain reason, in the Users card
  const users2 = page2.getByRole('region', { name: 'Users' });
  await users2.getByRole('button', { name: `Delete user ${USER}` }).click();
  await users2.getByRole('button', { name: `Yes, delete ${USER}` }).click();
  await users2.getByRole('alert').filter({ hasText: `"${USER}" is the only user: a running broker needs at least one` }).waitFor();
  await users2.locator(`li[data-user="${USER}"]`).waitFor();

  // ---- a second user, deleted again (with the inline confirmation)
  await users2.locator('input[name=user-name]').fill('spare-box');
  await users2.locator('input[name=user-password]').fill('spare-password');
  await users2.getByRole('button', { name: 'Add user' }).click();
  await users2.locator('li[data-user="spare-box"]').waitFor();
  assert.equal(await users2.getByRole('alert').count(), 0, 'a good action clears the error');
  await users2.getByRole('button', { name: 'Delete user spare-box' }).click();
  await users2.getByRole('button', { name: 'Yes, delete spare-box' }).waitFor();
  await shot(page2, 'broker-08-delete-confirm');
  await users2.getByRole('button', { name: 'Yes, delete spare-box' }).click();
  await users2.locator('li[data-user="spare-box"]').waitFor({ state: 'detached' });
  await users2.locator(`li[data-user="${USER}"]`).waitFor();

  // ---- a refused login shows up with its peer and reason
  await assert.rejects(connect(port, 'not-the-password'), /ACCESS_REFUSED/);
  const refused = page2.getByRole('region', { name: 'Refused logins' });
  await refused.locator(`li[data-refused="${USER}"] [data-col=reason]`, { hasText: `wrong password for user '${USER}'` }).waitFor({ timeout: 15_000 });
  assert.match((await refused.locator(`li[data-refused="${USER}"] [data-col=peer]`).first().textContent()) ?? '', /^127\.0\.0\.1:\d+$/);

  // ---- change the user's password from the page: the old one is refused, the new one works
  await users2.getByRole('button', { name: `Change password of ${USER}` }).click();
  const pwForm = users2.getByRole('form', { name: `New password for ${USER}` });
  await pwForm.locator('input[name=new-password]').fill('short');
  await pwForm.getByRole('button', { name: 'Save password' }).click();
  await pwForm.getByRole('alert').filter({ hasText: 'at least 8 characters' }).waitFor();
  await page2.setViewportSize({ width: 1024, height: 700 });
  await shot(page2, 'broker-09a-change-password-1024');
  await pwForm.locator('input[name=new-password]').fill(NEW_PASSWORD);
  await pwForm.getByRole('button', { name: 'Save password' }).click();
  await pwForm.waitFor({ state: 'detached' });
  await assert.rejects(connect(port), /ACCESS_REFUSED/);
  const rotated = await connect(port, NEW_PASSWORD);
  await rotated.close();
  await refused.locator(`li[data-refused="${USER}"]`).nth(1).waitFor({ timeout: 15_000 });
  await refused.scrollIntoViewIfNeeded();
  await shot(page2, 'broker-09b-refused-logins-1024');

  // ---- stop from the panel: remembered as stopped
  await server(page2).getByRole('button', { name: 'Stop' }).click();
  await state(page2, 'Stopped');
  await page2.getByText('The broker is stopped').waitFor();
  await assert.rejects(connect(port), /ECONNREFUSED/);
  await shot(page2, 'broker-10-stopped');
});
