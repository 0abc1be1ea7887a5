// The message log's preallocated tail (electron/broker/store/message-store.ts): the tail segment's
// file is zero-filled ahead of its records, so the fdatasync behind a confirm changes no file
// metadata. What must hold around those zeros:
// - while running, the file is longer than its records and the rest is zeros;
// - kill -9 with a zero tail: every confirmed message is back; messages published after the
//   restart (written where the records ended, also past the preallocated part) survive a second
//   kill -9, each once and intact;
// - a clean stop leaves no zeros behind.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ConfirmChannel } from 'amqplib';
import { walkRecords } from '../../electron/broker/store/records';
import { checkedBody, checkedIndex, connect, settle, spawnBroker, tempDir, type ChildBroker } from './helpers';

const body = (i: number) => checkedBody('pre', i, 'x'.repeat(900 + (i % 50)));
const index = checkedIndex;

/** The store's segment files: size and where their valid records end. */
function segments(data: string): Array<{ name: string; size: number; recordsEnd: number; restIsZero: boolean }> {
  const d = join(data, 'store');
  return readdirSync(d)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((name) => {
      const buf = readFileSync(join(d, name));
      const end = walkRecords(buf, () => {});
      return { name, size: buf.length, recordsEnd: end, restIsZero: buf.subarray(end).every((x) => x === 0) };
    });
}

async function oneAtATime(ch: ConfirmChannel, from: number, to: number, confirmed: Set<number>): Promise<void> {
  for (let i = from; i < to; i++) {
    await new Promise<void>((res, rej) => ch.sendToQueue('pre', body(i), { persistent: true }, (err) => (err ? rej(err) : res())));
    confirmed.add(i);
  }
}

describe('message log: preallocated tail', { timeout: 180_000 }, () => {
  const data = tempDir('prealloc');
  let child: ChildBroker | null = null;
  after(async () => {
    await child?.kill();
    rmSync(data, { recursive: true, force: true });
  });

  it('zeros ahead of the records while running; kill -9 twice keeps every confirmed message; a clean stop leaves no zeros', async () => {
    child = await spawnBroker(data, 0, undefined, [], { warmUp: false });
    const confirmed = new Set<number>();
    let c = await connect(child.port);
    let ch = await c.createConfirmChannel();
    await ch.assertQueue('pre', { durable: true });
    await oneAtATime(ch, 0, 200, confirmed);
    // the zero-fill runs in a turn of its own after a confirm, in the broker's process: wait for it
    // (a fixed sleep is too short when that process or the disk is slow)
    // (the tail: the newest file with records; after it there may be the next segment, prepared
    // ahead all zeros — store/segment-roll.ts)
    const tailOf = (segs: ReturnType<typeof segments>) => segs.filter((s) => s.recordsEnd > 0).at(-1)!;
    await settle(() => {
      const t = tailOf(segments(data));
      return t.size >= t.recordsEnd + 512 * 1024;
    });
    let segs = segments(data);
    const tail = tailOf(segs);
    const records = segs.reduce((a, s) => a + s.recordsEnd, 0);
    assert.ok(records > 200 * 900, `the records of 200 messages are in ${segs.map((s) => `${s.name}: ${s.recordsEnd}`).join(', ')}`);
    assert.ok(tail.size >= tail.recordsEnd + 512 * 1024, `${tail.name} is zero-filled ahead: ${tail.size} bytes for ${tail.recordsEnd} of records`);
    assert.ok(tail.restIsZero, 'what follows the records is zeros');

    await child.kill('SIGKILL');
    child = await spawnBroker(data, 0, undefined, [], { warmUp: false });
    c = await connect(child.port);
    ch = await c.createConfirmChannel();
    assert.equal((await ch.checkQueue('pre')).messageCount, 200, 'every confirmed message is back after kill -9 with a zero tail');
    // After the restart: one at a time, then pipelined well past the preallocated megabyte.
    await oneAtATime(ch, 200, 300, confirmed);
    for (let i = 300; i < 2300; i++) {
      ch.sendToQueue('pre', body(i), { persistent: true }, (err) => {
        if (!err) confirmed.add(i);
      });
      if (i % 100 === 99) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    await oneAtATime(ch, 2300, 2350, confirmed);

    await child.kill('SIGKILL');
    child = await spawnBroker(data, 0, undefined, [], { warmUp: false });
    c = await connect(child.port);
    const rd = await c.createChannel();
    const seen = new Set<number>();
    for (let m = await rd.get('pre', { noAck: true }); m; m = await rd.get('pre', { noAck: true })) {
      const i = index(m.content);
      assert.ok(i !== null, 'every message comes back intact');
      assert.ok(!seen.has(i), `message ${i} comes back once`);
      seen.add(i);
    }
    const lost = [...confirmed].filter((i) => !seen.has(i));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} of ${confirmed.size} confirmed messages lost`);
    assert.equal(confirmed.size, 2350);

    // Messages left for the clean stop: the segment keeps them, without the zeros.
    const pub = await c.createConfirmChannel();
    await oneAtATime(pub, 5000, 5010, new Set());
    await settle(() => segments(data).some((s) => s.size > s.recordsEnd));
    assert.ok(segments(data).some((s) => s.size > s.recordsEnd), 'zero-filled again after the restart');
    await c.close();
    await child.kill('SIGTERM');
    child = null;
    segs = segments(data);
    for (const s of segs) assert.equal(s.size, s.recordsEnd, `${s.name} ends with its last record after a clean stop`);
  });
});
