// Recognition of one snapshot (PROTOCOL §6.3): every face the engine finds (with attributes:
// descriptor, age, sex), its FIQA entry as box_fiqa_info, a 1:N search among the users of the
// capture device's permission groups; a best score at or above DESCRIPTOR.threshold names the
// person, else the face is a stranger (person_type 4). Each face makes one stored event.
import { asFiqaError, DESCRIPTOR, FiqaCodes, protocolEntry, type AnalyzeOptions, type FacePool, type FiqaEntry } from '../face';
import type { CaptureDevice } from '../capture/devices';
import { bodyWithSpot, type EventBody, type EventStore, type StoredEvent } from '../events/store';
import type { Gallery } from './gallery';
import type { Trace } from './trace';

export const STRANGER = 4;

/**
 * What the recogniser asks of the engine: every face (up to 10) with its attributes (descriptor,
 * age, sex), judged at level low for box_fiqa_info; no explanation when there is no face (no event).
 */
export const RECOGNIZE_OPTIONS: Readonly<AnalyzeOptions> = Object.freeze({ level: 'low', attributes: true, maxFaces: 10, explainNoFace: false });

export interface RecognizerDeps {
  face(): Promise<FacePool>;
  gallery: Gallery;
  events: EventStore;
  devSno(): string;
  /**
   * called with every event whose score reaches the threshold (the realtime report), spot_pic
   * included, as soon as it is made: its SQLite insert runs meanwhile (the history upload reads
   * it from there)
   */
  onMatch(body: EventBody, tr?: Trace | null): Promise<unknown> | void;
  /** called with every event (known or stranger) once made and reported, e.g. the door relay (agent/gate/); must return at once */
  onEvent?(body: EventBody, device: CaptureDevice): void;
  log(line: string): void;
  /** marks a snapshot in flight until its realtime reports and inserts are settled (realtime before history) */
  enter?(): () => void;
}

export interface Recognized {
  faces: number;
  events: StoredEvent[];
}

const sexCode = (s: string | undefined) => (s === 'male' ? 0 : s === 'female' ? 1 : -1);

export function boxFiqaInfo(f: FiqaEntry): Record<string, unknown> {
  const p = protocolEntry(f);
  return { age: Math.round(f.attributes?.age ?? 0), sex: sexCode(f.attributes?.sex), info: p.info, fiqa_result: p.fiqa_result, success: p.success, fails: p.fails };
}

export class Recognizer {
  constructor(private readonly d: RecognizerDeps) {}

  /** Recognises every face in `image` from `device`; a picture without a face makes no event. */
  async recognize(image: Buffer, device: CaptureDevice, at = Date.now(), tr: Trace | null = null): Promise<Recognized> {
    const leave = this.d.enter?.() ?? (() => undefined);
    const sent: Array<Promise<unknown> | void> = [];
    try {
      return await this.run(image, device, at, tr, sent);
    } finally {
      void Promise.allSettled(sent).then(leave);
    }
  }

  private async run(image: Buffer, device: CaptureDevice, at: number, tr: Trace | null, sent: Array<Promise<unknown> | void>): Promise<Recognized> {
    let faces: FiqaEntry[];
    try {
      tr?.mark('engine_start');
      const a = await (await this.d.face()).analyze(image, RECOGNIZE_OPTIONS);
      tr?.mark('engine_end');
      faces = a.data;
    } catch (err) {
      const e = asFiqaError(err);
      if (e.code === FiqaCodes.NO_FACE) return { faces: 0, events: [] };
      throw e;
    }
    const groups = new Set(device.permission_ids);
    const devSno = this.d.devSno();
    // every face's event first, the realtime reports sent, then the inserts (one transaction each)
    const made: EventBody[] = [];
    for (const f of faces) {
      const emb = f.attributes?.embedding;
      if (!emb?.length || f.attributes?.embedding_model !== this.d.gallery.modelId) continue;
      const m = this.d.gallery.search(emb, groups);
      tr?.mark('searched');
      const score = m ? Math.round(Math.max(0, m.score) * 1e4) / 1e4 : 0;
      const known = m !== null && m.score >= DESCRIPTOR.threshold;
      const u = known ? this.d.gallery.user(m.identity_id) : undefined;
      const ev = await this.d.events.prepare({
        identity_id: known ? m.identity_id : '',
        identity_name: u?.name ?? '',
        group_name: u ? (u.permission_ids.find((p) => groups.has(p)) ?? '') : '',
        reg_pic: '',
        timestamp: at,
        score,
        ext_data: {
          device_ip: device.ep_ip,
          ep_id: `${devSno}__${device.ep_ip}`,
          person_type: known ? (u?.type ?? 1) : STRANGER,
          device_type: device.ep_type,
          dev_sno: devSno,
          grab_fiqa_info: {},
          box_fiqa_info: boxFiqaInfo(f),
        },
      });
      tr?.mark('prepared');
      // the first match carries the trace (one snapshot, one trace line)
      if (known && sent.length === 0) tr?.set('event_id', ev.ext_data.event_id);
      if (known) sent.push(this.d.onMatch(bodyWithSpot(ev, image), sent.length === 0 ? tr : null));
      this.d.onEvent?.(ev, device);
      made.push(ev);
    }
    const out: StoredEvent[] = [];
    tr?.mark('insert_start');
    for (const ev of made) out.push(await this.d.events.insert(ev, image));
    tr?.mark('inserted');
    if (tr) void Promise.allSettled(sent).then(() => tr.set('faces', faces.length).set('matched', sent.length).end());
    return { faces: faces.length, events: out };
  }
}
