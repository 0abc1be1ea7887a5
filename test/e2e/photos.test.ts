// End to end, all real: `se3kit serve` (the built CLI, with its face worker pool), Debian
// chromium driven by playwright-core, the fixture portraits. Chooses photos, a folder and drops
// a file; checks badges, face boxes and landmarks on the thumbnails, reasons and fix hints, the
// plain-words error of a non-image, the "failures only" filter, the level, and the CSV export
// (against `se3kit fiqa --csv`). Screenshots: test-artifacts/e2e/photos-NN-*.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { CSV_HEADER } from '../../electron/fiqa/csv';
import { FACES_DIR } from '../fiqa/fixtures';
import { cli } from '../site/cli-process';
import { haveChromium, launchChromium, loggedInPage, shot, sidewaysScroll, SMALL, startSite, type Site } from './harness';

let site: Site | null = null;
let browser: Browser | null = null;
let page: Page | null = null;
let dir = '';

const PORTRAITS = ['obama.jpg', 'biden.jpg', 'obama2.jpg'];
const PARTIAL = ['obama_partial_face.jpg', 'obama_partial_face2.jpg'];
const CHOSEN = [...PORTRAITS, ...PARTIAL, 'two_people.jpg', 'notes.txt'];
const O = { timeout: 180_000 };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'se3kit-e2e-photos-'));
  for (const f of [...PORTRAITS, ...PARTIAL, 'two_people.jpg']) copyFileSync(join(FACES_DIR, f), join(dir, f));
  writeFileSync(join(dir, 'notes.txt'), 'Enrolment list for site B, not a photo.\n');
  // a folder to pick: photos in a sub-folder, a text file to skip, a file too large to check
  mkdirSync(join(dir, 'site-b/lobby'), { recursive: true });
  copyFileSync(join(FACES_DIR, 'biden2.jpg'), join(dir, 'site-b/lobby/biden2.jpg'));
  copyFileSync(join(FACES_DIR, 'obama_partial_face.jpg'), join(dir, 'site-b/partial.JPG'));
  writeFileSync(join(dir, 'site-b/readme.txt'), 'skipped inside folders');
  writeFileSync(join(dir, 'site-b/huge.jpg'), '');
  truncateSync(join(dir, 'site-b/huge.jpg'), 31 * 1024 * 1024); // sparse: refused by size in the page
});

