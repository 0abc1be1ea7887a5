// Degraded copies of a good portrait, made in code for the FIQA tests and the accuracy bench
// (never committed): eye covers of several colours, sunglasses, a covered mouth, blur, dark,
// blown out, a tiny face, a sideways photo, a half-cropped face, JPEG at quality 5, and a
// photo of two people; and copies under coloured light, which must still pass. Covers are placed from the engine's own landmarks on the good photo.
import sharp, { type Sharp } from 'sharp';
import type { Point } from '../../agent/face/types';

export interface FaceGeometry {
  width: number;
  height: number;
  /** [rightEye, leftEye, nose, mouthRight, mouthLeft] in photo pixels (FiqaEntry.landmarks) */
  landmarks: Point[];
  /** face bbox [x1, y1, x2, y2] */
  bbox: [number, number, number, number];
}

export const DEGRADATIONS = [
  'eyebar-black',
  'eyebar-white',
  'eyebar-grey',
  'eyebar-skin',
  'sunglasses',
  'mouth-covered',
  'blur',
  'dark',
  'blown-out',
  'tiny-face',
  'sideways',
  'half-cropped',
  'jpeg-q5',
] as const;
export type Degradation = (typeof DEGRADATIONS)[number];

function eyes(g: FaceGeometry) {
  const [eR, eL] = g.landmarks as [Point, Point];
  const ied = Math.hypot(eL[0] - eR[0], eL[1] - eR[1]);
  const angle = (Math.atan2(eL[1] - eR[1], eL[0] - eR[0]) * 180) / Math.PI;
  const mid: Point = [(eR[0] + eL[0]) / 2, (eR[1] + eL[1]) / 2];
  return { eR, eL, ied, angle, mid };
}

function svg(g: FaceGeometry, body: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${g.width}" height="${g.height}">${body}</svg>`);
}

/** A bar across both eyes (the whole eye region, brows to lower lids). */
function eyeBar(g: FaceGeometry, fill: string): Buffer {
  const { ied, angle, mid } = eyes(g);
  const w = 2.2 * ied;
  const h = 0.7 * ied;
  return svg(g, `<rect x="${mid[0] - w / 2}" y="${mid[1] - h / 2}" width="${w}" height="${h}" fill="${fill}" transform="rotate(${angle} ${mid[0]} ${mid[1]})"/>`);
}

/** Dark sunglasses: two lenses with a thin rim and a bridge. */
function sunglasses(g: FaceGeometry): Buffer {
  const { eR, eL, ied, angle, mid } = eyes(g);
  const rx = 0.42 * ied;
  const ry = 0.3 * ied;
  const lens = (c: Point) =>
    `<ellipse cx="${c[0]}" cy="${c[1]}" rx="${rx}" ry="${ry}" transform="rotate(${angle} ${c[0]} ${c[1]})" fill="#16130f" fill-opacity="0.93" stroke="#2b2b2b" stroke-width="${0.04 * ied}"/>`;
  const bridge = `<line x1="${mid[0] - 0.1 * ied}" y1="${mid[1] - 0.05 * ied}" x2="${mid[0] + 0.1 * ied}" y2="${mid[1] - 0.05 * ied}" stroke="#2b2b2b" stroke-width="${0.05 * ied}" transform="rotate(${angle} ${mid[0]} ${mid[1]})"/>`;
  return svg(g, lens(eR) + lens(eL) + bridge);
}

/** A light-blue surgical mask over the mouth, chin and lower nose. */
function mouthCover(g: FaceGeometry): Buffer {
  const { ied, angle } = eyes(g);
  const [, , nose, mR, mL] = g.landmarks as [Point, Point, Point, Point, Point];
  const mouth: Point = [(mR[0] + mL[0]) / 2, (mR[1] + mL[1]) / 2];
  const top = nose[1] + 0.15 * (mouth[1] - nose[1]);
  const w = 2.3 * ied;
  const h = 1.45 * ied;
  return svg(g, `<rect x="${mouth[0] - w / 2}" y="${top}" width="${w}" height="${h}" rx="${0.25 * ied}" fill="#a8cbe6" transform="rotate(${angle} ${mouth[0]} ${mouth[1]})"/>`);
}

