// Recognition on the box put together: capture devices, the in-memory gallery (kept in step
// with the users store), the recogniser, the events ring, the reports to the platform, and the
// snapshot inputs (HTTP route, FTP server with its spool). Started after the platform link,
// closed before it (it shares its database and face pool).
import { join } from 'node:path';
import { DESCRIPTOR } from '../face';
import type { PlatformLink } from '../link';
import { CaptureDevices } from '../capture/devices';
import { handleCaptureHttp } from '../capture/http';
import { startFtp, type RunningFtp } from '../capture/ftp';
import { Spool } from '../capture/spool';
import { DEFAULT_MAX_EVENTS, EventStore, MAX_SPOT_BYTES } from '../events/store';
import { Reporters } from '../reports';
import { galleryFor, type Gallery } from './gallery';
import { Recognizer, type RecognizerDeps } from './recognize';
import { traceTo } from './trace';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RecognitionOptions {
  dataDir: string;
  link: PlatformLink;
  identity: { mac: string | null; hostname: string; ip: string };
  /** events kept (default 10,000) */
  maxEvents?: number;
  /** FTP port for snapshot cameras; 0 = no FTP server; default 2121 */
  ftpPort?: number;
  ftpHost?: string;
  /** pictures waiting in the spool at most (default 1000) and their bytes (default 256 MiB) */
  spoolFiles?: number;
  spoolBytes?: number;
  log(line: string): void;
}

export interface Recognition {
  readonly devices: CaptureDevices;
  readonly gallery: Gallery;
  readonly events: EventStore;
  /** the reports (the local admin API attaches its destinations with reports.useLocal) */
  readonly reports: Reporters;
  readonly ftpPort: number | null;
  /** set by the agent: every recognition event as soon as it is made (the door relay, agent/gate/) */
  hooks: { onEvent: RecognizerDeps['onEvent'] | null };
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  status(): Promise<{ capture_devices: number; gallery: number; events: number; ftp_port: number | null; spool_waiting: number; history_batches_sent: number; history_error: string | null }>;
  close(): Promise<void>;
}

export async function startRecognition(o: RecognitionOptions): Promise<Recognition> {
  const { link } = o;
  traceTo(o.log);
  const devices = await CaptureDevices.open(link.writer);
  const gallery = galleryFor(link.users, DESCRIPTOR.modelId, DESCRIPTOR.dims);
  o.log(`recognition: ${gallery.size} users in the gallery, search ${gallery.kernel === 'js' ? 'in plain JavaScript (no WebAssembly SIMD in this Node.js)' : 'by the WebAssembly SIMD kernel'}`);
  const stale = [...link.users.index.values()].filter((u) => u.model_id !== DESCRIPTOR.modelId).length;
  if (stale) o.log(`recognition: ${stale} users have descriptors of another model; they are searched once re-embedded from their photos`);
  const events = new EventStore(link.writer, o.maxEvents ?? DEFAULT_MAX_EVENTS);
  const hooks: Recognition['hooks'] = { onEvent: null };
  const reports = new Reporters({ session: () => link.session(), refused: (s, why) => link.refused(s, why), events, devices, dataDir: o.dataDir, identity: o.identity, log: o.log });
  const recognizer = new Recognizer({
    face: link.face,
    gallery,
    events,
    devSno: () => link.session()?.devSno ?? link.devSno(),
    onMatch: (e, tr) => reports.realtime(e, tr),
    onEvent: (e, d) => hooks.onEvent?.(e, d),
    enter: () => reports.priority.enter(),
    log: o.log,
  });
  reports.start();

  const spool = new Spool({
    dir: join(o.dataDir, 'spool'),
    maxFiles: o.spoolFiles ?? 1000,
    maxBytes: o.spoolBytes ?? 256 * 1024 * 1024,
    maxFileBytes: MAX_SPOT_BYTES,
    log: o.log,
    async process(file, user) {
      const d = devices.byFtpUser(user);
      if (!d) throw new Error(`no capture device has the FTP user "${user}" any more`);
      await recognizer.recognize(await readFile(file), d);
    },
  });
  let ftp: RunningFtp | null = null;
  const ftpPort = o.ftpPort ?? 2121;
  if (ftpPort > 0) {
    await spool.recover();
    try {
      ftp = await startFtp({ host: o.ftpHost ?? '0.0.0.0', port: ftpPort, pasvHost: o.identity.ip, devices, spool, log: o.log });
      o.log(`snapshot FTP server on port ${ftp.port}`);
    } catch (err) {
      // the box still recognises HTTP snapshots; the technician picks another port
      o.log(`snapshot FTP server NOT started: port ${ftpPort}: ${(err as Error).message}; cameras cannot upload by FTP until the agent runs with a free --ftp-port`);
    }
  }

  return {
    devices,
    gallery,
    events,
    reports,
    ftpPort: ftp?.port ?? null,
    hooks,
    handle: (req, res, path) => handleCaptureHttp(req, res, path, { devices, recognizer }),
    status: async () => ({
      capture_devices: devices.list().length,
      gallery: gallery.size,
      events: await events.count(),
      ftp_port: ftp?.port ?? null,
      spool_waiting: spool.waiting(),
      history_batches_sent: reports.history.sent,
      history_error: reports.history.lastError,
    }),
    async close() {
      await ftp?.close();
      await spool.close();
      await reports.close();
    },
  };
}
