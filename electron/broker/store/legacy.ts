// Per-queue logs of earlier versions (<data>/queues/<vhost>/<key>/NNNNNNNN.log, one log per
// durable queue): read once at start and moved into the shared message store, so an upgrade
// loses no persistent message. Old record payloads (same framing as records.ts, no queue key):
//   PUB  u8 1 | u8 flags | f64 id | f64 expiresAt | shortstr exchange | shortstr routingKey |
//        u32 len + props | u32 len + body
//   ACKS u8 2 | u32 n | f64 id * n
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageStore, StoredMsg } from './message-store';
import { walkRecords } from './records';

/** Live persistent messages of one old per-queue log directory, in id order, with their bodies. */
export function readLegacyQueueLog(dir: string): Array<{ msg: StoredMsg; body: Buffer }> {
  const live = new Map<number, { msg: StoredMsg; body: Buffer }>();
  for (const name of readdirSync(dir).filter((f) => /^\d{8}\.log$/.test(f)).sort()) {
    walkRecords(readFileSync(join(dir, name)), (p) => {
      if (p[0] === 2) {
        const n = p.readUInt32BE(1);
        for (let i = 0; i < n; i++) live.delete(p.readDoubleBE(5 + i * 8));
        return;
      }
      if (p[0] !== 1 || (p[1]! & 1) !== 1) return;
      let o = 2;
      const id = p.readDoubleBE(o);
      const expiresAt = p.readDoubleBE(o + 8);
      o += 16;
      const exchange = p.toString('utf8', o + 1, o + 1 + p[o]!);
      o += 1 + p[o]!;
      const routingKey = p.toString('utf8', o + 1, o + 1 + p[o]!);
      o += 1 + p[o]!;
      const pLen = p.readUInt32BE(o);
      const props = Buffer.from(p.subarray(o + 4, o + 4 + pLen));
      o += 4 + pLen;
      const size = p.readUInt32BE(o);
      const body = Buffer.from(p.subarray(o + 4, o + 4 + size));
      live.set(id, { msg: { id, persistent: true, expiresAt, exchange, routingKey, props, size, body: null, loc: null }, body });
    });
  }
  return [...live.values()].sort((a, b) => a.msg.id - b.msg.id);
}

/** Moves the messages of old per-queue logs (of the given queue keys) into `store`, closes it
 *  (everything fsync'd) and only then removes the old logs. Returns the number moved. */
export function migrateLegacyLogs(queuesDir: string, vhostKeys: Map<string, Set<string>>, store: MessageStore): number {
  let moved = 0;
  const done: string[] = [];
  for (const [vhost, keys] of vhostKeys) {
    const vdir = join(queuesDir, encodeURIComponent(vhost));
    if (!existsSync(vdir)) continue;
    for (const key of readdirSync(vdir)) {
      const dir = join(vdir, key);
      if (keys.has(key)) {
        for (const { msg, body } of readLegacyQueueLog(dir)) {
          store.append(key, msg, body);
          moved++;
        }
      }
      done.push(dir);
    }
  }
  store.close();
  for (const d of done) rmSync(d, { recursive: true, force: true });
  return moved;
}
