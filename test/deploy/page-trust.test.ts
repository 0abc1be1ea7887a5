// The Deploy page's security options end to end (`se3kit serve`, Debian chromium): a key file is
// uploaded from the browser (stored 0600 on the server, then chosen by name and fingerprint), and
// a bundle signed by a key nobody trusted yet shows its fingerprint, is refused with the page's
// advice, and goes ahead once "Trust this signing key" is ticked (the box here is a closed
// loopback port, so the job itself then fails to connect). Screenshots: test-artifacts/e2e/deploy-trust-*.png.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { generateKeyPair } from '../../electron/deploy/keys';
import { haveChromium, launchChromium, loggedInPage, shot, startSite, type Site } from '../e2e/harness';
import { miniBundle, rmrf, tempDir } from './fixture';

let site: Site | null = null;
let browser: Browser | null = null;
const work = tempDir('page-trust');

after(async () => {
  await browser?.close();
  await site?.stop();
  rmrf(work);
});

test('Deploy page: upload a key file; trust a bundle signing key explicitly', { timeout: 120_000 }, async (t) => {
  if (!haveChromium(t)) return;
  site = await startSite();
  const foreign = miniBundle(join(site.data, 'bundles'), '7.0.0', { signingKey: join(work, 'other-release-key.pem') });
  const keyFile = join(work, 'id_ed25519');
  writeFileSync(keyFile, generateKeyPair('tech@laptop').private, { mode: 0o600 });
  browser = await launchChromium();
  const page = await loggedInPage(browser, site, 'deploy');

  await page.fill('textarea[name=targets]', '127.0.0.1:1');
  await page.check('input[name=auth][value=key-file]');
  await page.locator('input[name=keyUpload]').setInputFiles(keyFile);
  const option = page.locator('select[name=keyFile] option', { hasText: 'id_ed25519' });
  await option.waitFor({ state: 'attached' });
  assert.match((await option.textContent()) ?? '', /id_ed25519 · ssh-ed25519 · SHA256:[A-Za-z0-9+/]{43}/);
  const id = await page.locator('select[name=keyFile]').inputValue();
  assert.match(id, /^key-[0-9a-f]{16}$/);
  assert.equal(statSync(join(site.data, 'deploy', 'keys', id)).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(site.data, 'deploy', 'keys', id), 'utf8'), readFileSync(keyFile, 'utf8'));

  await page.locator('select[name=bundle] option', { hasText: 'se3-agent-7.0.0' }).waitFor({ state: 'attached' });
  await page.selectOption('select[name=bundle]', foreign);
  const sig = page.getByTestId('bundle-signature');
  await sig.getByText('does not trust').waitFor();
  const fp = /SHA256:[A-Za-z0-9+/]{43}/.exec((await sig.textContent()) ?? '')![0];
  await shot(page, 'deploy-trust-01-untrusted');

  await page.click('button[type=submit]');
  const refusal = page.getByTestId('deploy-error');
  await refusal.waitFor();
  assert.match((await refusal.textContent()) ?? '', new RegExp(`does not trust \\(${fp.replace(/[+/]/g, '\\$&')}\\).*tick "Trust this signing key"`));
  assert.throws(() => statSync(join(site!.data, 'trusted-bundle-keys.json')), 'nothing trusted yet');

  await page.check('input[name=trustKey]');
  await page.click('button[type=submit]');
  await page.locator('[data-job]').first().waitFor();
  await sig.getByText('Signed by a trusted key').waitFor(); // the list is read again after the start
  await shot(page, 'deploy-trust-02-trusted');
  const trusted = JSON.parse(readFileSync(join(site.data, 'trusted-bundle-keys.json'), 'utf8')) as { keys: unknown[] };
  assert.equal(trusted.keys.length, 1);
});
