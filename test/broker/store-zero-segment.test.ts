// Recovery of a message log whose newest segment file is all zeros (a segment file created and
// zero-filled ahead of use, then a crash before any record went into it): it is recovered as an
// empty segment, the messages of the older segments are all back, numbering goes on from it, and
// what is appended afterwards survives the next recovery.
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MessageStore, type StoredMsg } from '../../electron/broker/store/message-store';
import { tempDir } from './helpers';

const msg = (id: number): StoredMsg => ({ id, persistent: true, expiresAt: 0, exchange: '', routingKey: 'q', props: Buffer.alloc(0), size: 100, body: null, loc: null });
const body = (id: number) => Buffer.from(`m${id}|`.padEnd(100, 'x'));

describe('message log: an all-zero newest segment file', () => {
  const dir = tempDir('zero-seg');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is recovered as empty, keeps numbering and loses nothing', () => {
    const a = new MessageStore(dir, { sync: true, segmentBytes: 4096 });
    a.recover();
    for (let id = 1; id <= 100; id++) a.append('q', msg(id), body(id));
    a.close();
    const names = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    assert.ok(names.length > 2, `several segments written (${names.join(',')})`);
    const last = Number(names[names.length - 1]!.slice(0, 8));
    const zeroName = `${String(last + 1).padStart(8, '0')}.log`;
    writeFileSync(join(dir, zeroName), Buffer.alloc(1024 * 1024));

    const b = new MessageStore(dir, { sync: true, segmentBytes: 4096 });
    const got = b.recover().get('q') ?? [];
    assert.deepEqual(got.map((r) => r.id), Array.from({ length: 100 }, (_, i) => i + 1));
    assert.equal(statSync(join(dir, zeroName)).size, 0, 'the zeros were cut off at recovery');
    for (const r of got) {
      const m = { ...r, body: null } as StoredMsg;
      b.adopt('q', m);
      assert.equal(b.readBody(m.loc!, m.size).toString(), body(r.id).toString());
    }
    b.recovered();
    for (let id = 101; id <= 150; id++) b.append('q', msg(id), body(id));
    b.close();
    const after2 = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    assert.ok(after2.includes(zeroName) && statSync(join(dir, zeroName)).size > 0, 'appends continued in the recovered empty segment');

    const c = new MessageStore(dir, { sync: true, segmentBytes: 4096 });
    const again = c.recover().get('q') ?? [];
    assert.deepEqual(again.map((r) => r.id), Array.from({ length: 150 }, (_, i) => i + 1));
    c.close();
  });
});
