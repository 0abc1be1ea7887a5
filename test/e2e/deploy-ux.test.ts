// Deploy page in site mode at 760, 1024 and 1366 px, all real: `se3kit serve` (built CLI),
// Debian chromium via playwright-core, no bundle yet. Every placeholder (the Boxes list's
// example lines, the Agent bundle select's "No bundle yet" choice, the Advanced section's extra
// agent arguments) shows in full inside its field: no line cut at the field's edge, no line
// hidden below it.
// Screenshots: test-artifacts/e2e/deploy-ux-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchChromium, loggedInPage, shot, sidewaysScroll, startSite } from './harness';

/** Placeholders that do not fit their field: each line's text width (measured in the field's
 *  own font) against the content box, and the line count against the rows shown. */
function cutPlaceholders(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const ctx = document.createElement('canvas').getContext('2d')!;
    return Array.from(document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input[placeholder], textarea[placeholder]')).flatMap((el) => {
      if (el.offsetWidth === 0) return [];
      const cs = getComputedStyle(el);
      ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const pad = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
      const room = el.clientWidth - pad;
      const lines = el.placeholder.split('\n');
      const out: string[] = [];
      for (const line of lines) {
        const w = ctx.measureText(line).width;
        if (w > room + 0.5) out.push(`${el.name}: "${line}" needs ${Math.ceil(w)} px, has ${Math.floor(room)}`);
      }
      const lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.2;
      const tall = el.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
      if (el.tagName === 'TEXTAREA' && lines.length * lh > tall + 0.5) out.push(`${el.name}: ${lines.length} lines need ${Math.ceil(lines.length * lh)} px high, has ${Math.floor(tall)}`);
      return out;
    });
  });
}

/** Selects whose chosen option (a placeholder such as "No bundle yet…" included) is cut: the
 *  width the same select needs for that option alone against the width it has. */
function cutSelects(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLSelectElement>('select')).flatMap((el) => {
      if (el.offsetWidth === 0 || !el.selectedOptions[0]) return [];
      const probe = el.cloneNode(false) as HTMLSelectElement;
      probe.append(el.selectedOptions[0].cloneNode(true));
      Object.assign(probe.style, { width: 'auto', minWidth: '0', maxWidth: 'none', flex: 'none', position: 'absolute', visibility: 'hidden' });
      el.after(probe);
      const need = probe.offsetWidth;
      probe.remove();
      return need > el.offsetWidth ? [`${el.name}: "${el.selectedOptions[0].text}" needs ${need} px, has ${el.offsetWidth}`] : [];
    }),
  );
}

test('Deploy page at 760, 1024 and 1366 px: every placeholder shown in full', { timeout: 120_000 }, async (t) => {
  if (!haveChromium(t)) return;
  const site = await startSite();
  let browser: Browser | null = null;
  t.after(async () => {
    await browser?.close();
    await site.stop();
  });
  browser = await launchChromium();
  const page = await loggedInPage(browser, site, 'deploy');
  for (const vp of [
    { width: 1024, height: 700 },
    { width: 760, height: 900 },
    { width: 1366, height: 768 },
  ]) {
    await page.setViewportSize(vp);
    await page.goto(`${site.url}#/deploy`);
    await page.locator('textarea[name=targets]').waitFor();
    const adv = page.locator('details', { has: page.locator('summary', { hasText: 'Advanced' }) });
    if ((await adv.getAttribute('open')) === null) await adv.locator('summary').click();
    await page.locator('input[name=agentArgs]').waitFor();
    await shot(page, `deploy-ux-${vp.width}`, true);
    assert.deepEqual(await cutPlaceholders(page), [], `${vp.width} px: placeholders in full`);
    assert.deepEqual(await cutSelects(page), [], `${vp.width} px: each select's chosen option in full`);
    assert.deepEqual(await sidewaysScroll(page), [], `${vp.width} px: the Deploy page does not scroll sideways`);
  }

  // a mistyped box ("box 1!", "box:abc") is named before anything is sent (no name lookup of a
  // typo), next to what else is missing; the boxes typed stay in the field. The click comes with
  // the password left empty, so nothing connects even where the page would miss the typo.
  await page.setViewportSize({ width: 1024, height: 700 });
  const typed = '127.0.0.1:1\nbox 1!\nbox:abc';
  await page.fill('textarea[name=targets]', typed);
  await page.getByRole('button', { name: 'Adopt only' }).click();
  const alert = page.locator('.problems[role=alert]');
  await alert.waitFor();
  const said = await alert.innerText();
  assert.match(said, /Enter the box password/, said);
  assert.match(said, /"1!" is not a box address \(use host, host:port or user@host\)/, said);
  assert.match(said, /"box:abc" is not a box address/, said);
  assert.doesNotMatch(said, /"127\.0\.0\.1:1"/, 'a good address is not blamed');
  assert.equal(await page.inputValue('textarea[name=targets]'), typed, 'nothing typed is lost');
  await shot(page, 'deploy-ux-bad-address');
});
