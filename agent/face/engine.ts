// The face engine: decode → detect (BlazeFace) → landmarks (FaceMesh, refined once) → head pose,
// quality measures, the embedding (./descriptor) and age/sex (FaceRes) → PROTOCOL §4.4 entries
// judged at a level. One engine runs the models on one photo at a time (onnxruntime sessions are
// not re-entrant here) and decodes the next photo meanwhile (sharp works on libuv's threads), so
// a worker keeps a core busy while it waits for a decode; use the worker pool (./pool) for
// parallel work.
import { decodeImage, DEFAULT_LIMITS, type DecodedImage, type DecodeLimits } from './decode';
import { decodeDetections, DETECTOR_SIZE, type Detection } from './detector';
import { decodeAttributes, DESCRIBE_SIZE } from './describe';
import { DESCRIPTOR_INPUT, DESCRIPTOR_MODEL, embedFace } from './descriptor';
import { FiqaCodes, FiqaError } from './errors';
import { letterbox, Pyramid, sampleCrop } from './image';
import { jpegQuality } from './jpeg-quality';
import { centroid, decodeMesh, detectionCrop, headPose, IDX, meshCrop, MESH_SIZE, type Mesh } from './landmarks';
import { judge, thresholdsFor } from './levels';
import { measureFace, type RawMeasures } from './measures';
import { humanLook, LANDMARK_CONFIDENCE_MIN, landmarkLogOdds, NOT_A_FACE_CONFIDENCE, notHumanReason, WIDE_CROP_SCALES, type HumanLook } from './human';
import { sceneLooks, type SceneLooks } from './scene';
import { defaultModelsDir, loadModels, type LoadedModel } from './models';
import type { AnalyzeOptions, FiqaAnalysis, FiqaEntry, Point, Thresholds } from './types';

export interface FaceEngineOptions {
  /** folder with manifest.json and the .onnx files (default: resources/models, or $SE3KIT_MODELS_DIR) */
  modelsDir?: string;
  /** onnxruntime intra-op threads per engine (default 1; the pool runs one engine per worker) */
  threads?: number;
  limits?: Partial<DecodeLimits>;
  /**
   * detector score threshold (default 0.5; each candidate must also pass the landmark model's
   * face score, so a low threshold costs a landmark run, not a false face)
   */
  minDetectionScore?: number;
  /** landmark-model face presence threshold (default 0.5) */
  minLandmarkScore?: number;
  /**
   * called with each face found, while its photo's pyramid is alive (the descriptor benchmark
   * feeds every candidate model the same faces this way)
   */
  inspectFace?: (face: { pyramid: Pyramid; mesh: Mesh; index: number }) => Promise<void>;
}

export interface FaceEngine {
  /** Analyse one photo (file bytes). Throws FiqaError (code 40003/40004/40007/50072). */
  analyze(image: Uint8Array, opts?: AnalyzeOptions): Promise<FiqaAnalysis>;
  close(): Promise<void>;
}

/**
 * No face found: say so, and when the whole photo shows why (mostly white, mostly black, badly
 * blurred), say that too. Limits from the evaluation set: blurred copies of portraits read
 * sharpness 0.08–0.33 (95 % below 0.2), the portraits themselves ≥ 0.27; blown-out copies have
 * 14–86 % white pixels, portraits ≤ 10 %.
 */
function noFace(look: SceneLooks): FiqaError {
  if (look.over > 0.3) {
    return new FiqaError(FiqaCodes.NO_FACE, `no face detected: ${Math.round(look.over * 100)} % of the photo is burnt-out white (over-exposed)`,
      'reduce light or flash, or lower the exposure, and take the photo again');
  }
  if (look.under > 0.6) {
    return new FiqaError(FiqaCodes.NO_FACE, `no face detected: ${Math.round(look.under * 100)} % of the photo is black (far too dark)`,
      'turn on more light in front of the person and take the photo again');
  }
  if (look.sharpness < 0.2 && look.contrast > 15) {
    return new FiqaError(FiqaCodes.NO_FACE, 'no face detected: the photo is badly blurred',
      'hold the camera still, focus on the face, and use more light so the shutter is faster');
  }
  return new FiqaError(FiqaCodes.NO_FACE, 'no face detected', 'use a photo that shows one face clearly, facing the camera, in good light');
}

