// BlazeFace (full range) post-processing: anchors, box/keypoint decoding, sigmoid scores and
// non-maximum suppression. Coordinates come back in working-image pixels. The model runs at
// 256x256 or, with free spatial dimensions, on a smaller rectangle that fits the photo (each
// side a multiple of 32); the anchors follow the input's grid.
import type { Point } from './types';

export const DETECTOR_SIZE = 256;

export interface Detection {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  /** [eyeA, eyeB, nose, mouth, earA, earB] (MediaPipe order: subject's right eye first) */
  keypoints: Point[];
}

/**
 * Anchor centres as MediaPipe / Human generate them (strides 16 with 2 anchors per cell and
 * 32 with 6; row by row), for a width×height input.
 */
function makeAnchors(width: number, height: number): Float32Array {
  const out: number[] = [];
  for (const { stride, n } of [
    { stride: 16, n: 2 },
    { stride: 32, n: 6 },
  ]) {
    for (let gy = 0; gy < Math.ceil(height / stride); gy++) {
      for (let gx = 0; gx < Math.ceil(width / stride); gx++) {
        for (let k = 0; k < n; k++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
      }
    }
  }
  return Float32Array.from(out);
}

const anchorsBySize = new Map<string, Float32Array>();

function anchors(width: number, height: number): Float32Array {
  const key = `${width}x${height}`;
  let a = anchorsBySize.get(key);
  if (!a) anchorsBySize.set(key, (a = makeAnchors(width, height)));
  return a;
}

function iou(a: Detection, b: Detection): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Decodes the four blazeface outputs of a width×height input. `side` is the working-image
 * length of DETECTOR_SIZE input pixels. Overlapping candidates are merged MediaPipe-style
 * (score-weighted average of the cluster), which steadies boxes and keypoints.
 */
export function decodeDetections(out: Record<string, Float32Array>, width: number, height: number, side: number, minScore: number, iouThreshold = 0.3): Detection[] {
  const scores = [out.scores512!, out.scores384!];
  const boxes = [out.boxes512!, out.boxes384!];
  const ANCHORS = anchors(width, height);
  if (ANCHORS.length !== 2 * (scores[0]!.length + scores[1]!.length)) throw new Error(`detector output does not fit a ${width}x${height} input`);
  const f = side / DETECTOR_SIZE;
  const cands: Detection[] = [];
  let a = 0;
  for (let part = 0; part < 2; part++) {
    const sc = scores[part]!;
    const bx = boxes[part]!;
    for (let i = 0; i < sc.length; i++, a++) {
      const logit = Math.max(-100, Math.min(100, sc[i]!));
      const score = 1 / (1 + Math.exp(-logit));
      if (score < minScore) continue;
      const ax = ANCHORS[2 * a]!;
      const ay = ANCHORS[2 * a + 1]!;
      const o = i * 16;
      const cx = bx[o]! + ax;
      const cy = bx[o + 1]! + ay;
      const w = bx[o + 2]!;
      const h = bx[o + 3]!;
      const keypoints: Point[] = [];
      for (let k = 0; k < 6; k++) keypoints.push([(bx[o + 4 + 2 * k]! + ax) * f, (bx[o + 5 + 2 * k]! + ay) * f]);
      cands.push({ x1: (cx - w / 2) * f, y1: (cy - h / 2) * f, x2: (cx + w / 2) * f, y2: (cy + h / 2) * f, score, keypoints });
    }
  }
  cands.sort((p, q) => q.score - p.score);
  const kept: Detection[] = [];
  const used = new Array<boolean>(cands.length).fill(false);
  for (let i = 0; i < cands.length; i++) {
    if (used[i]) continue;
    const best = cands[i]!;
    const cluster: Detection[] = [];
    for (let j = i; j < cands.length; j++) {
      if (!used[j] && iou(best, cands[j]!) > iouThreshold) {
        used[j] = true;
        cluster.push(cands[j]!);
      }
    }
    const total = cluster.reduce((s, c) => s + c.score, 0);
    const avg = (get: (c: Detection) => number) => cluster.reduce((s, c) => s + get(c) * c.score, 0) / total;
    kept.push({
      x1: avg((c) => c.x1),
      y1: avg((c) => c.y1),
      x2: avg((c) => c.x2),
      y2: avg((c) => c.y2),
      score: best.score,
      keypoints: best.keypoints.map((_, k) => [avg((c) => c.keypoints[k]![0]), avg((c) => c.keypoints[k]![1])] as Point),
    });
  }
  return kept;
}
