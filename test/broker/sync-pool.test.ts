// The broker's fdatasync worker pool: every sync is answered, also for syncs in flight when the
// pool is closed (redone by the libuv thread pool), and errors come back as errors.
import assert from 'node:assert/strict';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SyncPool } from '../../electron/broker/store/sync-pool';
import { tempDir } from './helpers';

describe('SyncPool', () => {
  const dir = tempDir('syncpool');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answers every sync, including those in flight when it closes, and reports a bad fd', async () => {
    const fds = Array.from({ length: 40 }, (_, i) => openSync(join(dir, `f${i}`), 'a'));
    const pool = new SyncPool(4);
    const sync = (fd: number) => new Promise<NodeJS.ErrnoException | null>((res) => pool.fdatasync(fd, res));
    for (const fd of fds) writeSync(fd, Buffer.alloc(512, 1));
    assert.deepEqual(await Promise.all(fds.map(sync)), fds.map(() => null));
    for (const fd of fds) writeSync(fd, Buffer.alloc(512, 2));
    const inFlight = fds.map(sync);
    const closing = pool.close();
    assert.deepEqual(await Promise.all(inFlight), fds.map(() => null));
    await closing;
    const other = new SyncPool(2);
    const bad = await new Promise<NodeJS.ErrnoException | null>((res) => other.fdatasync(987654, res));
    await other.close();
    assert.equal(bad?.code, 'EBADF');
    for (const fd of fds) closeSync(fd);
  });
});