/** Detector and landmark score a face cut by the photo edge must reach to be named as such. */
const CUT_OFF_SCORE = 0.15;

export interface FaceFound {
  detection: Detection;
  mesh: Mesh;
  measures: RawMeasures;
  pose: { yaw: number; pitch: number; roll: number };
  human: HumanLook;
}

export async function createFaceEngine(opts: FaceEngineOptions = {}): Promise<FaceEngine> {
  const modelsDir = opts.modelsDir ?? defaultModelsDir();
  const models = await loadModels(modelsDir, opts.threads ?? 1);
  const limits: DecodeLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const minDet = opts.minDetectionScore ?? 0.5;
  const minMesh = opts.minLandmarkScore ?? 0.5;
  const detector = models.blazeface!;
  const landmarker = models.facemesh!;
  const describer = models.faceres!; // age and sex
  const descriptor = models[DESCRIPTOR_MODEL]!; // the embedding
  // a detector converted with free spatial dimensions sees the photo without most of the
  // letterbox padding (a 4:3 photo: 256x192 instead of 256x256); an older one, the square
  const detectorMultiple = detector.spec.input?.multipleOf ?? DETECTOR_SIZE;
  let closed = false;
  // photo k decodes once photo k-1's models have started (at most two decoded photos held);
  // photo k's models run once photo k-1's are done and photo k is decoded
  let lastStarted: Promise<void> = Promise.resolve();
  let lastDone: Promise<unknown> = Promise.resolve();
  // Model input buffers, reused photo after photo (one photo runs at a time; sampling writes
  // every value): saves allocating and zeroing 1.8 MB per photo.
  const detectorIn = new Float32Array(DETECTOR_SIZE * DETECTOR_SIZE * 3);
  const meshIn = new Float32Array(MESH_SIZE * MESH_SIZE * 3);
  const describeIn = new Float32Array(DESCRIBE_SIZE * DESCRIBE_SIZE * 3);
  const descriptorIn = new Float32Array(DESCRIPTOR_INPUT.size * DESCRIPTOR_INPUT.size * 3);

  async function runMesh(pyr: Pyramid, crop: Mesh['crop']): Promise<Mesh> {
    const input = sampleCrop(pyr, crop, MESH_SIZE, 1 / 255, 0, meshIn);
    return decodeMesh(await landmarker.run(input), crop);
  }

  async function timedDecode(buf: Uint8Array): Promise<{ img: DecodedImage; ms: number }> {
    const t0 = performance.now();
    const img = await decodeImage(buf, limits);
    return { img, ms: performance.now() - t0 };
  }

  async function analyzeDecoded(img: DecodedImage, decodeMs: number, buf: Uint8Array, o: AnalyzeOptions): Promise<FiqaAnalysis> {
    const t0 = performance.now() - decodeMs;
    const level = o.level ?? 'high';
    const pyr = new Pyramid(img);
    try {
      const quality = jpegQuality(buf);
      const explain = o.explainNoFace !== false;
      const faces = await findFaces(img, pyr, o.maxFaces ?? 10, level === 'no' ? undefined : quality, explain, o.skinColourCheck ?? explain, level === 'no' ? undefined : thresholdsFor(level, o.thresholds));
      const data: FiqaEntry[] = [];
      // the largest face's area over the next one's (faces are sorted largest first)
      const dominance = faces.length > 1 ? (faces[0]!.measures.face_width / faces[1]!.measures.face_width) ** 2 : null;
      for (const [index, f] of faces.entries()) {
        if (opts.inspectFace) await opts.inspectFace({ pyramid: pyr, mesh: f.mesh, index });
        const attributes =
          o.attributes === false
            ? undefined
            : decodeAttributes(await describer.run(sampleCrop(pyr, detectionCropFromMesh(f.mesh), DESCRIBE_SIZE, 1, 0, describeIn)), await embedFace(descriptor, pyr, f.mesh, descriptorIn));
        data.push(toEntry(f, img.scale, [img.origWidth, img.origHeight], faces.length, dominance, quality, level, o, attributes));
      }
      return {
        image: { width: img.origWidth, height: img.origHeight, format: img.format, bytes: img.bytes },
        data,
        // one clearly dominant face is the one enrolled: its verdict is the photo's
        passed: dominance !== null && dominance >= thresholdsFor(level, o.thresholds).dominance_min ? data[0]!.fiqa_result : data.every((e) => e.fiqa_result),
        ms: Math.round((performance.now() - t0) * 10) / 10,
      };
    } finally {
      pyr.release();
    }
  }

  /** Every face: detection, landmarks (refined once when needed), measures and pose; largest first. */
  /** `jpegQ` undefined: level `no`, measure every face and refuse none as not human. */
  async function findFaces(
    img: DecodedImage,
    pyr: Pyramid,
    maxFaces: number,
    jpegQ: number | null | undefined,
    explain = true,
    skinColour = true,
    t?: Thresholds,
  ): Promise<FaceFound[]> {
    const { input, width, height, side } = letterbox(img, pyr, DETECTOR_SIZE, detectorMultiple, detectorIn);
    const raw = await detector.run(input, [1, height, width, 3]);
    const dets = decodeDetections(raw, width, height, side, minDet);
    const faces: FaceFound[] = [];
    for (const d of dets.slice(0, 2 * maxFaces)) {
      const first = detectionCrop(d);
      let mesh = await runMesh(pyr, first);
      if (mesh.score < minMesh) continue;
      // Second pass on the crop the landmarks themselves suggest, when it differs noticeably
      // from the detector's (turned or off-centre faces); saves a model run on easy photos.
      const better = meshCrop(mesh);
      const off = Math.hypot(better.cx - first.cx, better.cy - first.cy) / first.size;
      const turn = Math.abs(better.angle - first.angle);
      const grow = Math.abs(Math.log(better.size / first.size));
      if (off > 0.04 || turn > 0.06 || grow > 0.12) {
        const refined = await runMesh(pyr, better);
        if (refined.score >= minMesh) mesh = refined;
      }
      // drop duplicates (two detections converging on one face)
      const c = centroid(mesh.points, [IDX.noseTip]);
      if (faces.some((f) => Math.hypot(f.mesh.points[IDX.noseTip]![0] - c[0], f.mesh.points[IDX.noseTip]![1] - c[1]) < 0.1 * mesh.crop.size)) continue;
      const human = humanLook(pyr, mesh, img);
      // a toned print's face the landmark model is unsure of: a second look on wider crops
      // (beard, hair and shoulders in view; see human.ts), two more landmark runs, rarely
      if (human.toned && human.landmark_confidence < LANDMARK_CONFIDENCE_MIN) {
        let wide = -Infinity;
        for (const k of WIDE_CROP_SCALES) wide = Math.max(wide, landmarkLogOdds((await runMesh(pyr, meshCrop(mesh, k))).score));
        human.landmark_confidence_wide = wide;
      }
      faces.push({ detection: d, mesh, measures: measureFace(pyr, mesh, img), pose: headPose(mesh), human });
    }
    // faces that are not human (an animal, a painting, a statue) are not faces to enrol: left
    // out, and when nothing else is left the photo is refused for that
    const notHuman = faces.map((f) => (jpegQ === undefined ? null : notHumanReason(f.human, { ...f.measures, compression: jpegQ, yaw: f.pose.yaw, face_size_min: t?.face_size_min, yaw_max: t?.yaw_max }, skinColour)));
    // a detection the landmark model hardly sees a face in (a false detection beside a real
    // face, e.g. a shadow or a shoulder) does not count as a second face whatever its quality
    const anyClearFace = faces.some((f) => f.human.landmark_confidence >= LANDMARK_CONFIDENCE_MIN);
    const human = faces.filter((f, i) => notHuman[i] === null && !(jpegQ !== undefined && anyClearFace && f.human.landmark_confidence < NOT_A_FACE_CONFIDENCE));
    if (human.length === 0 && faces.length > 0) {
      const why = notHuman.find((w) => w !== null) ?? { reason: 'the face found does not look like a human face', hint: 'use a photo of the person: a live face' };
      throw new FiqaError(FiqaCodes.NO_FACE, `no human face: ${why.reason}`, why.hint);
    }
    faces.splice(0, faces.length, ...human);
    if (faces.length === 0) {
      if (!explain) throw new FiqaError(FiqaCodes.NO_FACE, 'no face detected', 'use a photo that shows one face clearly, facing the camera, in good light');
      if (await cutOffFace(img, pyr, decodeDetections(raw, width, height, side, CUT_OFF_SCORE))) {
        throw new FiqaError(FiqaCodes.NO_FACE, 'face cut off by the photo border: only part of a face is in the photo',
          'step back or re-frame so the whole head is in the picture, with some space around it');
      }
      throw noFace(sceneLooks(img, pyr));
    }
    faces.sort((a, b) => b.measures.face_width - a.measures.face_width);
    return faces.slice(0, maxFaces);
  }

  /**
   * When no whole face is found: is there a face the photo's edge cuts? A weaker detection at
   * the border whose landmarks (the model still scores a half face as a face) run outside the
   * photo.
   */
  async function cutOffFace(img: DecodedImage, pyr: Pyramid, weak: Detection[]): Promise<boolean> {
    if (await cutAt(img, pyr, weak, 0, 0)) return true;
    // the detector finds a half face more easily away from the edge: once more with a grey margin
    const pad = Math.round(0.25 * Math.min(img.width, img.height));
    const W = img.width + 2 * pad;
    const H = img.height + 2 * pad;
    const rgb = new Uint8Array(W * H * 3).fill(128);
    for (let y = 0; y < img.height; y++) rgb.set(img.rgb.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((y + pad) * W + pad) * 3);
    const padded: DecodedImage = { ...img, rgb, width: W, height: H };
    const ppyr = new Pyramid(padded);
    try {
      const { input, width, height, side } = letterbox(padded, ppyr, DETECTOR_SIZE, detectorMultiple);
      const dets = decodeDetections(await detector.run(input, [1, height, width, 3]), width, height, side, CUT_OFF_SCORE);
      return await cutAt(img, ppyr, dets, pad, pad);
    } finally {
      ppyr.release();
    }
  }

  /** A weak detection whose landmarks run outside the photo (offset: where the photo sits in `pyr`). */
  async function cutAt(img: DecodedImage, pyr: Pyramid, weak: Detection[], ox: number, oy: number): Promise<boolean> {
    for (const d of weak.slice(0, 3)) {
      const mesh = await runMesh(pyr, detectionCrop(d));
      if (mesh.score < CUT_OFF_SCORE) continue;
      const sil = IDX.silhouette.map((i) => mesh.points[i]!);
      const outside = sil.filter((q) => q[0] < ox || q[1] < oy || q[0] >= ox + img.width || q[1] >= oy + img.height).length / sil.length;
      if (outside >= 0.15) return true;
    }
    return false;
  }

  return {
    analyze(image, o = {}) {
      if (closed) return Promise.reject(new Error('face engine is closed'));
      const decoded = lastStarted.then(() => timedDecode(image));
      decoded.catch(() => undefined); // a bad photo's error is reported by `run`, not as unhandled meanwhile
      let started!: () => void;
      const run = lastDone.then(async () => {
        let d: { img: DecodedImage; ms: number };
        try {
          d = await decoded;
        } finally {
          started();
        }
        return analyzeDecoded(d.img, d.ms, image, o);
      });
      lastStarted = new Promise<void>((resolve) => (started = resolve));
      lastDone = run.catch(() => undefined);
      return run;
    },
    async close() {
      closed = true;
      await lastDone;
      await Promise.all(Object.values(models).map((m: LoadedModel) => m.session.release()));
    },
  };
}