after(async () => {
  await browser?.close();
  await site?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const card = (name: string): Locator => page!.locator(`[data-testid=photo-card][aria-label="${name}"]`);
const progress = (text: string) => page!.getByTestId('photo-progress').filter({ hasText: new RegExp(`^${text}$`) }).waitFor({ timeout: 120_000 });

/** A small RFC 4180 reader (quoted fields with commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  assert.equal(cell + row.join(''), '', 'the CSV ends with a newline');
  return rows;
}

/** A screenshot of the whole page: the content scrolls inside main.content, so grow the window to fit it. */
async function shotAll(name: string): Promise<void> {
  const height = await page!.evaluate(() => document.querySelector('main.content')!.scrollHeight);
  await page!.setViewportSize({ width: 1366, height: Math.min(4000, Math.max(900, height)) });
  await page!.waitForFunction(() => Array.from(document.images).every((i) => i.complete));
  await shot(page!, name);
  await page!.setViewportSize({ width: 1366, height: 900 });
}

async function exportCsv(button: RegExp): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page!.waitForEvent('download'), page!.getByRole('button', { name: button }).click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

test('the page invites photos: drop zone, file and folder pickers, level', O, async (t) => {
  if (!haveChromium(t)) return;
  site = await startSite();
  browser = await launchChromium();
  page = await loggedInPage(browser, site, 'photos');
  await page.getByRole('heading', { name: 'Photo Check', level: 1 }).waitFor();
  await page.getByText('Drop photos or a folder here').waitFor();
  await page.getByRole('button', { name: 'Choose photos…' }).waitFor();
  await page.getByRole('button', { name: 'Choose a folder…' }).waitFor();
  assert.equal(await page.locator('select[name=level]').inputValue(), 'high');
  assert.deepEqual(await page.locator('select[name=level] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), ['high', 'custom', 'middle', 'low', 'no']);
  assert.equal(await page.locator('input[name=folder]').getAttribute('webkitdirectory'), '');
  await shot(page, 'photos-01-empty');
});

test('chosen photos: pass/fail badges, face boxes and landmarks, reasons with fixes, a non-image explained', O, async (t) => {
  if (!page) return t.skip('no browser');
  await page.locator('input[name=photos]').setInputFiles(CHOSEN.map((f) => join(dir, f)));
  await progress(`${CHOSEN.length} of ${CHOSEN.length} checked`);

  for (const f of PORTRAITS) {
    const c = card(f);
    assert.equal(await c.getAttribute('data-status'), 'passed', f);
    assert.equal(await c.getByTestId('badge').textContent(), 'Pass');
    assert.equal(await c.getByTestId('face-box').count(), 1);
    assert.equal(await c.getByTestId('landmark').count(), 5);
    await c.getByText('All checks passed at level high.').waitFor();
  }
  for (const f of PARTIAL) {
    const c = card(f);
    assert.equal(await c.getAttribute('data-status'), 'failed', f);
    assert.equal(await c.getByTestId('badge').textContent(), 'Fail');
    await c.getByText('Face cut off by the photo border').waitFor();
    await c.getByText(/^Fix: step back or re-frame so the whole head is in the picture/).waitFor();
  }
  const two = card('two_people.jpg');
  assert.equal(await two.getByTestId('face-box').count(), 2);
  assert.equal(await two.getByTestId('landmark').count(), 10);
  // a reason shared by both faces is said once, for the photo
  await two.getByText('2 faces in the photo').waitFor();
  assert.equal(await two.getByText('2 faces in the photo').count(), 1);
  await two.getByText('Fix: crop the photo to the one person to enrol').waitFor();

  const notes = card('notes.txt');
  assert.equal(await notes.getAttribute('data-status'), 'error');
  assert.equal(await notes.getByTestId('badge').textContent(), 'Unreadable');
  await notes.getByText('This file cannot be read as a photo.').waitFor();
  await notes.getByText('Fix: use a JPEG, PNG or WebP photo').waitFor();
  await notes.getByText('no preview').waitFor();

  const summary = page.getByTestId('photo-summary');
  assert.match((await summary.textContent())!, /3 passed.*3 failed.*1 unreadable or without a face/);

  // the face box sits on the face: the SVG rect equals the bbox scaled like the contained <img>
  await card('obama.jpg').locator('img').evaluate((img: HTMLImageElement) => img.decode());
  const geometry = await card('obama.jpg').evaluate((el) => {
    const img = el.querySelector('img')!;
    const rect = el.querySelector('[data-testid=face-box] rect')!;
    const box = img.getBoundingClientRect();
    const scale = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
    const left = box.left + (box.width - img.naturalWidth * scale) / 2;
    const top = box.top + (box.height - img.naturalHeight * scale) / 2;
    const x = Number(rect.getAttribute('x'));
    const y = Number(rect.getAttribute('y'));
    const r = rect.getBoundingClientRect();
    return { dx: r.left - (left + x * scale), dy: r.top - (top + y * scale), w: r.width, expectW: Number(rect.getAttribute('width')) * scale };
  });
  assert.ok(Math.abs(geometry.dx) < 2 && Math.abs(geometry.dy) < 2 && Math.abs(geometry.w - geometry.expectW) < 2, JSON.stringify(geometry));

  await shotAll('photos-02-results');
  await two.getByText(/^All checks/).click();
  await two.locator('table.pc-checks').first().waitFor();
  await two.scrollIntoViewIfNeeded();
  await shot(page, 'photos-03-two-faces-details');
});

test('failures only, and the CSV export (same rows as se3kit fiqa --csv)', O, async (t) => {
  if (!page) return t.skip('no browser');
  await page.getByLabel('Failures only').check();
  const shown = page.getByTestId('photo-card');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=photo-card]').length === 4);
  const names = await shown.evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label')));
  assert.deepEqual(names, [...PARTIAL, 'two_people.jpg', 'notes.txt']);
  await shotAll('photos-04-failures-only');

  const failures = await exportCsv(/^Export failures \(CSV\)$/);
  assert.match(failures.name, /^photo-check-failures-high-\d{8}-\d{6}\.csv$/);
  const frows = parseCsv(failures.text);
  assert.deepEqual(frows[0], CSV_HEADER);
  assert.deepEqual(
    frows.slice(1).map((r) => `${r[0]}#${r[1]}`),
    ['obama_partial_face.jpg#1', 'obama_partial_face2.jpg#1', 'two_people.jpg#1', 'two_people.jpg#2', 'notes.txt#'],
  );

  await page.getByLabel('Failures only').uncheck();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=photo-card]').length === n, CHOSEN.length);
  const all = await exportCsv(/^Export CSV$/);
  assert.match(all.name, /^photo-check-high-\d{8}-\d{6}\.csv$/, 'the full export never takes the failures export\'s name');
  const rows = parseCsv(all.text);
  assert.equal(rows.length, 1 + PORTRAITS.length + PARTIAL.length + 2 + 1);
  for (const r of rows) assert.equal(r.length, CSV_HEADER.length, `every row has ${CSV_HEADER.length} columns: ${r.join(',')}`);
  const col = (r: string[], name: string) => r[CSV_HEADER.indexOf(name)];
  const byFile = (f: string) => rows.filter((r) => r[0] === f);
  assert.equal(col(byFile('obama.jpg')[0]!, 'fiqa_result'), 'true');
  assert.equal(col(byFile('obama.jpg')[0]!, 'error_code'), '0');
  assert.equal(col(byFile('obama.jpg')[0]!, 'level'), 'high', 'the level the verdict was judged at');
  assert.equal(col(byFile('notes.txt')[0]!, 'level'), '', 'no verdict, no level');
  assert.match(col(byFile('obama_partial_face.jpg')[0]!, 'fails')!, /\bpartial\b/);
  assert.match(col(byFile('obama_partial_face.jpg')[0]!, 'reasons')!, /face cut off by the photo border \(step back/);
  const notes = byFile('notes.txt')[0]!;
  assert.equal(col(notes, 'error_code'), '40003');
  assert.match(col(notes, 'error')!, /not a readable image/);
  assert.equal(col(notes, 'reasons'), 'use a JPEG, PNG or WebP photo');

  // one implementation: the CLI writes the same cells for the same photos (bar the file column)
  const files = ['obama.jpg', 'two_people.jpg', 'notes.txt'].map((f) => join(dir, f));
  const r = spawnSync(process.execPath, [cli, 'fiqa', ...files, '--csv'], { encoding: 'utf8', timeout: 90_000 });
  const cliRows = parseCsv(r.stdout);
  assert.deepEqual(cliRows[0], CSV_HEADER);
  const strip = (rs: string[][]) => rs.map(([file, ...rest]) => [basename(file!), ...rest].join(','));
  assert.deepEqual(strip(cliRows.slice(1)), strip([...byFile('obama.jpg'), ...byFile('two_people.jpg'), ...byFile('notes.txt')]));
});

test('level "no" measures without judging; back to high re-checks', O, async (t) => {
  if (!page) return t.skip('no browser');
  await page.locator('select[name=level]').selectOption('no');
  const partial = card('obama_partial_face.jpg');
  await partial.and(page.locator('[data-status=measured]')).waitFor({ timeout: 120_000 });
  await progress(`${CHOSEN.length} of ${CHOSEN.length} checked`);
  assert.equal(await partial.getByTestId('badge').textContent(), 'Measured');
  await partial.getByText('At level high it would fail on:', { exact: false }).waitFor();
  await partial.getByText('Face cut off by the photo border').waitFor();
  assert.equal(await card('obama.jpg').getByTestId('badge').textContent(), 'Measured');
  assert.match((await page.getByTestId('photo-summary').textContent())!, /0 passed.*0 failed.*1 unreadable.*6 measured only/);
  await page.getByText('Level “no” measures without judging').waitFor();
  await shotAll('photos-05-level-no');

  await page.locator('select[name=level]').selectOption('high');
  await partial.and(page.locator('[data-status=failed]')).waitFor({ timeout: 120_000 });
  await progress(`${CHOSEN.length} of ${CHOSEN.length} checked`);
  assert.equal(await card('obama.jpg').getAttribute('data-status'), 'passed');
});

test('a chosen folder: photos in sub-folders by path, other files skipped, a too-large file refused; a dropped file', O, async (t) => {
  if (!page) return t.skip('no browser');
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByText('Drop photos or a folder here').waitFor();
  await page.locator('input[name=folder]').setInputFiles(join(dir, 'site-b'));
  await progress('3 of 3 checked');
  await page.getByText('Skipped 1 file in the folder that is not a photo').waitFor();
  const names = await page.getByTestId('photo-card').evaluateAll((cs) => cs.map((c) => c.getAttribute('aria-label')));
  assert.deepEqual(names, ['site-b/huge.jpg', 'site-b/lobby/biden2.jpg', 'site-b/partial.JPG']);
  assert.equal(await card('site-b/lobby/biden2.jpg').getAttribute('data-status'), 'passed');
  assert.equal(await card('site-b/partial.JPG').getAttribute('data-status'), 'failed');
  const huge = card('site-b/huge.jpg');
  assert.equal(await huge.getByTestId('badge').textContent(), 'Too large');
  await huge.getByText('This photo is too large to check.').waitFor();
  await huge.getByText(/Image file too large: 31\.0 MB, limit 30 MB/).waitFor();

  // drag and drop (a DataTransfer built in the page, as the browser hands it over)
  const b64 = readFileSync(join(FACES_DIR, 'obama2.jpg')).toString('base64');
  const dataTransfer = await page.evaluateHandle((data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'dropped-obama2.jpg', { type: 'image/jpeg' }));
    return dt;
  }, b64);
  await page.dispatchEvent('[data-testid=drop-zone]', 'dragover', { dataTransfer });
  await page.locator('[data-testid=drop-zone].pc-over').waitFor();
  await page.dispatchEvent('[data-testid=drop-zone]', 'drop', { dataTransfer });
  await progress('4 of 4 checked');
  assert.equal(await card('dropped-obama2.jpg').getAttribute('data-status'), 'passed');

  // dropped beside the zone (on the page title): taken too, and the app stays where it is
  const beside = await page.evaluateHandle((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], 'dropped-beside.jpg', { type: 'image/jpeg' }));
    return dt;
  }, b64);
  await page.dispatchEvent('main.content h1', 'dragover', { dataTransfer: beside });
  await page.dispatchEvent('main.content h1', 'drop', { dataTransfer: beside });
  await progress('5 of 5 checked');
  assert.equal(await card('dropped-beside.jpg').getAttribute('data-status'), 'passed');
  assert.match(page.url(), /#\/photos$/);
  await shotAll('photos-06-folder-and-drop');
});

