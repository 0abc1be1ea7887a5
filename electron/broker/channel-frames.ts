// Frames on channels ≥ 1 of a connection: channel.open/close, the channel's own methods and
// its content frames (a publish's header and body); a soft error closes just that channel.
import { Channel } from './channel';
import { AmqpError, encodeMethod, fail, FRAME_HEADER, M, type Fields } from './codec';
import type { Connection } from './connection';

/** A method on channel n ≥ 1: channel.open/close here, the rest to the channel. */
export function onChannelMethod(conn: Connection, n: number, id: number, f: Fields): void {
  if (conn.state !== 'running') fail(504, `channel method before the connection is open`);
  const ch = conn.channels.get(n);
  if (id === M.ChannelOpen) {
    if (ch) throw new AmqpError(504, `CHANNEL_ERROR - second 'channel.open' seen`, id);
    if (n > conn.channelMax) throw new AmqpError(530, `NOT_ALLOWED - channel number ${n} exceeds channel_max ${conn.channelMax}`, id);
    conn.channels.set(n, new Channel(conn, n));
    conn.send(encodeMethod(M.ChannelOpenOk, n, { channelId: Buffer.alloc(0) }));
    return;
  }
  if (!ch) throw new AmqpError(504, `CHANNEL_ERROR - expected 'channel.open'`, id);
  if (ch.closing) {
    if (id === M.ChannelCloseOk) conn.channels.delete(n);
    else if (id === M.ChannelClose) {
      conn.send(encodeMethod(M.ChannelCloseOk, n));
    }
    return;
  }
  if (id === M.ChannelClose) {
    ch.release();
    conn.channels.delete(n);
    conn.send(encodeMethod(M.ChannelCloseOk, n));
    return;
  }
  if (id === M.ChannelCloseOk) return;
  try {
    ch.onMethod(id, f);
  } catch (err) {
    channelError(conn, ch, err, id);
  }
}

/** A soft error on a channel closes only that channel; hard errors go up to the connection. */
function channelError(conn: Connection, ch: Channel, err: unknown, methodId: number): void {
  if (!(err instanceof AmqpError) || err.hard) throw err instanceof AmqpError && !err.methodId ? new AmqpError(err.code, err.text, methodId) : err;
  const mid = err.methodId || methodId;
  ch.release();
  conn.send(encodeMethod(M.ChannelClose, ch.number, { replyCode: err.code, replyText: err.text, classId: mid >>> 16, methodId: mid & 0xffff }));
}

/** A content header or body frame: to its channel's publish in progress. */
export function onContentFrame(conn: Connection, type: number, channel: number, payload: Buffer): void {
  if (conn.state !== 'running') fail(505, 'content frame before the connection is open');
  const ch = conn.channels.get(channel);
  if (!ch) fail(504, `content frame on unopened channel ${channel}`);
  if (ch.closing) return;
  try {
    if (type === FRAME_HEADER) {
      if (payload.length < 14 || payload.readUInt16BE(0) !== 60) fail(505, 'content header for an unknown class');
      // the u64 body size without a BigInt per message; above 2^53 it is inexact but still too large
      const size = payload.readUInt32BE(4) * 0x1_0000_0000 + payload.readUInt32BE(8);
      if (size > conn.core.options.maxMessageBytes)
        fail(406, `message size ${size} is larger than configured max size ${conn.core.options.maxMessageBytes}`);
      ch.onHeader(size, payload.subarray(12));
    } else ch.onBody(Buffer.from(payload));
  } catch (err) {
    channelError(conn, ch, err, M.BasicPublish);
  }
}
