// Recovery of the message log (store/message-store.ts): every segment file read in order, the
// live persistent messages of each queue key gathered, and each file's preallocated zeros or torn
// tail cut off.
import { fdatasyncSync, ftruncateSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ACKS, decodeRecord, DROP, PUB, walkRecords, type StoredRecord } from './records';
import { readWhole, Segment } from './segment';

export interface Recovered {
  segs: Segment[];
  /** Each queue key's live persistent messages, sorted by id. */
  live: Map<string, StoredRecord[]>;
}

export function recoverSegments(dir: string, sync: boolean): Recovered {
  const names = readdirSync(dir)
    .filter((f) => /^\d{8}\.log$/.test(f))
    .sort();
  const live = new Map<string, Map<number, StoredRecord>>();
  const segs: Segment[] = [];
  for (const name of names) {
    const n = Number(name.slice(0, 8));
    const path = join(dir, name);
    const fd = openSync(path, 'r+', 0o600);
    const data = readWhole(fd, statSync(path).size);
    const end = walkRecords(data, (payload, off) => {
      const r = decodeRecord(payload, n, off);
      if (!r) return;
      if (r.type === PUB) {
        if (!r.rec.persistent) return;
        let m = live.get(r.key);
        if (!m) live.set(r.key, (m = new Map()));
        m.set(r.rec.id, r.rec);
      } else if (r.type === ACKS) {
        const m = live.get(r.key);
        if (m) for (const id of r.ids) m.delete(id);
      } else if (r.type === DROP) live.delete(r.key);
    });
    if (end < data.length) {
      // Preallocated zeros or a torn tail after a crash: cut off for good before new records
      // go there, so nothing stale beyond them can ever be read as a record.
      ftruncateSync(fd, end);
      if (sync) fdatasyncSync(fd);
    }
    segs.push(new Segment(n, fd, end));
  }
  const out = new Map<string, StoredRecord[]>();
  for (const [key, m] of live) out.set(key, [...m.values()].sort((a, b) => a.id - b.id));
  return { segs, live: out };
}
