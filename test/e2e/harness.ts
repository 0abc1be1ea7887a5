// Shared end-to-end harness: `se3kit serve` (the built CLI) on an ephemeral loopback port with
// its own data dir, Debian chromium driven by playwright-core, a logged-in page, screenshots
// under test-artifacts/e2e/.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireComponent } from '../helpers/components';
import { passwordIn, startCli, type Running } from '../site/cli-process';
import { freePort } from '../helpers/ports';
export { freePort };

export const CHROMIUM = '/usr/bin/chromium';
export const shotsDir = join(new URL('../..', import.meta.url).pathname, 'test-artifacts', 'e2e');


/** True when chromium is here; otherwise skips the test (fails it in CI). */
export function haveChromium(t: TestContext): boolean {
  return requireComponent(t, 'chromium', { bin: 'chromium', file: CHROMIUM });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
}

export interface Site {
  serve: Running;
  url: string;
  password: string;
  /** The site's data dir (removed by stop). */
  data: string;
  stop(): Promise<void>;
}

/** Starts `se3kit serve --data <temp> --port 0 [...extra]` and reads the printed admin password. */
export async function startSite(extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Site> {
  mkdirSync(shotsDir, { recursive: true });
  const data = mkdtempSync(join(tmpdir(), 'se3kit-e2e-'));
  const serve = await startCli(['serve', '--data', data, '--port', '0', ...extra], env);
  const password = passwordIn(serve.out()) ?? '';
  if (!password) throw new Error(`serve printed no admin password:\n${serve.out()}`);
  return {
    serve,
    url: serve.url,
    password,
    data,
    async stop() {
      await serve.stop();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** A new page, logged in, showing the page with the given hash route (default: the first page). */
export async function loggedInPage(browser: Browser, site: Site, route = '', viewport = { width: 1366, height: 900 }): Promise<Page> {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  await page.goto(site.url);
  await page.fill('input[name=password]', site.password);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Boxes', level: 1 }).waitFor({ timeout: 10_000 });
  if (route) {
    await page.goto(`${site.url}#/${route}`);
    await page.locator('main.content h1').waitFor();
  }
  return page;
}

/** The smallest laptop window the pages are laid out for. */
export const SMALL = { width: 1024, height: 700 };

/** Whether anything on the page scrolls sideways: the document, or any element with overflow (names the culprits). */
export async function sidewaysScroll(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.scrollingElement!;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push(`document ${doc.scrollWidth} > ${doc.clientWidth}`);
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('main *'))) {
      const st = getComputedStyle(el);
      if ((st.overflowX === 'auto' || st.overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1)
        out.push(`${el.tagName.toLowerCase()}.${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
    }
    const main = document.querySelector('main');
    if (main && main.scrollWidth > main.clientWidth + 1) out.push(`main ${main.scrollWidth} > ${main.clientWidth}`);
    return out;
  });
}

export function shot(page: Page, name: string, fullPage = false): Promise<Buffer> {
  return page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage });
}

/** Calls the site's API as the admin (logged in with the site's password). */
export async function apiClient(url: string, password: string) {
  const login = await fetch(new URL('/api/login', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }) });
  assert.equal(login.status, 200, 'admin login');
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  return async <T = unknown>(method: string, params: object = {}): Promise<T> => {
    const res = await fetch(new URL(`/api/call/${method}`, url), { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(params) });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    assert.equal(res.status, 200, `${method}: ${body.error?.message}`);
    return body.result as T;
  };
}
