// Issue 14 item 1 end to end in Chromium at 1024×700: the login page says what to do when the
// password is lost; after five wrong passwords it shows when the lockout ends and how to lift
// it; `se3kit serve --reset-password` while the server runs gives a password the page accepts
// at once (the lockout lifted). Screenshots in test-artifacts/e2e/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli';
import { haveChromium, launchChromium, shot, startSite } from '../e2e/harness';
import { passwordIn } from './cli-process';

test('login page: lost-password hint, lockout message, reset while running', { timeout: 120_000 }, async (t) => {
  if (!haveChromium(t)) return;
  const site = await startSite();
  t.after(() => site.stop());
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  await page.goto(site.url);
  const hint = page.locator('form.login .hint');
  await hint.waitFor();
  const text = (await hint.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /se3kit serve --reset-password/);
  assert.match(text, /If site mode is running, it keeps running and accepts the new password at once/);
  assert.match(text, /if it is not, the command starts it/);
  await shot(page, 'login-1024');

  for (let i = 0; i < 6; i++) {
    await page.fill('input[name=password]', `wrong-${i}`);
    await page.click('button[type=submit]');
    await page.locator('p.field-error').waitFor();
    await page.locator('button[type=submit]:not([disabled])').waitFor();
  }
  const error = await page.locator('p.field-error').innerText();
  assert.match(error, /too many wrong passwords from this address; try again in \d+ s \(at \d\d:\d\d UTC\)/);
  assert.match(error, /se3kit serve --reset-password/);
  await shot(page, 'login-lockout-1024');

  const reset = await runCli(['serve', '--data', site.data, '--reset-password'], { timeoutMs: 30_000 });
  assert.equal(reset.code, 0, reset.stderr);
  const fresh = passwordIn(reset.stdout);
  assert.ok(fresh, reset.stdout);
  await page.fill('input[name=password]', fresh);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Boxes', level: 1 }).waitFor({ timeout: 15_000 });
});