test('at 1024×700: the drop zone, pickers, level and results fit without sideways scroll; the page keeps its state across pages', O, async (t) => {
  if (!page) return t.skip('no browser');
  await page.setViewportSize(SMALL);
  // with photos: the compact drop zone, the toolbar, the cards
  assert.deepEqual(await sidewaysScroll(page), [], 'nothing scrolls sideways with photos listed');
  await fits(page, 'compact drop zone');
  await page.getByLabel('Failures only').check();
  await shot(page, 'photos-07-results-1024');
  // leaving the page and coming back keeps the photos and the "failures only" choice
  await page.getByRole('link', { name: 'Boxes' }).click();
  await page.getByRole('heading', { name: 'Boxes', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'Photo Check' }).click();
  await page.getByRole('heading', { name: 'Photo Check', level: 1 }).waitFor();
  assert.equal(await page.getByLabel('Failures only').isChecked(), true);
  assert.ok((await page.getByTestId('photo-card').count()) > 0);
  await page.getByLabel('Failures only').uncheck();
  // empty: the large drop zone
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByText('Drop photos or a folder here').waitFor();
  assert.deepEqual(await sidewaysScroll(page), [], 'nothing scrolls sideways when empty');
  await fits(page, 'drop zone');
  await shot(page, 'photos-08-empty-1024');
  await page.setViewportSize({ width: 1366, height: 900 });
});

