// Segment rolls of the message log (electron/broker/store/segment-roll.ts, segment-prep.ts): the
// next segment is prepared on the libuv pool while the tail fills, a roll switches to it, and the
// rolled-out segment is cut and synced on the pool. What must hold:
// - ordering: when a durability callback (a confirm) runs for a message, its own segment has been
//   synced past it AND every earlier segment has been synced past its last record — observed
//   through the store's onSync hook, which reports each real fdatasync after it returned;
// - the prepared path is the one taken in steady state, and a clean close leaves every file
//   ending with its last record (no zeros, no unused prepared file);
// - a preparation not ready at the roll (here: the roll comes in the same turn that started it)
//   is abandoned and the roll is done inline: its file is gone, nothing is overwritten by its
//   zeros, everything is recovered.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MessageStore, type StoredMsg } from '../../electron/broker/store/message-store';
import { walkRecords } from '../../electron/broker/store/records';
import { settle, sleep, tempDir } from './helpers';

const SIZE = 1000;
const msg = (id: number): StoredMsg => ({ id, persistent: true, expiresAt: 0, exchange: '', routingKey: 'q', props: Buffer.alloc(0), size: SIZE, body: null, loc: null });
const body = (id: number) => Buffer.from(`m${id}|`.padEnd(SIZE, String.fromCharCode(97 + (id % 26))));
const turn = () => new Promise<void>((r) => setImmediate(r));

function files(dir: string): Array<{ name: string; size: number; recordsEnd: number }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((name) => {
      const buf = readFileSync(join(dir, name));
      return { name, size: buf.length, recordsEnd: walkRecords(buf, () => {}) };
    });
}

function recoverIds(dir: string): number[] {
  const s = new MessageStore(dir, { sync: true, segmentBytes: 1 << 20 });
  const recs = s.recover().get('q') ?? [];
  for (const r of recs) {
    const m = { ...r, body: null } as StoredMsg;
    s.adopt('q', m);
    assert.equal(s.readBody(m.loc!, m.size).toString(), body(r.id).toString(), `message ${r.id} intact`);
  }
  s.close();
  return recs.map((r) => r.id);
}

describe('message log: segments prepared on the pool', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a confirm comes only after its segment and every earlier one are synced past their records', async () => {
    const dir = tempDir('roll');
    dirs.push(dir);
    const synced = new Map<number, number>(); // segment → bytes synced (the highest reported)
    const lastEnd = new Map<number, number>(); // segment → end of the last record appended to it
    const store = new MessageStore(dir, {
      sync: true,
      segmentBytes: 128 * 1024,
      onSync: (seg, upTo) => synced.set(seg, Math.max(synced.get(seg) ?? 0, upTo)),
    });
    store.recover();
    const violations: string[] = [];
    let confirmed = 0;
    const check = (id: number, seg: number, end: number) => {
      if ((synced.get(seg) ?? 0) < end) violations.push(`message ${id} confirmed before segment ${seg} was synced to ${end}`);
      for (const [s, e] of lastEnd) {
        if (s < seg && (synced.get(s) ?? 0) < e) violations.push(`message ${id} (segment ${seg}) confirmed before earlier segment ${s} was synced to ${e}`);
      }
      confirmed++;
    };
    const N = 2000;
    let id = 0;
    while (id < N) {
      // mostly one at a time (the inline sync), every 10th turn a batch (the pooled group commit)
      const batch = id % 10 === 0 ? 20 : 1;
      const done: Promise<void>[] = [];
      for (let k = 0; k < batch && id < N; k++, id++) {
        const m = msg(id);
        store.append('q', m, body(id));
        const { seg, off } = m.loc!;
        lastEnd.set(seg, Math.max(lastEnd.get(seg) ?? 0, off + SIZE));
        const mid = id;
        done.push(new Promise((r) => store.whenDurable(() => (check(mid, seg, off + SIZE), r()))));
      }
      await Promise.all(done);
    }
    assert.deepEqual(violations.slice(0, 5), []);
    assert.equal(confirmed, N);
    assert.ok(store.segmentCount() >= 10, `several rolls (${store.segmentCount()} segments)`);
    assert.ok(store.rolls.prepared >= 5, `rolls to prepared segments: ${JSON.stringify(store.rolls)}`);
    // While running: the tail is a prepared file of the full segment size.
    const running = files(dir);
    assert.ok(running.some((f) => f.size === 128 * 1024 && f.recordsEnd < f.size), 'a prepared file of the full segment size (the tail or the next one)');
    store.close();
    for (const f of files(dir)) assert.equal(f.size, f.recordsEnd, `${f.name} ends with its last record after close`);
    assert.equal(files(dir).length, store.segmentCount(), 'no unused prepared file left');
    assert.deepEqual(recoverIds(dir), Array.from({ length: N }, (_, i) => i));
  });

  it('a preparation not ready at the roll is abandoned and the roll is done inline', async () => {
    const dir = tempDir('roll-late');
    dirs.push(dir);
    const store = new MessageStore(dir, { sync: true, segmentBytes: 1 << 20 });
    store.recover();
    let id = 0;
    const append = (count: number) => {
      for (let k = 0; k < count; k++, id++) store.append('q', msg(id), body(id));
    };
    append(600);
    await new Promise<void>((r) => store.whenDurable(r));
    assert.equal(files(dir).length, 2, 'the run() after the appends started preparing segment 2');
    // The roll in the same turn as the preparation's start: no pool step of it has come back.
    await new Promise<void>((r) => {
      append(10);
      store.run(); // a fresh preparation? none: one is running already
      append(600); // fills segment 1: segment 2 is not ready
      store.whenDurable(r);
    });
    assert.deepEqual(store.rolls, { prepared: 0, inline: 2 }, 'the first segment and the late roll were inline');
    const segment2 = files(dir).find((f) => f.name === '00000002.log')!;
    assert.ok(segment2.recordsEnd > 100 * SIZE, `segment 2 (the inline one, a new file of that number) holds its records (${segment2.recordsEnd} bytes)`);
    append(100);
    await new Promise<void>((r) => store.whenDurable(r));
    await sleep(300); // the abandoned preparation's pool work ends (its zeros go to its unlinked file)
    store.close();
    for (const f of files(dir)) assert.equal(f.size, f.recordsEnd, `${f.name} ends with its last record after close`);
    assert.equal(files(dir).length, store.segmentCount(), 'no prepared file left');
    assert.deepEqual(recoverIds(dir), Array.from({ length: 1310 }, (_, i) => i));
  });
});
