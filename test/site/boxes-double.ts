// A recording stand-in for the boxes service, for the transport unit tests only (wiring,
// validation, auth, event fan-out). The real services are exercised by test/e2e and the
// discovery/agent tests.
import type { BoxRow, ScanProgress } from '../../electron/api/boxes';
import { assembleServices, type BoxesService, type Services } from '../../electron/api/services';

export interface RecordingBoxes extends BoxesService {
  calls: Array<[string, unknown]>;
  emitRow(row: BoxRow): void;
  emitProgress(p: ScanProgress): void;
  listeners(): number;
}

export function sampleRow(ip = '127.0.0.2', port = 5555): BoxRow {
  return {
    id: `${ip}:${port}`,
    ip,
    port,
    mac: null,
    hostname: 'box-a',
    dev_sno: 'ABC123',
    login_url: 'http://platform.example:8080/login',
    agentVersion: '0.1.0',
    kind: 'se3-agent',
    sources: ['probe'],
    lastSeen: 1_700_000_000_000,
  };
}

export function recordingBoxes(): RecordingBoxes {
  const rowL = new Set<(r: BoxRow) => void>();
  const progL = new Set<(p: ScanProgress) => void>();
  const calls: Array<[string, unknown]> = [];
  return {
    calls,
    async scan(o) {
      calls.push(['scan', o]);
      return { scanId: 1 };
    },
    async stopScan() {
      calls.push(['stopScan', null]);
    },
    async list() {
      calls.push(['list', null]);
      return [sampleRow()];
    },
    async getConfig(host, port) {
      calls.push(['getConfig', { host, port }]);
      return { host, port: port ?? 5555, dev_sno: 'ABC123', login_url: null };
    },
    async configure(req) {
      calls.push(['configure', req]);
      return { host: req.host, port: req.port ?? 5555, ok: true, dev_sno: req.dev_sno ?? null, login_url: req.login_url ?? null };
    },
    async configureCsv(csv) {
      calls.push(['configureCsv', csv]);
      return { rows: [], ok: 0, failed: 0 };
    },
    onRow(l) {
      rowL.add(l);
      return () => rowL.delete(l);
    },
    onProgress(l) {
      progL.add(l);
      return () => progL.delete(l);
    },
    emitRow: (r) => rowL.forEach((l) => l(r)),
    emitProgress: (p) => progL.forEach((l) => l(p)),
    listeners: () => rowL.size + progL.size,
  };
}

/** The real services (idle until called) with the recording boxes service in place. */
export function servicesWith(boxes: BoxesService, dataDir = '/nonexistent'): Services {
  return assembleServices({ dataDir, boxes });
}
