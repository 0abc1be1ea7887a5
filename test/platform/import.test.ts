// CSV import of people (csv-parse) against the platform service: a BOM and quoted fields with
// commas and newlines, photos from the folder only (a path outside it is refused), bad rows
// reported by line while the others go in, a header without id/name and an unreadable CSV say
// what is wrong, a re-import without a groups column keeps each person's groups, and a row is
// all or nothing (a failing row adds none of the groups it names).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importPeople } from '../../electron/platform/import';
import { FACES_DIR } from '../fiqa/fixtures';
import { startPlatform, type Harness } from './harness';

describe('people CSV import', () => {
  let h: Harness;
  let photos: string;
  before(async () => {
    h = await startPlatform({ autoSync: false });
    photos = join(h.dir, 'photos');
    mkdirSync(photos);
    copyFileSync(join(FACES_DIR, 'obama.jpg'), join(photos, 'a.jpg'));
    copyFileSync(join(FACES_DIR, 'obama_partial_face.jpg'), join(photos, 'b.jpg'));
  });
  after(async () => h?.close());
  const run = (csv: string) => importPeople(h.platform, csv, photos, (p) => readFile(p));

  it('imports good rows, reports bad ones by line, checks every photo', async () => {
    const r = await run('\ufeffID,Name,Groups,Photo\n"x1","Ng, ""Al""\nline two",staff;night,a.jpg\nx2,Bo,staff,b.jpg\nx3,Cy,staff,../secret.jpg\nx4,,staff,\n');
    assert.equal(r.added, 2);
    assert.deepEqual(
      r.failed.map((f) => [f.line, f.id, /outside the photo folder|needs a name/.test(f.error)]),
      [
        [5, 'x3', true],
        [6, 'x4', true],
      ],
    );
    assert.deepEqual(r.photoFailed.map((p) => p.id), ['x2']);
    assert.equal(r.summary, '2 added, 0 updated, 2 rows failed, 1 photo fails the check');
    const x1 = await h.platform.getPerson('x1');
    assert.equal(x1.name, 'Ng, "Al"\nline two');
    assert.deepEqual(x1.groups, ['night', 'staff']);
    assert.equal(x1.photos[0]!.verdict.passed, true);
    assert.equal((await h.platform.getPerson('x2')).photos[0]!.verdict.passed, false);
  });

  it('keeps groups on a re-import without a groups column; says what is wrong with a bad CSV', async () => {
    const r = await run('id,name\nx1,Renamed\n');
    assert.equal(r.updated, 1);
    const x1 = await h.platform.getPerson('x1');
    assert.equal(x1.name, 'Renamed');
    assert.deepEqual(x1.groups, ['night', 'staff']);
    const noHeader = await run('x9,Zed\n');
    assert.match(noHeader.failed[0]!.error, /header row with at least the columns id and name/);
    // a spreadsheet's semicolon (or tab) separated export is told to use commas, not that it has no header
    for (const sep of [';', '\t']) {
      const semi = await run(`id${sep}name${sep}groups\nx9${sep}Zed${sep}staff\n`);
      assert.equal(semi.added, 0);
      assert.match(semi.failed[0]!.error, /^the CSV separates its columns with semicolons or tabs: separate them with commas .*; nothing was imported/);
    }
    const broken = await run('id,name\n"x9,Zed\n');
    assert.match(broken.failed[0]!.error, /the CSV cannot be read/);
    // a file that cannot be read at all says nothing went in (not "1 row failed" beside rows never mentioned)
    const quote = await run('id,name,photo\nx7,Ok,a.jpg\nx8,"Broken\n');
    assert.equal(quote.added, 0);
    assert.match(quote.failed[0]!.error, /^the CSV cannot be read \(.*\); nothing was imported: fix the file and import it again$/);
    assert.match(noHeader.failed[0]!.error, /nothing was imported/);
    await assert.rejects(h.platform.getPerson('x7'), /no person with id "x7"/);
    // a photo folder that is not there: said once, nothing imported (not one "not in the folder" per row)
    const nowhere = await importPeople(h.platform, 'id,name,photo\nx7,Ok,a.jpg\nx8,Bo,b.jpg\n', join(h.dir, 'no-such-folder'), (p) => readFile(p));
    assert.deepEqual(nowhere.failed.map((f) => f.line), [1]);
    assert.match(nowhere.failed[0]!.error, /^the photo folder .*no-such-folder is not a folder on the computer running Field Kit; nothing was imported/);
    await assert.rejects(h.platform.getPerson('x7'), /no person with id "x7"/);
    assert.equal(nowhere.summary, '0 added, 0 updated, 1 row failed, 0 photos fail the check');
    await assert.rejects(h.platform.getPerson('x9'), /no person with id "x9"/);
  });

  it('a row is one transaction: a failing row adds none of the groups it names; a good row adds its new groups with the person', async () => {
    const changes: string[] = [];
    const off = h.platform.onChange((w) => changes.push(w));
    try {
      const r = await run('id,name,groups,type\nx5,,nightshift;staff,\nx7,Ed,weekend;staff,9\nx8,Flo,weekend;staff,2\n');
      assert.deepEqual(r.failed.map((f) => f.id), ['x5', 'x7']);
      assert.equal(r.added, 1);
      const groups = (await h.platform.listGroups()).map((g) => g.name);
      assert.ok(!groups.includes('nightshift'), 'the failed row (no name) left no group behind');
      assert.match(r.failed[1]!.error, /type is 1 staff/);
      assert.deepEqual(groups.filter((g) => g === 'weekend'), ['weekend'], 'made by the good row, not by the failed one before it');
      assert.deepEqual((await h.platform.getPerson('x8')).groups, ['staff', 'weekend']);
      for (const id of ['x5', 'x7']) await assert.rejects(h.platform.getPerson(id), /no person/);
      assert.ok(changes.includes('groups') && changes.includes('people'), `announced: ${changes}`);
    } finally {
      off();
    }
  });

  it('an id twice in one file: the first row is imported, the later one fails naming the first line (not a silent overwrite)', async () => {
    const r = await run('id,name\nd1,Ann\nd2,Bo\nd1,Other\n');
    assert.equal(r.added, 2);
    assert.equal(r.updated, 0);
    assert.deepEqual(r.failed.map((f) => [f.line, f.id]), [[4, 'd1']]);
    assert.match(r.failed[0]!.error, /^the id d1 is also on line 2 of this file; each person once per file: this row was not imported/);
    assert.equal((await h.platform.getPerson('d1')).name, 'Ann');
  });
});