export async function degrade(photo: Buffer, g: FaceGeometry, kind: Degradation): Promise<Buffer> {
  const img = () => sharp(photo).rotate();
  const ied = eyes(g).ied;
  const jpeg = (s: Sharp) => s.jpeg({ quality: 92 }).toBuffer();
  switch (kind) {
    case 'eyebar-black':
      return jpeg(img().composite([{ input: eyeBar(g, '#000000') }]));
    case 'eyebar-white':
      return jpeg(img().composite([{ input: eyeBar(g, '#ffffff') }]));
    case 'eyebar-grey':
      return jpeg(img().composite([{ input: eyeBar(g, '#808080') }]));
    case 'eyebar-skin':
      return jpeg(img().composite([{ input: eyeBar(g, '#c08a6a') }]));
    case 'sunglasses':
      return jpeg(img().composite([{ input: sunglasses(g) }]));
    case 'mouth-covered':
      return jpeg(img().composite([{ input: mouthCover(g) }]));
    case 'blur':
      return jpeg(img().blur(Math.max(1.5, ied / 9)));
    case 'dark':
      return jpeg(img().linear(0.14, 0));
    case 'blown-out':
      return jpeg(img().linear(2.4, 60));
    case 'tiny-face': {
      const faceW = g.bbox[2] - g.bbox[0];
      const k = 45 / faceW;
      return jpeg(img().resize(Math.max(16, Math.round(g.width * k))));
    }
    case 'sideways':
      return jpeg(img().rotate(90));
    case 'half-cropped': {
      const noseX = Math.round(g.landmarks[2]![0]);
      return jpeg(img().extract({ left: 0, top: 0, width: Math.max(8, noseX), height: g.height }));
    }
    case 'jpeg-q5':
      return img().jpeg({ quality: 5 }).toBuffer();
  }
}

/**
 * Coloured light (must still pass): the photo's sRGB channels multiplied, as a tinted lamp or a
 * camera's white balance would. Mild: the casts of issue 15 (green +8 %, ...); strong: about
 * twice as far (green: red and blue −10 %, green +10 %).
 */
export const LIGHTS = {
  'light-green': [1, 1.08, 1],
  'light-yellow': [1.05, 1.05, 0.9],
  'light-tungsten': [1.1, 1.0, 0.85],
  'light-blue': [0.92, 1.0, 1.1],
  'light-magenta': [1.06, 0.94, 1.06],
  'light-green-strong': [0.9, 1.1, 0.9],
  'light-yellow-strong': [1.06, 1.06, 0.78],
  'light-tungsten-strong': [1.12, 1.0, 0.78],
  'light-blue-strong': [0.88, 1.0, 1.15],
  'light-magenta-strong': [1.08, 0.9, 1.08],
} as const satisfies Record<string, [number, number, number]>;
export type Light = keyof typeof LIGHTS;

export async function underLight(photo: Buffer, kind: Light): Promise<Buffer> {
  return sharp(photo).rotate().toColourspace('srgb').linear([...LIGHTS[kind]], [0, 0, 0]).jpeg({ quality: 92 }).toBuffer();
}

/** Two portraits side by side, scaled so the two faces are the same width: two people of comparable size. */
export async function twoPeople(a: Buffer, ga: FaceGeometry, b: Buffer, gb: FaceGeometry): Promise<Buffer> {
  const wa = ga.bbox[2] - ga.bbox[0];
  const wb = gb.bbox[2] - gb.bbox[0];
  const ia = await sharp(a).rotate().toBuffer({ resolveWithObject: true });
  const ib = await sharp(b).rotate().resize({ height: Math.round((gb.height * wa) / wb) }).toBuffer({ resolveWithObject: true });
  const H = Math.max(ia.info.height, ib.info.height);
  return sharp({ create: { width: ia.info.width + ib.info.width, height: H, channels: 3, background: '#808080' } })
    .composite([
      { input: ia.data, left: 0, top: 0 },
      { input: ib.data, left: ia.info.width, top: 0 },
    ])
    .jpeg({ quality: 92 })
    .toBuffer();
}

/** Pictures with no face in them: flat grey, a smooth gradient, noise, and text. */
export async function nonFaces(): Promise<Array<{ name: string; photo: Buffer }>> {
  const w = 640;
  const h = 480;
  const noise = Buffer.alloc(w * h * 3);
  let s = 12345;
  for (let i = 0; i < noise.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    noise[i] = s >>> 24;
  }
  const grad = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) grad.fill(Math.round((255 * (x + y)) / (w + h)), (y * w + x) * 3, (y * w + x) * 3 + 3);
  const raw = { width: w, height: h, channels: 3 as const };
  const text = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="#f4f1e8"/><text x="40" y="200" font-size="64" fill="#222">Invoice 2026-114</text><text x="40" y="300" font-size="40" fill="#444">Total due: 1 240.00</text></svg>`);
  return [
    { name: 'grey', photo: await sharp({ create: { width: w, height: h, channels: 3, background: '#7f7f7f' } }).jpeg().toBuffer() },
    { name: 'gradient', photo: await sharp(grad, { raw }).jpeg().toBuffer() },
    { name: 'noise', photo: await sharp(noise, { raw }).jpeg().toBuffer() },
    { name: 'text', photo: await sharp(text).jpeg().toBuffer() },
  ];
}
