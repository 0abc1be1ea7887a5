// Pixel regions of an upright face crop: mapping image points into the crop, polygon and
// in-image masks, and small statistics over them (shared by the measures and the eye check).
import type { Crop } from './image';
import type { Vec3 } from './landmarks';

/** Maps a working-image point into crop pixel coordinates. */
export function toCrop(crop: Crop, n: number, p: Vec3 | [number, number]): [number, number] {
  const dx = p[0] - crop.cx;
  const dy = p[1] - crop.cy;
  const c = Math.cos(-crop.angle);
  const s = Math.sin(-crop.angle);
  const k = n / crop.size;
  return [(c * dx - s * dy) * k + n / 2, (s * dx + c * dy) * k + n / 2];
}

/**
 * Calls `span(y, from, to)` for every run of crop pixels on rows y0..y1 whose centres lie
 * inside the polygon (even-odd scanlines; columns clamped to the crop).
 */
export function forEachPolygonSpan(poly: Array<[number, number]>, n: number, y0: number, y1: number, span: (y: number, from: number, to: number) => void): void {
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const py = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i]!;
      const [xj, yj] = poly[j]!;
      if (yi > py !== yj > py) xs.push(xi + ((py - yi) * (xj - xi)) / (yj - yi));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) span(y, Math.max(0, Math.ceil(xs[k]! - 0.5)), Math.min(n - 1, Math.floor(xs[k + 1]! - 0.5)));
  }
}

export function polygonMask(poly: Array<[number, number]>, n: number): Uint8Array {
  const m = new Uint8Array(n * n);
  forEachPolygonSpan(poly, n, 0, n - 1, (y, from, to) => {
    for (let x = from; x <= to; x++) m[y * n + x] = 1;
  });
  return m;
}

/** Pixels of the crop that lie inside the working image. */
export function validMask(crop: Crop, n: number, w: number, h: number): Uint8Array {
  const m = new Uint8Array(n * n);
  const s = crop.size / n;
  const c = Math.cos(crop.angle);
  const si = Math.sin(crop.angle);
  // the usual case, the whole crop inside the image: its four corner pixels are
  const corner = (u: number, v: number) => {
    const dx = (u + 0.5 - n / 2) * s;
    const dy = (v + 0.5 - n / 2) * s;
    const x = crop.cx + c * dx - si * dy;
    const y = crop.cy + si * dx + c * dy;
    return x >= 0 && y >= 0 && x < w && y < h;
  };
  if (corner(0, 0) && corner(n - 1, 0) && corner(0, n - 1) && corner(n - 1, n - 1)) return m.fill(1);
  for (let v = 0; v < n; v++) {
    for (let u = 0; u < n; u++) {
      const dx = (u + 0.5 - n / 2) * s;
      const dy = (v + 0.5 - n / 2) * s;
      const x = crop.cx + c * dx - si * dy;
      const y = crop.cy + si * dx + c * dy;
      m[v * n + u] = x >= 0 && y >= 0 && x < w && y < h ? 1 : 0;
    }
  }
  return m;
}

export function entropy(hist: Float64Array, total: number): number {
  let e = 0;
  for (const c of hist) if (c > 0) e -= (c / total) * Math.log2(c / total);
  return e;
}

export function meanStd(values: number[]): [number, number] {
  if (values.length === 0) return [0, 0];
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const v = values.reduce((a, b) => a + (b - m) * (b - m), 0) / values.length;
  return [m, Math.sqrt(v)];
}