/** The drop zone's text is not squeezed, nothing overlaps the buttons, the level select stays inside its card. */
async function fits(p: Page, what: string): Promise<void> {
  const r = await p.evaluate(() => {
    const zone = document.querySelector('[data-testid=drop-zone]')!.getBoundingClientRect();
    const text = document.querySelector('.pc-drop-text')!.getBoundingClientRect();
    const select = document.querySelector('select[name=level]')!.getBoundingClientRect();
    const choose = document.querySelector('.pc-drop-actions .primary')!.getBoundingClientRect();
    const muted = document.querySelector('.pc-drop-text .muted')!;
    const clipped = muted.scrollWidth > muted.clientWidth + 1;
    const overlap = !(text.right <= choose.left || text.bottom <= choose.top || choose.bottom <= text.top);
    return { zone: [zone.left, zone.right], textWidth: text.width, select: [select.left, select.right], overlap, clipped };
  });
  assert.ok(r.textWidth >= 280, `${what}: the text has room (${r.textWidth}px)`);
  assert.equal(r.overlap, false, `${what}: the text does not run under "Choose photos…"`);
  assert.equal(r.clipped, false, `${what}: the formats line is not cut`);
  assert.ok(r.select[0]! >= r.zone[0]! && r.select[1]! <= r.zone[1]!, `${what}: the Level select stays inside its card ${JSON.stringify(r)}`);
}
