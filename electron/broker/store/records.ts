// Records of the shared message log (store/message-store.ts).
// Record: u32 payload length | u32 crc32(payload) | payload
//   PUB  payload: u8 1 | shortstr queue key | u8 flags(bit0 persistent) | f64 id | f64 expiresAt |
//                 shortstr exchange | shortstr routingKey | u32 len + props | u32 len + body
//   ACKS payload: u8 2 | shortstr queue key | u32 n | f64 id * n
//   DROP payload: u8 3 | shortstr queue key          (the queue is deleted: all its earlier records are dead)
// A queue key is the queue's store name from the definitions file (`dir`), unique per queue.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { utf8Length, writeStr } from '../shortstr';

export const PUB = 1;
export const ACKS = 2;
export const DROP = 3;

export interface Loc {
  seg: number;
  off: number; // file offset of the body bytes
}

/** What the log keeps of a message besides its body. */
export interface MessageMeta {
  id: number;
  persistent: boolean;
  expiresAt: number;
  exchange: string;
  routingKey: string;
  props: Buffer;
}

export interface StoredRecord extends MessageMeta {
  size: number;
  loc: Loc;
}

/** The head of a PUB record (everything up to the body) and the record's total length. */
export function encodePubHead(key: string, r: MessageMeta, body: Buffer): Buffer {
  // Strings are written straight into the head (no Buffer per string per message: issue 13 profile).
  const kl = utf8Length(key);
  const exl = utf8Length(r.exchange);
  const rkl = utf8Length(r.routingKey);
  const len = 1 + 1 + kl + 1 + 8 + 8 + 1 + exl + 1 + rkl + 4 + r.props.length + 4 + body.length;
  const head = Buffer.allocUnsafe(8 + len - body.length);
  let o = 8;
  head[o++] = PUB;
  head[o++] = kl;
  o = writeStr(head, o, key, kl);
  head[o++] = r.persistent ? 1 : 0;
  head.writeDoubleBE(r.id, o);
  o += 8;
  head.writeDoubleBE(r.expiresAt, o);
  o += 8;
  head[o++] = exl;
  o = writeStr(head, o, r.exchange, exl);
  head[o++] = rkl;
  o = writeStr(head, o, r.routingKey, rkl);
  head.writeUInt32BE(r.props.length, o);
  o += 4;
  r.props.copy(head, o);
  o += r.props.length;
  head.writeUInt32BE(body.length, o);
  head.writeUInt32BE(len, 0);
  head.writeUInt32BE(crc32(body, crc32(head.subarray(8))) >>> 0, 4);
  return head;
}

export function encodeAcks(key: string, ids: number[]): Buffer {
  const k = Buffer.from(key);
  const len = 1 + 1 + k.length + 4 + ids.length * 8;
  const b = Buffer.allocUnsafe(8 + len);
  b.writeUInt32BE(len, 0);
  let o = 8;
  b[o++] = ACKS;
  b[o++] = k.length;
  k.copy(b, o);
  o += k.length;
  b.writeUInt32BE(ids.length, o);
  o += 4;
  for (const id of ids) {
    b.writeDoubleBE(id, o);
    o += 8;
  }
  b.writeUInt32BE(crc32(b.subarray(8)) >>> 0, 4);
  return b;
}

export function encodeDrop(key: string): Buffer {
  const k = Buffer.from(key);
  const len = 2 + k.length;
  const b = Buffer.allocUnsafe(8 + len);
  b.writeUInt32BE(len, 0);
  b[8] = DROP;
  b[9] = k.length;
  k.copy(b, 10);
  b.writeUInt32BE(crc32(b.subarray(8)) >>> 0, 4);
  return b;
}

export type Decoded =
  | { type: typeof PUB; key: string; rec: StoredRecord }
  | { type: typeof ACKS; key: string; ids: number[] }
  | { type: typeof DROP; key: string };

/** Decodes one record's payload; `base` is the payload's file offset in segment `seg`. */
export function decodeRecord(p: Buffer, seg: number, base: number): Decoded | null {
  const type = p[0];
  const kLen = p[1]!;
  const key = p.toString('utf8', 2, 2 + kLen);
  let o = 2 + kLen;
  if (type === DROP) return { type, key };
  if (type === ACKS) {
    const n = p.readUInt32BE(o);
    o += 4;
    const ids: number[] = [];
    for (let i = 0; i < n; i++) ids.push(p.readDoubleBE(o + i * 8));
    return { type, key, ids };
  }
  if (type !== PUB) return null;
  const persistent = (p[o++]! & 1) === 1;
  const id = p.readDoubleBE(o);
  o += 8;
  const expiresAt = p.readDoubleBE(o);
  o += 8;
  const exLen = p[o++]!;
  const exchange = p.toString('utf8', o, o + exLen);
  o += exLen;
  const rkLen = p[o++]!;
  const routingKey = p.toString('utf8', o, o + rkLen);
  o += rkLen;
  const pLen = p.readUInt32BE(o);
  o += 4;
  const props = Buffer.from(p.subarray(o, o + pLen));
  o += pLen;
  const size = p.readUInt32BE(o);
  o += 4;
  return { type, key, rec: { id, persistent, expiresAt, exchange, routingKey, props, size, loc: { seg, off: base + o } } };
}

/** Walks the valid records of a segment's bytes; returns where the valid part ends. */
export function walkRecords(data: Buffer, each: (payload: Buffer, payloadOff: number) => void): number {
  let off = 0;
  while (off + 8 <= data.length) {
    const len = data.readUInt32BE(off);
    if (len === 0 || off + 8 + len > data.length) break;
    const payload = data.subarray(off + 8, off + 8 + len);
    if (crc32(payload) >>> 0 !== data.readUInt32BE(off + 4)) break;
    each(payload, off + 8);
    off += 8 + len;
  }
  return off;
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    /* some filesystems refuse directory fsync */
  }
}
