// Image decoding with sharp under hard limits: the header is read first (format, declared
// size), so an image bomb or a 50-megapixel photo is refused before any pixel is decoded.
// EXIF orientation is applied; the image is decoded straight to a bounded working size (a
// JPEG at 1/2, 1/4 or 1/8 scale by libjpeg's DCT scaling, with no resampling after), RGB,
// 8 bit. An embedded sRGB ICC profile is not applied (converting sRGB to sRGB changes no
// pixel, but libvips would run it over every decoded pixel, about half the decode time); any
// other profile (Adobe RGB, Display P3, ...) is converted to sRGB.
import sharp, { type Metadata } from 'sharp';
import { FiqaCodes, FiqaError } from './errors';

export interface DecodeLimits {
  /** refuse files larger than this (default 30 MB) */
  maxBytes: number;
  /**
   * refuse images with more pixels than this when they must be decoded whole: PNG (default
   * 40 MP, the image-bomb limit)
   */
  maxPixels: number;
  /**
   * the same for JPEG and WebP, which are decoded shrunk on load (a JPEG at 1/8 scale never
   * holds its full pixels): default 210 MP, so 48–200 MP phone photos are checked
   */
  maxShrinkPixels: number;
  /**
   * the working image's longest side is at least this (when the photo has it) and less than
   * twice this (default 960): a photo is scaled down by the largest power of two (up to 8)
   * that keeps it this long. A JPEG is decoded straight at that scale (libjpeg's DCT scaling,
   * cheaper than decoding it whole) and needs no resampling after, which costs more than the
   * decode saves on the larger working image; an enrolment face stays well above the 192–224
   * px the models look at.
   */
  workingSize: number;
}

export const DEFAULT_LIMITS: DecodeLimits = { maxBytes: 30 * 1024 * 1024, maxPixels: 40_000_000, maxShrinkPixels: 210_000_000, workingSize: 960 };

const FORMATS = new Set(['jpeg', 'png', 'webp']);
/** decoded at a fraction of their size straight from the file (libjpeg DCT scaling, libwebp scaled decode) */
const SHRINK_ON_LOAD = new Set(['jpeg', 'webp']);
const WORKS = 'JPEG, PNG and WebP photos can be checked';
/** what a technician may know a file by, for formats sharp names but we do not check */
const FORMAT_NAMES: Record<string, string> = { heif: 'HEIC/HEIF (iPhone)', gif: 'GIF', tiff: 'TIFF', svg: 'SVG', pdf: 'PDF', jp2k: 'JPEG 2000', jxl: 'JPEG XL', raw: 'raw camera', avif: 'AVIF' };

/** A decoder message, once: libvips repeats the same line for every failed scanline. */
function firstLine(msg: string): string {
  const lines = [...new Set(msg.split('\n').map((l) => l.trim()).filter(Boolean))];
  return lines[0] ?? msg;
}

export interface DecodedImage {
  /** RGB, row-major, 3 bytes per pixel, working size */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** original size after EXIF orientation */
  origWidth: number;
  origHeight: number;
  /** original pixels per working pixel (≥ 1) */
  scale: number;
  format: string;
  bytes: number;
}

