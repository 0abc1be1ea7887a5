// Estimates the JPEG quality (IJG scale 1..100) a file was saved with, from its luminance
// quantisation table (DQT marker). Heavy compression (blocking, ringing) shows up here
// directly, independent of image content. Non-JPEG files return null.

// IJG standard luminance table (Annex K), natural order.
const STD_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22,
  37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const STD_SUM = STD_LUMA.reduce((a, b) => a + b, 0);

export function jpegQuality(buf: Uint8Array): number | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const len = (buf[i + 2]! << 8) | buf[i + 3]!;
    if (marker === 0xda || marker === 0xd9) return null; // start of scan: no DQT before it
    if (marker === 0xdb) {
      let p = i + 4;
      const end = i + 2 + len;
      while (p < end && p < buf.length) {
        const pq = buf[p]! >> 4;
        const tq = buf[p]! & 15;
        p++;
        const values: number[] = [];
        for (let k = 0; k < 64; k++) {
          values.push(pq ? (buf[p + 2 * k]! << 8) | buf[p + 2 * k + 1]! : buf[p + k]!);
        }
        p += pq ? 128 : 64;
        if (tq === 0) {
          // Tables are stored in zig-zag order; the sum is order-independent.
          const sum = values.reduce((a, b) => a + b, 0);
          const scale = (sum * 100) / STD_SUM; // IJG: scale = 5000/q (q<50) or 200-2q
          const q = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
          return Math.max(1, Math.min(100, Math.round(q)));
        }
      }
    }
    i += 2 + len;
  }
  return null;
}
