// What an operator reads when the photo given to `platform people add` / the import / the Enrol page is an empty file
// (a failed copy, a sync placeholder): it must say what to do, not only what is wrong, and store nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PhotoStore } from '../../electron/platform/photos';

test('an empty photo is refused with what to do, and nothing is stored', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'photo-store-'));
  try {
    const store = new PhotoStore(dir);
    await assert.rejects(store.put(new Uint8Array(0)), (e: Error & { code?: string }) => {
      assert.match(e.message, /empty/);
      assert.match(e.message, /copy it again|choose another/, e.message);
      return true;
    });
    assert.deepEqual(await readdir(dir), [], 'nothing written');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
