// Issue 10 item 16: the photo-check CSV (`se3kit fiqa --csv`, and the Photo Check page's export,
// which is the same code) quotes CR and neutralises cells a spreadsheet would run as formulas.
// Photos named like formulas, checked by the real CLI; numbers (negative angles) stay numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { csvCell } from '../../electron/fiqa/csv';

test('fiqa --csv: formula-like file names become text, CR is quoted, numbers stay numbers', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'se3kit-csv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const names = ['=HYPERLINK("evil.example","x").jpg', '+SUM(A1).jpg', '-2+3.jpg', '@cmd.jpg', 'line\rbreak.jpg'];
  for (const n of names) writeFileSync(join(dir, n), 'not a photo');
  // named relative to the working directory, so the file column starts with the name itself
  const r = await runCli(['fiqa', '--csv', '--', ...names], { timeoutMs: 110_000, cwd: dir });
  assert.equal(r.code, 1, r.stderr); // every "photo" failed to decode
  const body = r.stdout;
  assert.doesNotMatch(body, /(^|\n|,)[=+\-@]/, `a cell starts with a formula character:\n${body}`);
  assert.match(body, /"'=HYPERLINK\(""evil\.example"",""x""\)\.jpg"/);
  assert.match(body, /\n'\+SUM\(A1\)\.jpg,/);
  assert.match(body, /\n'-2\+3\.jpg,/);
  assert.match(body, /\n'@cmd\.jpg,/);
  assert.match(body, /"line\rbreak\.jpg"/, 'a CR inside a cell is quoted');

  // numbers keep their sign; text that only looks numeric-ish is neutralised
  assert.equal(csvCell(-12.5), '-12.5');
  assert.equal(csvCell('-3'), '-3');
  assert.equal(csvCell('-cmd'), "'-cmd");
  assert.equal(csvCell('\tx'), "'\tx");
  assert.equal(csvCell('a\rb'), '"a\rb"');
});
