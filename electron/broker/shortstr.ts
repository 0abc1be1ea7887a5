// Strings written straight into a buffer being assembled (no Buffer per string per message:
// issue 13 profiles): store record heads (store/records.ts) and delivery frames (delivery.ts).

/** UTF-8 byte length of s (its length when it is ASCII, the common case of names). */
export function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s);
  return s.length;
}

/** Writes s (utf8Length(s) = n bytes) at o; returns the offset after it. */
export function writeStr(buf: Buffer, o: number, s: string, n: number): number {
  if (n === s.length) for (let i = 0; i < n; i++) buf[o + i] = s.charCodeAt(i);
  else buf.write(s, o, n, 'utf8');
  return o + n;
}
