// What routing a publish needs from its basic properties (delivery mode, expiration, user id),
// read straight from the raw bytes instead of amqplib decoding every property into an object
// per message (issue 13 profile). An empty headers table (amqplib sends one with every publish)
// is stepped over. Anything out of the ordinary — a non-empty headers table (a headers exchange
// routes on it, and amqplib checks its contents), the flag bits that do not name a property, a
// field running past the end — returns null, and the caller decodes in full as before, so
// malformed properties are refused exactly as they were.
// test/broker/delivery-frames.test.ts compares it with amqplib's decoder.

export interface ScannedProps {
  deliveryMode: number | undefined;
  expiration: string | undefined;
  userId: string | undefined;
}

const HEADERS = 0x2000;
const NOT_A_PROPERTY = 0x0003;
const OCTETS = 0x1000 | 0x0800; // deliveryMode, priority
const TIMESTAMP = 0x0040;

export function scanProperties(raw: Buffer): ScannedProps | null {
  if (raw.length < 2) return null;
  const flags = (raw[0]! << 8) | raw[1]!;
  if (flags & NOT_A_PROPERTY) return null;
  let o = 2;
  let deliveryMode: number | undefined;
  let expiration: string | undefined;
  let userId: string | undefined;
  for (let bit = 0x8000; bit >= 0x0004; bit >>>= 1) {
    if (!(flags & bit)) continue;
    if (bit === HEADERS) {
      // only an empty table: its 4-byte length is 0
      if (o + 4 > raw.length || raw[o] !== 0 || raw[o + 1] !== 0 || raw[o + 2] !== 0 || raw[o + 3] !== 0) return null;
      o += 4;
    } else if (bit & OCTETS) {
      if (o + 1 > raw.length) return null;
      if (bit === 0x1000) deliveryMode = raw[o];
      o += 1;
    } else if (bit === TIMESTAMP) {
      if (o + 8 > raw.length) return null;
      o += 8;
    } else {
      // a short string
      if (o + 1 > raw.length) return null;
      const n = raw[o]!;
      if (o + 1 + n > raw.length) return null;
      if (bit === 0x0100) expiration = raw.toString('utf8', o + 1, o + 1 + n);
      else if (bit === 0x0010) userId = raw.toString('utf8', o + 1, o + 1 + n);
      o += 1 + n;
    }
  }
  return { deliveryMode, expiration, userId };
}
