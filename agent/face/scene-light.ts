// The colour of the light a photo was taken in, estimated from everything around the head
// (background, hair, clothes), and the face's own redness once that light is discounted.
// A photo taken under green, yellow or tungsten light shifts the skin's mean colour towards
// the light's colour: measured against the scene's light, live skin is still red (blood under
// it), while the flesh of an old painting stays olive-yellow against its own (varnished)
// canvas. Two classic estimates of the light are taken: the white patch (the brightest 5 % of
// the pixels around the head: a white collar, a wall, a highlight) and the grey world (their
// mean); each gives a von Kries correction (per-channel gains in linear RGB, which is what a
// tinted light does), and the face's CIELAB a* under the correction that leaves it reddest is
// its `skin_red`. Taking the redder of the two keeps a real face whose brightest background is
// itself coloured (a gold fringe, a blond head) from reading as unred; no painting of the
// evaluation set reads above 7.2 under either (see human.ts for the limit).
import { sampleCrop, type Pyramid } from './image';
import { centroid, IDX, type Mesh } from './landmarks';
import { polygonMask, toCrop } from './regions';

const G = 64;
/** fewer pixels around the head than this (the face fills the photo): no estimate */
const MIN_AROUND = 200;

const LIN = new Float64Array(256);
for (let i = 0; i < 256; i++) {
  const v = i / 255;
  LIN[i] = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}
/** sRGB 0..255 (float) to linear 0..1, by the table with linear interpolation */
function lin(c: number): number {
  const x = Math.max(0, Math.min(255, c));
  const i = Math.min(254, Math.floor(x));
  return LIN[i]! + (x - i) * (LIN[i + 1]! - LIN[i]!);
}
/** CIELAB a* (D65) of a linear-RGB colour (not clipped: a correction may leave it above 1) */
function labA(r: number, g: number, b: number): number {
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return 500 * (f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047) - f(0.2126 * r + 0.7152 * g + 0.0722 * b));
}
const lum = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b;

/**
 * The face's CIELAB a* (red–green) after discounting the scene's light, or null when too
 * little of the photo lies around the head to estimate the light.
 * `faceLinear`: the inner face's mean colour in linear RGB (0..1).
 */
export function skinRedUnderSceneLight(pyr: Pyramid, mesh: Mesh, img: { width: number; height: number }, faceLinear: [number, number, number]): number | null {
  const size = Math.max(img.width, img.height);
  const whole = { cx: img.width / 2, cy: img.height / 2, size, angle: 0 };
  const rgb = sampleCrop(pyr, whole, G, 1, 0);
  // the head: the face outline grown by 30 % around its centre (hair and ears partly inside)
  const fc = centroid(mesh.points, IDX.silhouette);
  const head = polygonMask(
    IDX.silhouette.map((i) => {
      const q = mesh.points[i]!;
      return toCrop(whole, G, [fc[0] + 1.3 * (q[0] - fc[0]), fc[1] + 1.3 * (q[1] - fc[1]), 0]);
    }),
    G,
  );
  const step = size / G;
  const px: number[] = [];
  for (let v = 0; v < G; v++) {
    const y = img.height / 2 + (v + 0.5 - G / 2) * step;
    if (y < 0 || y >= img.height) continue;
    for (let u = 0; u < G; u++) {
      const x = img.width / 2 + (u + 0.5 - G / 2) * step;
      const i = v * G + u;
      if (x < 0 || x >= img.width || head[i]) continue;
      px.push(lin(rgb[3 * i]!), lin(rgb[3 * i + 1]!), lin(rgb[3 * i + 2]!));
    }
  }
  const n = px.length / 3;
  if (n < MIN_AROUND) return null;
  const grey: [number, number, number] = [0, 0, 0];
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    grey[0] += px[3 * i]!;
    grey[1] += px[3 * i + 1]!;
    grey[2] += px[3 * i + 2]!;
    ys[i] = lum(px[3 * i]!, px[3 * i + 1]!, px[3 * i + 2]!);
  }
  const cut = Float64Array.from(ys).sort()[Math.floor(0.95 * (n - 1))]!;
  const white: [number, number, number] = [0, 0, 0];
  let nw = 0;
  for (let i = 0; i < n; i++) {
    if (ys[i]! < cut) continue;
    white[0] += px[3 * i]!;
    white[1] += px[3 * i + 1]!;
    white[2] += px[3 * i + 2]!;
    nw++;
  }
  const redUnder = (light: [number, number, number], k: number): number | null => {
    const y = lum(light[0], light[1], light[2]) / k;
    if (!(y > 1e-4) || light.some((c) => c / k < 1e-5)) return null;
    // von Kries: each channel divided by the light's (normalised to its luminance)
    const f = faceLinear.map((c, j) => (c * y * k) / light[j]!) as [number, number, number];
    return labA(f[0], f[1], f[2]);
  };
  const a = [redUnder(white, nw), redUnder(grey, n)].filter((x): x is number => x !== null);
  return a.length === 0 ? null : Math.max(...a);
}

export { lin as srgbToLinear };
