// A delivery (basic.deliver) as one buffer: method frame, content header frame and body
// frame(s). Built by hand instead of amqplib's encodeMethod + a header and a head per body
// frame (four to five Buffers per delivered message, amqplib writing each string with
// Buffer.write): issue 13's profile of the broker put that among its largest costs per message.
// Byte-identical to encodeMethod(M.BasicDeliver) + headerFrame + pushBodyFrames
// (test/broker/delivery-frames.test.ts checks that). A body over INLINE_BODY_MAX is not copied:
// its frames reference it (as amqplib's pushBodyFrames does), so a large message costs no second
// copy of itself per delivery.
import { BASIC_CLASS, encodeMethod, FRAME_BODY, FRAME_END, FRAME_HEADER, FRAME_METHOD, headerFrame, M, pushBodyFrames } from './codec';
import { utf8Length, writeStr } from './shortstr';

const DELIVER_METHOD = 60;
const TWO_32 = 0x100000000;
/** Bodies up to this size are copied into the delivery's one buffer; larger ones are referenced. */
export const INLINE_BODY_MAX = 64 * 1024;

export function deliveryFrames(
  channel: number,
  consumerTag: string,
  deliveryTag: number,
  redelivered: boolean,
  exchange: string,
  routingKey: string,
  props: Buffer,
  body: Buffer,
  frameMax: number,
): Buffer[] {
  const ctl = utf8Length(consumerTag);
  const exl = utf8Length(exchange);
  const rkl = utf8Length(routingKey);
  if (ctl > 255 || exl > 255 || rkl > 255) {
    // not a valid short string: amqplib's encoder says so (never for names the broker accepted)
    const out: Buffer[] = [encodeMethod(M.BasicDeliver, channel, { consumerTag, deliveryTag, redelivered, exchange, routingKey }), headerFrame(channel, body.length, props)];
    pushBodyFrames(out, channel, body, frameMax);
    return out;
  }
  const methodLen = 4 + 1 + ctl + 8 + 1 + 1 + exl + 1 + rkl;
  const max = frameMax > 0 ? frameMax - 8 : body.length;
  const inline = body.length <= INLINE_BODY_MAX;
  const bodyFrames = body.length === 0 || !inline ? 0 : Math.ceil(body.length / max);
  const total = 7 + methodLen + 1 + (7 + 12 + props.length + 1) + bodyFrames * 8 + (inline ? body.length : 0);
  const buf = Buffer.allocUnsafe(total);
  // method frame
  buf[0] = FRAME_METHOD;
  buf.writeUInt16BE(channel, 1);
  buf.writeUInt32BE(methodLen, 3);
  buf.writeUInt16BE(BASIC_CLASS, 7);
  buf.writeUInt16BE(DELIVER_METHOD, 9);
  let o = 11;
  buf[o++] = ctl;
  o = writeStr(buf, o, consumerTag, ctl);
  buf.writeUInt32BE(Math.floor(deliveryTag / TWO_32), o);
  buf.writeUInt32BE(deliveryTag >>> 0, o + 4);
  o += 8;
  buf[o++] = redelivered ? 1 : 0;
  buf[o++] = exl;
  o = writeStr(buf, o, exchange, exl);
  buf[o++] = rkl;
  o = writeStr(buf, o, routingKey, rkl);
  buf[o++] = FRAME_END;
  // content header frame
  buf[o] = FRAME_HEADER;
  buf.writeUInt16BE(channel, o + 1);
  buf.writeUInt32BE(12 + props.length, o + 3);
  buf.writeUInt16BE(BASIC_CLASS, o + 7);
  buf.writeUInt16BE(0, o + 9);
  buf.writeUInt32BE(Math.floor(body.length / TWO_32), o + 11);
  buf.writeUInt32BE(body.length >>> 0, o + 15);
  o += 19;
  o += props.copy(buf, o);
  buf[o++] = FRAME_END;
  if (!inline) {
    const out = [buf];
    pushBodyFrames(out, channel, body, frameMax);
    return out;
  }
  // body frames
  for (let off = 0; off < body.length; off += max) {
    const n = Math.min(max, body.length - off);
    buf[o] = FRAME_BODY;
    buf.writeUInt16BE(channel, o + 1);
    buf.writeUInt32BE(n, o + 3);
    o += 7;
    o += body.copy(buf, o, off, off + n);
    buf[o++] = FRAME_END;
  }
  return [buf];
}
