// FaceMesh (468 landmarks) on a roll-corrected crop around a detection, mapped back to
// working-image pixels, and head pose (yaw/pitch/roll) from the mesh.
import type { Detection } from './detector';
import { cropToImage, type Crop } from './image';

export const MESH_SIZE = 192;

/** Landmark indices (MediaPipe FaceMesh topology; "right" = the subject's right). */
export const IDX = {
  top: 10,
  chin: 152,
  cheekR: 234,
  cheekL: 454,
  noseTip: 1,
  noseBottom: 2,
  eyeR: { outer: 33, inner: 133, upper: [160, 159, 158], lower: [144, 145, 153], contour: [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173] },
  eyeL: { outer: 263, inner: 362, upper: [385, 386, 387], lower: [380, 374, 373], contour: [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398] },
  mouthR: 61,
  mouthL: 291,
  lipInnerR: 78,
  lipInnerL: 308,
  lipInnerUpper: [82, 13, 312],
  lipInnerLower: [87, 14, 317],
  silhouette: [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109],
  nose: [1, 2, 4, 5, 6, 19, 94, 98, 327, 168, 197, 195],
  mouth: [61, 291, 0, 17, 13, 14, 78, 308, 37, 267, 84, 314],
  // skin patches for the mask heuristic
  upperCheeks: [117, 118, 119, 346, 347, 348, 50, 280],
  lowerFace: [205, 425, 207, 427, 200, 199, 175, 18, 32, 262],
};

export type Vec3 = [number, number, number];

export interface Mesh {
  /** 468 points, x/y in working pixels, z in the same scale (relative depth) */
  points: Vec3[];
  /** face presence probability from the model */
  score: number;
  crop: Crop;
}

/**
 * The crop the landmark model sees first: the detection box squared and enlarged, turned
 * upright by the eye line. The enlargement, 1.58, makes this crop as large as the one the
 * landmarks then suggest (meshCrop) on the fixture faces (median over 13 faces; at Human's
 * 1.4 it came out 12 % smaller), so most faces need no second landmark pass.
 */
export function detectionCrop(d: Detection, scale = 1.58): Crop {
  const [e0, e1] = d.keypoints as [[number, number], [number, number]];
  return {
    cx: (d.x1 + d.x2) / 2,
    cy: (d.y1 + d.y2) / 2,
    size: Math.max(d.x2 - d.x1, d.y2 - d.y1) * scale,
    angle: Math.atan2(e1[1] - e0[1], e1[0] - e0[0]),
  };
}

/** A crop from an existing mesh (tighter and better aligned than the detector's). */
export function meshCrop(m: Mesh, scale = 1.5): Crop {
  const p = m.points;
  const eR = centroid(p, IDX.eyeR.contour);
  const eL = centroid(p, IDX.eyeL.contour);
  const angle = Math.atan2(eL[1] - eR[1], eL[0] - eR[0]);
  // extent in the face-aligned frame
  const c = Math.cos(-angle);
  const s = Math.sin(-angle);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const q of p) {
    const x = c * q[0] - s * q[1];
    const y = s * q[0] + c * q[1];
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const ax = (minX + maxX) / 2;
  const ay = (minY + maxY) / 2;
  // back to image frame
  const ci = Math.cos(angle);
  const si = Math.sin(angle);
  return { cx: ci * ax - si * ay, cy: si * ax + ci * ay, size: Math.max(maxX - minX, maxY - minY) * scale, angle };
}

export function decodeMesh(out: Record<string, Float32Array>, crop: Crop): Mesh {
  const raw = out.mesh!;
  const zs = crop.size / MESH_SIZE;
  const points: Vec3[] = [];
  for (let i = 0; i < 468; i++) {
    const [x, y] = cropToImage(crop, MESH_SIZE, raw[3 * i]!, raw[3 * i + 1]!);
    points.push([x, y, raw[3 * i + 2]! * zs]);
  }
  return { points, score: out.faceflag![0]!, crop };
}

export function centroid(p: Vec3[], idx: number[]): Vec3 {
  const s: Vec3 = [0, 0, 0];
  for (const i of idx) {
    s[0] += p[i]![0];
    s[1] += p[i]![1];
    s[2] += p[i]![2];
  }
  return [s[0] / idx.length, s[1] / idx.length, s[2] / idx.length];
}

export function dist(a: Vec3 | [number, number], b: Vec3 | [number, number]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

const norm = (v: Vec3): Vec3 => {
  const l = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / l, v[1] / l, v[2] / l];
};
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

/**
 * Head pose in degrees from the face's axes (forehead→chin and cheek→cheek), as in Human's
 * calculateFaceAngle. Signs: roll > 0 when the face leans clockwise in the image, yaw > 0
 * when it turns towards the image's left, pitch > 0 when the chin goes up.
 */
export function headPose(m: Mesh): { yaw: number; pitch: number; roll: number } {
  const p = m.points;
  const yAxis = norm(sub(p[IDX.chin]!, p[IDX.top]!));
  let xAxis = norm(sub(p[IDX.cheekL]!, p[IDX.cheekR]!));
  const zAxis = norm(cross(xAxis, yAxis));
  xAxis = cross(yAxis, zAxis);
  const [r00, , , r10, r11, r12, r20] = [...xAxis, ...yAxis, ...zAxis] as number[];
  let thetaX: number;
  let thetaY: number;
  let thetaZ: number;
  if (r10! < 1 && r10! > -1) {
    thetaZ = Math.atan2(r10!, Math.sqrt(r00! * r00! + r20! * r20!));
    thetaY = Math.atan2(-r20!, r00!);
    thetaX = Math.atan2(-r12!, r11!);
  } else {
    thetaZ = r10! >= 1 ? Math.PI / 2 : -Math.PI / 2;
    thetaY = 0;
    thetaX = 0;
  }
  const deg = (r: number) => (Number.isFinite(r) ? (r * 180) / Math.PI : 0);
  // roll is measured from the eye line (more stable than the cheek points)
  const eR = centroid(p, IDX.eyeR.contour);
  const eL = centroid(p, IDX.eyeL.contour);
  const roll = deg(Math.atan2(eL[1] - eR[1], eL[0] - eR[0]));
  void thetaZ;
  return { yaw: -deg(thetaY), pitch: -deg(thetaX), roll };
}