export async function decodeImage(buf: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): Promise<DecodedImage> {
  if (buf.byteLength === 0) throw new FiqaError(FiqaCodes.IMAGE_ERROR, 'image is empty (0 bytes)', 'pick the photo file again; it may not have been copied completely');
  if (buf.byteLength > limits.maxBytes) {
    throw new FiqaError(
      FiqaCodes.IMAGE_SIZE_TOO_LARGE_ERROR,
      `image file too large: ${(buf.byteLength / 1048576).toFixed(1)} MB, limit ${(limits.maxBytes / 1048576).toFixed(0)} MB`,
      'export the photo as JPEG at a smaller size (e.g. 1920 px on the long side)',
    );
  }
  let meta: Metadata;
  try {
    meta = await sharp(buf, { limitInputPixels: false, failOn: 'none' }).metadata();
  } catch (err) {
    void err; // sharp's "Input buffer contains unsupported image format" says nothing a technician can use
    throw new FiqaError(FiqaCodes.IMAGE_ERROR, `not a readable image: this file is not a photo, or it is damaged (${WORKS})`,
      'use a JPEG, PNG or WebP photo');
  }
  const format = meta.format ?? 'unknown';
  if (!FORMATS.has(format)) {
    throw new FiqaError(FiqaCodes.IMAGE_ERROR, `unsupported image format "${format}"${FORMAT_NAMES[format] ? ` (${FORMAT_NAMES[format]})` : ''}: ${WORKS}`,
      'save or export the photo as JPEG (on an iPhone: Settings › Camera › Formats › Most Compatible)');
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w <= 0 || h <= 0) throw new FiqaError(FiqaCodes.IMAGE_ERROR, 'image has no pixels', 'use a JPEG, PNG or WebP photo');
  const maxPixels = SHRINK_ON_LOAD.has(format) ? Math.max(limits.maxPixels, limits.maxShrinkPixels) : limits.maxPixels;
  if (w * h > maxPixels) {
    throw new FiqaError(
      FiqaCodes.IMAGE_SIZE_TOO_LARGE_ERROR,
      `image too large: ${w}x${h} = ${((w * h) / 1e6).toFixed(1)} MP, limit ${(maxPixels / 1e6).toFixed(0)} MP${SHRINK_ON_LOAD.has(format) ? '' : ` for ${format.toUpperCase()}`}`,
      'resize the photo (e.g. 1920 px on the long side) and try again',
    );
  }
  const ignoreIcc = !meta.icc || isSrgbProfile(meta.icc);
  const rotated = (meta.orientation ?? 1) >= 5; // EXIF 5..8 swap width and height
  const origWidth = rotated ? h : w;
  const origHeight = rotated ? w : h;
  const shrink = shrinkFactor(Math.max(origWidth, origHeight), limits.workingSize);
  try {
    let pipeline = sharp(buf, { limitInputPixels: maxPixels, failOn: 'warning', sequentialRead: true, ignoreIcc }).rotate();
    if (shrink > 1) {
      // libjpeg's scaled output is ceil(side / shrink): asking for exactly that leaves nothing to resample
      pipeline = pipeline.resize(Math.ceil(origWidth / shrink), Math.ceil(origHeight / shrink), { fit: 'fill', kernel: 'linear', fastShrinkOnLoad: true });
    }
    if (meta.hasAlpha) pipeline = pipeline.removeAlpha();
    if (meta.space !== 'srgb' || meta.channels !== 3) pipeline = pipeline.toColourspace('srgb'); // CMYK, grey, 16-bit...
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return {
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      origWidth,
      origHeight,
      scale: origWidth / info.width,
      format,
      bytes: buf.byteLength,
    };
  } catch (err) {
    const msg = firstLine((err as Error).message);
    const truncated = /premature end|truncated|unexpected end|short read|EOF/i.test(msg);
    throw new FiqaError(
      FiqaCodes.IMAGE_ERROR,
      truncated ? 'image is truncated or damaged: the file ends before the picture does' : `image is damaged and cannot be decoded (${msg})`,
      'copy the photo again from the camera or phone; the file is incomplete or corrupt',
    );
  }
}

/** The largest power of two up to 8 that keeps `longest / shrink` at least `workingSize`. */
export function shrinkFactor(longest: number, workingSize: number): number {
  let s = 1;
  while (s < 8 && longest / (2 * s) >= workingSize) s *= 2;
  return s;
}

/** sRGB colourants (D50-adapted, as in the ICC sRGB profiles), for rXYZ, gXYZ, bXYZ. */
const SRGB_XYZ: Record<string, [number, number, number]> = {
  rXYZ: [0.4361, 0.2225, 0.0139],
  gXYZ: [0.3851, 0.7169, 0.0971],
  bXYZ: [0.1431, 0.0606, 0.7141],
};

/**
 * True when an ICC profile is an sRGB profile: RGB data, described as sRGB, and (when it has
 * them) sRGB's colourants. Applying such a profile to sRGB output is an identity transform.
 */
export function isSrgbProfile(icc: Uint8Array): boolean {
  try {
    const v = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
    const tag4 = (o: number) => String.fromCharCode(icc[o]!, icc[o + 1]!, icc[o + 2]!, icc[o + 3]!);
    if (icc.byteLength < 132 || tag4(36) !== 'acsp' || tag4(16) !== 'RGB ') return false;
    const count = v.getUint32(128);
    let desc = '';
    let colourants = 0;
    for (let i = 0; i < count && 132 + 12 * i + 12 <= icc.byteLength; i++) {
      const t = 132 + 12 * i;
      const sig = tag4(t);
      const off = v.getUint32(t + 4);
      const size = v.getUint32(t + 8);
      if (off + size > icc.byteLength || size < 12) continue;
      if (sig === 'desc') {
        const type = tag4(off);
        if (type === 'desc') {
          const n = Math.min(v.getUint32(off + 8), size - 12);
          desc = String.fromCharCode(...icc.subarray(off + 12, off + 12 + n));
        } else if (type === 'mluc' && size >= 28) {
          const len = v.getUint32(off + 20);
          const start = off + v.getUint32(off + 24);
          for (let k = 0; k + 1 < len && start + k + 1 < off + size; k += 2) desc += String.fromCharCode(v.getUint16(start + k));
        }
      } else if (sig in SRGB_XYZ) {
        if (size < 20) return false;
        const want = SRGB_XYZ[sig]!;
        for (let k = 0; k < 3; k++) if (Math.abs(v.getInt32(off + 8 + 4 * k) / 65536 - want[k]!) > 0.003) return false;
        colourants++;
      }
    }
    return /\bsRGB\b/.test(desc) && (colourants === 0 || colourants === 3);
  } catch {
    return false;
  }
}
