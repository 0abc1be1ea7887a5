// The README's FIQA threshold table is the documentation technicians read: it must say what
// agent/face/levels.ts does. Parses the table between the levels-table markers and compares
// every cell with LEVELS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LEVELS } from '../../agent/face/levels';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function tableRows(): string[][] {
  const m = /<!-- levels-table:start[^>]*-->\n([\s\S]*?)<!-- levels-table:end -->/.exec(readme);
  assert.ok(m, 'README.md has the levels table between its markers');
  return m[1]!
    .trim()
    .split('\n')
    .map((line) => line.split('|').slice(1, -1).map((c) => c.trim()));
}

test('the README threshold table matches the levels in code, cell for cell', () => {
  const [header, , ...rows] = tableRows();
  const levels = Object.keys(LEVELS) as Array<keyof typeof LEVELS>;
  assert.deepEqual(header!.slice(1), levels);
  const enforceRow = rows.pop()!;
  const documented = new Map(rows.map((r) => [r[0]!.replace(/`/g, ''), r.slice(1)]));
  const keys = Object.keys(LEVELS.high).filter((k) => k !== 'enforce');
  assert.deepEqual([...documented.keys()].sort(), keys.sort(), 'every threshold is documented, and only those');
  for (const key of keys) {
    levels.forEach((level, i) => {
      assert.equal(Number(documented.get(key)![i]), (LEVELS[level] as unknown as Record<string, number>)[key], `${key} at ${level}`);
    });
  }
  levels.forEach((level, i) => {
    const cell = enforceRow[i + 1]!;
    assert.deepEqual(cell === '—' ? [] : cell.split(',').map((s) => s.trim()), LEVELS[level].enforce, `enforced extra checks at ${level}`);
  });
});
