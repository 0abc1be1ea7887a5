// Spent segments of the message log (electron/broker/store/unlink-queue.ts, recovery.ts): a
// deletion renames the file out of the log first, then cuts it down a MiB at a time (each cut
// synced), then unlinks it; recovery never reads such a file and removes it. What must hold:
// - the segment name is gone before the file is cut at all, and it is cut in several steps;
// - a file left mid-deletion by a crash (`NNNNNNNN.log.spent`, its end cut off) is removed at
//   the next start and none of its records comes back;
// - a store whose messages are all acked ends with no spent file and recovers nothing.
import assert from 'node:assert/strict';
import { readdirSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MessageStore, type StoredMsg } from '../../electron/broker/store/message-store';
import { segName } from '../../electron/broker/store/segment';
import { spentName, UnlinkQueue } from '../../electron/broker/store/unlink-queue';
import { settle, tempDir } from './helpers';

const SIZE = 1000;
const SEGMENT = 128 * 1024;
const msg = (id: number): StoredMsg => ({ id, persistent: true, expiresAt: 0, exchange: '', routingKey: 'q', props: Buffer.alloc(0), size: SIZE, body: null, loc: null });
const turn = () => new Promise<void>((r) => setImmediate(r));

/** A store with messages 0..n-1 of queue 'q' appended and durable; returns each message's segment. */
async function filled(dir: string, n: number): Promise<{ store: MessageStore; segOf: number[]; msgs: StoredMsg[] }> {
  const store = new MessageStore(dir, { sync: true, segmentBytes: SEGMENT });
  store.recover();
  const msgs: StoredMsg[] = [];
  for (let id = 0; id < n; id++) {
    const m = msg(id);
    store.append('q', m, Buffer.alloc(SIZE, 97 + (id % 26)));
    msgs.push(m);
  }
  await new Promise<void>((r) => store.whenDurable(r));
  return { store, segOf: msgs.map((m) => m.loc!.seg), msgs };
}

/** A file's size, -1 when there is none. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

function recoveredIds(dir: string): number[] {
  const s = new MessageStore(dir, { sync: true, segmentBytes: SEGMENT });
  const ids = (s.recover().get('q') ?? []).map((r) => r.id);
  s.close();
  return ids;
}

describe('message log: spent segments', { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a deletion renames the segment out of the log, then cuts the file down in steps', async () => {
    const dir = tempDir('spent');
    dirs.push(dir);
    const path = join(dir, segName(1));
    const MIB = 1024 * 1024;
    writeFileSync(path, Buffer.alloc(16 * MIB, 1));
    const q = new UnlinkQueue();
    q.push(path);
    const sizes: number[] = []; // sizes of the spent file seen while the segment name was already gone
    let cutWhileNamed = false;
    while (q.length > 0) {
      const namedSize = sizeOf(path);
      const named = namedSize >= 0;
      const size = sizeOf(spentName(path));
      if (named && namedSize < 16 * MIB) cutWhileNamed = true;
      if (!named && size >= 0 && sizes.at(-1) !== size) sizes.push(size);
      await turn();
    }
    assert.equal(cutWhileNamed, false, 'never cut while still under its segment name');
    assert.ok(sizes.filter((s) => s < 16 * MIB && s > 0).length >= 3, `cut in steps, sizes seen: ${sizes.map((s) => s / MIB).join(', ')} MiB`);
    for (let k = 1; k < sizes.length; k++) assert.ok(sizes[k]! < sizes[k - 1]!, 'only ever shrinks');
    assert.deepEqual(readdirSync(dir), [], 'both names gone at the end');
  });

  it('a spent file left by a crash mid-deletion is removed at the next start and none of its records comes back', async () => {
    const dir = tempDir('spent');
    dirs.push(dir);
    const N = 400; // ≈ 3 segments of 128 KiB
    const { store, segOf } = await filled(dir, N);
    store.close();
    assert.ok(Math.max(...segOf) >= 3, `several segments (${Math.max(...segOf)})`);
    // What a crash between two cuts leaves: the first segment renamed and its end cut off.
    const first = join(dir, segName(1));
    renameSync(first, spentName(first));
    truncateSync(spentName(first), Math.floor(statSync(spentName(first)).size / 2));
    const expected = segOf.flatMap((seg, id) => (seg === 1 ? [] : [id]));
    assert.deepEqual(recoveredIds(dir), expected);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.spent')), [], 'the spent file is removed');
  });

  it('once every message is acked, the spent segments go and nothing is recovered', async () => {
    const dir = tempDir('spent');
    dirs.push(dir);
    const N = 600;
    const { store, msgs } = await filled(dir, N);
    const before = store.segmentCount();
    for (const m of msgs) store.ack('q', m.id);
    await new Promise<void>((r) => store.whenDurable(r));
    for (const m of msgs) store.release(m);
    await settle(() => store.segmentCount() === 1 && readdirSync(dir).filter((f) => /\.log(\.spent)?$/.test(f)).length <= 2);
    assert.ok(before >= 4, `segments before the acks: ${before}`);
    store.close();
    const left = readdirSync(dir);
    assert.deepEqual(left.filter((f) => f.endsWith('.spent')), [], `no spent file after close: ${left.join(', ')}`);
    assert.equal(left.filter((f) => f.endsWith('.log')).length, 1, `only the tail: ${left.join(', ')}`);
    assert.deepEqual(recoveredIds(dir), []);
  });
});
