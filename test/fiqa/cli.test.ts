// `se3kit fiqa` end to end (the real CLI from source): exit codes, JSON lines, CSV, folders.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FACES_DIR } from './fixtures';

const root = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;

function se3kit(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/main.ts', 'fiqa', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'se3kit-fiqa-'));
  mkdirSync(join(dir, 'good/nested'), { recursive: true });
  copyFileSync(join(FACES_DIR, 'obama.jpg'), join(dir, 'good/obama.jpg'));
  copyFileSync(join(FACES_DIR, 'biden2.jpg'), join(dir, 'good/nested/biden2.JPG'));
  writeFileSync(join(dir, 'good/notes.txt'), 'not a photo, skipped inside folders');
  copyFileSync(join(FACES_DIR, 'obama_partial_face.jpg'), join(dir, 'partial.jpg'));
  writeFileSync(join(dir, 'broken.jpg'), 'not really a jpeg');
  writeFileSync(join(dir, 'huge.jpg'), '');
  truncateSync(join(dir, 'huge.jpg'), 31 * 1024 * 1024); // sparse: refused by size, never read
});
after(() => rmSync(dir, { recursive: true, force: true }));

const O = { timeout: 120_000 };

test('a folder of good photos (recursive) exits 0 with a summary', O, () => {
  const r = se3kit(join(dir, 'good'), '--jobs', '2');
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^PASS .*obama\.jpg/m);
  assert.match(r.stdout, /^PASS .*nested\/biden2\.JPG/m);
  assert.doesNotMatch(r.stdout, /notes\.txt/);
  assert.match(r.stderr, /2 photos: 2 passed, 0 failed, 0 unreadable/);
});

test('a failing photo exits 1 and says why and how to fix it', O, () => {
  const r = se3kit(join(dir, 'good/obama.jpg'), join(dir, 'partial.jpg'));
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^FAIL .*partial\.jpg/m);
  assert.match(r.stdout, /face cut off by the photo border\n\s+fix: step back/);
});

test('--json prints one JSON object per photo, errors with their §8 code', O, () => {
  const r = se3kit(join(dir, 'good/obama.jpg'), join(dir, 'broken.jpg'), join(dir, 'partial.jpg'), join(dir, 'huge.jpg'), '--json', '--level', 'middle');
  assert.equal(r.code, 1);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 4);
  assert.equal(lines[3].code, 40007);
  assert.equal(lines[0].ok, true);
  assert.equal(lines[0].data[0].fiqa_result, true);
  assert.equal(lines[0].data[0].level, 'middle');
  assert.ok(Array.isArray(lines[0].data[0].bbox) && lines[0].data[0].info.headpose);
  assert.equal(lines[1].ok, false);
  assert.equal(lines[1].code, 40003);
  assert.equal(lines[2].data[0].info.partial, true);
});

test('--csv prints a header and one row per face', O, () => {
  // two people of comparable size are ambiguous at every judging level, low included
  const r = se3kit(join(FACES_DIR, 'two_people.jpg'), '--csv', '--level', 'low');
  assert.equal(r.code, 1, r.stderr);
  const rows = r.stdout.trim().split('\n');
  assert.match(rows[0]!, /^file,face,fiqa_result,fails,bbox,face_size/);
  assert.equal(rows.length, 3);
  assert.match(rows[1]!, /two_people\.jpg,1,false,single_face,/);
});

test('usage errors exit 2', O, () => {
  assert.equal(se3kit().code, 2);
  assert.equal(se3kit(join(dir, 'good'), '--level', 'extreme').code, 2);
  assert.equal(se3kit(join(dir, 'good'), '--jobs', '0').code, 2);
  assert.equal(se3kit(join(dir, 'good'), '--json', '--csv').code, 2);
  const missing = se3kit(join(dir, 'no-such-folder'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
});

test('a missing path among others: the rest are checked and that one is reported, exit 1', O, () => {
  const gone = join(dir, 'no-such-photo.jpg');
  const r = se3kit(join(dir, 'good/obama.jpg'), gone, join(dir, 'good/nested'));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^PASS .*good\/obama\.jpg/m);
  assert.match(r.stdout, /^PASS .*nested\/biden2\.JPG/m);
  assert.ok(r.stdout.includes(`ERROR ${gone}: no such file or folder [40003]\n      fix: check the path`), r.stdout);
  assert.match(r.stderr, /3 photos: 2 passed, 0 failed, 1 unreadable or without a face/);
  assert.ok(r.stderr.includes(`not found: ${gone}`));
  const json = se3kit(gone, join(dir, 'good/obama.jpg'), '--json');
  assert.equal(json.code, 1);
  const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual([lines[0].file, lines[0].ok, lines[0].message], [gone, false, 'no such file or folder']);
  assert.equal(lines[1].ok, true);
});