/** FaceRes (age, sex) sees the face as Human feeds it: the face box enlarged 1.4x, squared, not rotated. */
function detectionCropFromMesh(m: Mesh): Mesh['crop'] {
  const c = meshCrop(m, 1.4);
  return { ...c, angle: 0 };
}

function toEntry(
  f: FaceFound,
  scale: number,
  size: [number, number],
  faceCount: number,
  dominance: number | null,
  jpegQ: number | null,
  level: AnalyzeOptions['level'] & string,
  o: AnalyzeOptions,
  attributes: FiqaEntry['attributes'],
): FiqaEntry {
  const p = f.mesh.points;
  const xs = p.map((q) => q[0]);
  const ys = p.map((q) => q[1]);
  const cl = (v: number, max: number) => Math.max(0, Math.min(max, Math.round(v * scale)));
  const bbox: FiqaEntry['bbox'] = [cl(Math.min(...xs), size[0]), cl(Math.min(...ys), size[1]), cl(Math.max(...xs), size[0]), cl(Math.max(...ys), size[1])];
  const m = f.measures;
  const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
  const r2 = (v: number) => Math.round(v * 100) / 100;
  const info = {
    brightness: r4(m.brightness),
    clarity: r4(m.clarity),
    face_size: Math.round(m.face_width),
    headpose: { pitch_angle: r2(f.pose.pitch), roll_angle: r2(f.pose.roll), yaw_angle: r2(f.pose.yaw) },
    mask: r4(m.mask),
    occlusion: m.occlusion,
    partial: m.partial,
  };
  const measures = {
    face_count: faceCount,
    main_face_dominance: dominance === null ? null : r2(dominance),
    eyes_open: r4(m.eyes_open),
    eyes_visible: r4(m.eyes_visible),
    mouth_visible: r4(m.mouth_visible),
    mouth_open: r4(m.mouth_open),
    under_exposure: r4(m.under_exposure),
    over_exposure: r4(m.over_exposure),
    dynamic_range: r4(m.dynamic_range),
    illumination_uniformity: r4(m.illumination_uniformity),
    inter_eye_distance: Math.round(m.inter_eye_distance),
    crop_margins: { left: r2(m.crop_margins.left), right: r2(m.crop_margins.right), top: r2(m.crop_margins.top), bottom: r2(m.crop_margins.bottom) },
    compression: jpegQ ?? 100,
    background_uniformity: r4(m.background_uniformity),
    detector_score: r4(f.detection.score),
    landmark_score: r4(f.mesh.score),
    landmark_confidence: r2(f.human.landmark_confidence),
    skin_texture: f.human.skin_texture === null ? null : r2(f.human.skin_texture),
    skin_hue: f.human.skin_hue === null ? null : r2(f.human.skin_hue),
    skin_red: f.human.skin_red === null ? null : r2(f.human.skin_red),
    skin_axis: f.human.skin_axis === null ? null : r2(f.human.skin_axis),
    photo_colour: r2(f.human.photo_colour),
    skin_tint: r2(f.human.skin_tint),
    landmark_confidence_wide: f.human.landmark_confidence_wide === null ? null : r2(f.human.landmark_confidence_wide),
  };
  const { success, fails, checks } = judge(info, measures, level, o.thresholds);
  const pt = (q: number[]): Point => [Math.round(q[0]! * scale), Math.round(q[1]! * scale)];
  const landmarks: Point[] = [
    pt(centroid(p, IDX.eyeR.contour)),
    pt(centroid(p, IDX.eyeL.contour)),
    pt(p[IDX.noseTip]!),
    pt(p[IDX.mouthR]!),
    pt(p[IDX.mouthL]!),
  ];
  return {
    bbox,
    fails,
    fiqa_result: fails.length === 0,
    info,
    score: info.clarity,
    success,
    level,
    measures,
    checks,
    landmarks,
    ...(attributes ? { attributes } : {}),
  };
}

/**
 * The bare PROTOCOL §4.4 entry (bbox, fails, fiqa_result, info, score, success) without our
 * extension fields, for the agent's MQ `fiqa` reply. For the box's exact judgement (only its
 * seven checks) analyse with `thresholds: { enforce: [] }`.
 */
export function protocolEntry(e: FiqaEntry): Pick<FiqaEntry, 'bbox' | 'fails' | 'fiqa_result' | 'info' | 'score' | 'success'> {
  return { bbox: e.bbox, fails: e.fails, fiqa_result: e.fiqa_result, info: e.info, score: e.score, success: e.success };
}
