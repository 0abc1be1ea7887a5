// A raw TCP AMQP client for hostile-input tests: writes arbitrary bytes, collects what the
// server sends, finds method frames in it.
import { connect as tcp, type Socket } from 'node:net';
import { encodeMethod, M, PROTOCOL_HEADER } from '../../electron/broker/codec';
import { sleep } from './helpers';

export interface Raw {
  sock: Socket;
  data: () => Buffer;
  closed: Promise<void>;
}

export function raw(port: number, opts: { localAddress?: string; host?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const sock = tcp({ port, host: opts.host ?? '127.0.0.1', localAddress: opts.localAddress });
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {});
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.once('connect', () => resolve({ sock, data: () => Buffer.concat(chunks), closed }));
    sock.once('error', reject);
  });
}

/** The bytes of a complete PLAIN handshake, pipelined (header, start-ok, tune-ok, open). */
export function handshakeBytes(user = 'test', pass = 'test', vhost = '/', heartbeat = 0): Buffer {
  return Buffer.concat([
    PROTOCOL_HEADER,
    encodeMethod(M.ConnectionStartOk, 0, { clientProperties: {}, mechanism: 'PLAIN', response: Buffer.from(`\0${user}\0${pass}`), locale: 'en_US' }),
    encodeMethod(M.ConnectionTuneOk, 0, { channelMax: 0, frameMax: 131072, heartbeat }),
    encodeMethod(M.ConnectionOpen, 0, { virtualHost: vhost, capabilities: '', insist: false }),
  ]);
}

/** Method frames (type 1) in what the server sent: [channel, method id, args]. */
export function methodFrames(buf: Buffer): Array<{ channel: number; id: number; args: Buffer }> {
  const out: Array<{ channel: number; id: number; args: Buffer }> = [];
  let o = buf.subarray(0, 8).equals(PROTOCOL_HEADER) ? 8 : 0;
  while (o + 7 <= buf.length) {
    const size = buf.readUInt32BE(o + 3);
    if (o + 8 + size > buf.length) break;
    if (buf[o] === 1 && size >= 4) out.push({ channel: buf.readUInt16BE(o + 1), id: buf.readUInt32BE(o + 7), args: buf.subarray(o + 11, o + 7 + size) });
    o += 8 + size;
  }
  return out;
}

/** The reply code of the server's connection.close, or null. */
export function connectionCloseCode(buf: Buffer): number | null {
  const f = methodFrames(buf).find((m) => m.channel === 0 && m.id === M.ConnectionClose);
  return f ? f.args.readUInt16BE(0) : null;
}

export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
}
