// A child process for ftp-hostile.test.ts: the agent's snapshot FTP server (startFtp, with
// its capped file system) and spool (Spool, recovering what a previous run left) on a data
// folder, exactly as agent/recognition wires them, for one camera (FTP user cam1 / pw1). The
// spool's recognition step prints what it was handed ("processed <user> <bytes> <sha256>")
// instead of looking for faces. Killed with SIGKILL by the test.
// Usage: node --import tsx ftp-spool-child.ts <data dir>
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFtp } from '../../agent/capture/ftp';
import { Spool } from '../../agent/capture/spool';
import type { CaptureDevices } from '../../agent/capture/devices';
import { MAX_SPOT_BYTES } from '../../agent/events/store';

const dataDir = process.argv[2]!;
const log = (line: string) => process.stdout.write(`log ${line}\n`);
const cam = { ep_ip: '127.0.0.1', ep_type: '1', ftp_user: 'cam1', ftp_password: 'pw1' };
// the registry of capture devices, reduced to the one lookup the FTP server makes
const devices = { byFtpUser: (u: string) => (u === cam.ftp_user ? cam : undefined) } as unknown as CaptureDevices;

const spool = new Spool({
  dir: join(dataDir, 'spool'),
  maxFiles: 1000,
  maxBytes: 256 * 1024 * 1024,
  maxFileBytes: MAX_SPOT_BYTES,
  log,
  async process(file, user) {
    const bytes = await readFile(file);
    process.stdout.write(`processed ${user} ${bytes.length} ${createHash('sha256').update(bytes).digest('hex')}\n`);
  },
});
await spool.recover();
const ftp = await startFtp({ host: '127.0.0.1', port: 0, pasvHost: '127.0.0.1', devices, spool, log });
process.stdout.write(`ftp ${ftp.port}\n`);
